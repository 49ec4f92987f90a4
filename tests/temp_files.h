// Temporary files and folders for tests, removed when they go out of scope.
#ifndef ZABITAN_TESTS_TEMP_FILES_H_
#define ZABITAN_TESTS_TEMP_FILES_H_

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

namespace zabitan::testing {

// A file holding `contents`, with permission bits `mode`.
class TempFile {
 public:
  TempFile(const std::string& contents, mode_t mode) {
    char tmpl[] = "/tmp/zabitan-test-XXXXXX";
    int fd = ::mkstemp(tmpl);
    REQUIRE(fd >= 0);
    ::close(fd);
    path_ = tmpl;
    std::ofstream(path_) << contents;
    ::chmod(path_.c_str(), mode);
  }
  ~TempFile() { std::filesystem::remove(path_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/zabitan-test-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace zabitan::testing

#endif  // ZABITAN_TESTS_TEMP_FILES_H_
