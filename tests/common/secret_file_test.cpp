#include "zabitan/common/secret_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <catch2/catch.hpp>

#include "../temp_files.h"
#include "zabitan/common/error.h"

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
    CHECK(s.code() == zabitan::Errc::kInsecureFile);
    CHECK(s.message().find("chmod 600") != std::string::npos);  // the line says the fix
    CHECK(contents.empty());
  }
}

TEST_CASE("secret file: missing file names the path", "[secret_file]") {
  std::string contents;
  auto s = ReadSecretFile("/nonexistent/secret", &contents);
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == std::errc::no_such_file_or_directory);
  CHECK(s.message() == "/nonexistent/secret: No such file or directory");
}

// Issue #19: the one copy of "read the secret, drop the line end" (six places had their own).
TEST_CASE("secret file: a one-line secret loses its line end, nothing else", "[secret_file]") {
  for (const char* text : {"s3cret \n", "s3cret \r\n", "s3cret \n\n", "s3cret "}) {
    TempFile f(text, 0600);
    std::string secret;
    REQUIRE(zabitan::ReadSecretLine(f.path(), &secret).ok());
    CHECK(secret == "s3cret ");  // a blank may belong to a password
  }
  TempFile open_to_all("s3cret\n", 0644);
  std::string secret;
  CHECK(zabitan::ReadSecretLine(open_to_all.path(), &secret).code() ==
        zabitan::Errc::kInsecureFile);
  std::string cookie = "vmware_soap_session=\"abc\"\r\n";
  zabitan::StripLineEnd(&cookie);
  CHECK(cookie == "vmware_soap_session=\"abc\"");
}
