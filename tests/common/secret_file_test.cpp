#include "zabitan/common/secret_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <catch2/catch.hpp>

#include "../temp_files.h"

using namespace zabitan;

using zabitan::testing::TempFile;

TEST_CASE("secret file: 0600 is read", "[secret_file]") {
  TempFile f("s3cret\n", 0600);
  std::string contents;
  REQUIRE(ReadSecretFile(f.path(), &contents).ok());
  CHECK(contents == "s3cret\n");
}

TEST_CASE("secret file: group or other access is refused", "[secret_file]") {
  for (mode_t mode : {0640, 0604, 0620, 0644}) {
    TempFile f("s3cret", mode);
    std::string contents;
    auto s = ReadSecretFile(f.path(), &contents);
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().find("chmod 600") != std::string::npos);
    CHECK(contents.empty());
  }
}

TEST_CASE("secret file: missing file names the path", "[secret_file]") {
  std::string contents;
  auto s = ReadSecretFile("/nonexistent/secret", &contents);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message().rfind("/nonexistent/secret: ", 0) == 0);
}
