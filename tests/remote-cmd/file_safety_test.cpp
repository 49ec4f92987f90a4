#include "file_safety.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <initializer_list>
#include <string>

#include <catch2/catch.hpp>

#include "../skip.h"
#include "../temp_files.h"

using zabitan::remote_cmd::CheckTrustedFile;
using zabitan::testing::TempDir;
using zabitan::testing::TempFile;

namespace {

// The refusal is one line for stdout and the audit log: it must name the file and say why.
void CheckRefusal(const zabitan::Status& s, const std::string& path, const std::string& why) {
  REQUIRE_FALSE(s.ok());
  CHECK(s.message().rfind(path + ": ", 0) == 0);
  CHECK(s.message().find(why) != std::string::npos);
  CHECK(s.message().find('\n') == std::string::npos);
}

// Each of `modes` on a fresh file: trusted when `why` is null, else refused saying `why`.
void CheckModes(bool secret, std::initializer_list<mode_t> modes, const char* why) {
  for (mode_t mode : modes) {
    TempFile file("x\n", mode);
    INFO("mode " << std::oct << mode << (secret ? ", secret" : ", config"));
    if (why == nullptr) {
      CHECK(CheckTrustedFile(file.path(), secret).ok());
    } else {
      CheckRefusal(CheckTrustedFile(file.path(), secret), file.path(), why);
    }
  }
}

}  // namespace

TEST_CASE("file safety: a config writable only by its owner is trusted", "[remote][file_safety]") {
  CheckModes(false, {0644, 0640, 0600, 0444, 0755}, nullptr);
}

TEST_CASE("file safety: a config group or others can write is refused", "[remote][file_safety]") {
  CheckModes(false, {0664, 0646, 0666, 0660, 0602}, "lets group or others change it");
}

TEST_CASE("file safety: a secret only its owner can read is trusted", "[remote][file_safety]") {
  CheckModes(true, {0600, 0400}, nullptr);
}

TEST_CASE("file safety: a secret group or others can read is refused, even read-only",
          "[remote][file_safety]") {
  // A config's 0644 is fine; for the vSphere password the same mode is a leak.
  CheckModes(true, {0644, 0640, 0604, 0610, 0601}, "lets group or others read it");
}

TEST_CASE("file safety: a mode refusal gives the mode and the command that fixes it",
          "[remote][file_safety]") {
  TempFile file("x\n", 0640);
  const std::string& f = file.path();
  CHECK(CheckTrustedFile(f, true).message() ==
        f + ": mode 0640 lets group or others read it (chmod 600 " + f + ")");
  ::chmod(f.c_str(), 0664);
  CHECK(CheckTrustedFile(f, false).message() ==
        f + ": mode 0664 lets group or others change it (chmod go-w " + f + ")");
}

TEST_CASE("file safety: a file owned by another user is refused, whatever its mode",
          "[remote][file_safety]") {
  // Only root can give a file away; as anyone else the owner cannot be set up: a visible skip
  // (a failure in CI, which runs as root).
  if (::geteuid() != 0)
    ZABITAN_SKIP("not root: cannot chown a file to another user, ownership refusal not exercised");
  const passwd* nobody = ::getpwnam("nobody");
  REQUIRE(nobody != nullptr);
  REQUIRE(nobody->pw_uid != 0);
  for (bool secret : {false, true}) {
    TempFile file("x\n", 0600);
    REQUIRE(::chown(file.path().c_str(), nobody->pw_uid, nobody->pw_gid) == 0);
    INFO("secret " << secret);
    CheckRefusal(
        CheckTrustedFile(file.path(), secret), file.path(),
        "owned by uid " + std::to_string(nobody->pw_uid) + ", neither root nor the running user");
  }
}

TEST_CASE("file safety: a missing file or a folder is refused with the reason",
          "[remote][file_safety]") {
  TempDir dir;
  const std::string missing = dir.path() + "/zabitan.toml";
  CheckRefusal(CheckTrustedFile(missing, false), missing, "No such file or directory");
  ::chmod(dir.path().c_str(), 0700);
  CheckRefusal(CheckTrustedFile(dir.path(), false), dir.path(), "not a regular file");
}
