#include "zabitan/common/whole_file.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include <catch2/catch.hpp>

#include "../temp_files.h"

using namespace zabitan;

using zabitan::testing::TempDir;

namespace {

std::string Contents(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("whole file: written as a whole, mode 0600, no .tmp left", "[whole_file]") {
  TempDir dir;
  std::string path = dir.path() + "/state.json";
  REQUIRE(WriteFileWhole(path, "one").ok());
  REQUIRE(WriteFileWhole(path, "two").ok());
  CHECK(Contents(path) == "two");
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST_CASE("whole file: a folder in the file's place fails with its errno, no .tmp left",
          "[whole_file]") {
  TempDir dir;
  std::string path = dir.path() + "/state.json";
  std::filesystem::create_directory(path);
  std::filesystem::create_directory(path + "/inside");  // rename(2) over a non-empty folder fails
  Status s = WriteFileWhole(path, "data");
  REQUIRE_FALSE(s.ok());
  CHECK((s.code() == std::errc::is_a_directory || s.code() == std::errc::directory_not_empty));
  CHECK(s.message().find(path) != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST_CASE("whole file: a folder that does not exist fails with ENOENT", "[whole_file]") {
  TempDir dir;
  Status s = WriteFileWhole(dir.path() + "/missing/state.json", "data");
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == std::errc::no_such_file_or_directory);
}
