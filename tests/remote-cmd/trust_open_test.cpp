// The config, the password file and the acting module are checked on the descriptor that is
// then read (common/trusted_file.h), through Admit() where the config is concerned: the path
// is walked folder by folder, nothing on it may be a symbolic link, and at most 1 MiB is read.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "../temp_files.h"
#include "zabitan/common/trusted_file.h"
#include "zabitan/remote_cmd/admission.h"

using zabitan::ReadTrustedFile;
using zabitan::remote_cmd::Admission;
using zabitan::remote_cmd::Admit;
using zabitan::testing::TempDir;

namespace {

std::string WriteConfig(const std::string& path, const std::string& tail = "") {
  std::ofstream(path)
      << "[remote_cmd]\nurl = \"https://vc/sdk\"\nuser = \"u\"\npassword_file = "
         "\"/etc/zabitan/pw\"\n"
      << "audit_log = \"\"\n[remote_cmd.groups.web]\nhosts = [\"vm-web01\"]\npool = [\"web-3\"]\n"
      << tail;
  ::chmod(path.c_str(), 0644);
  return path;
}

std::string Admitting(const std::string& config) {
  std::vector<std::string> args = {"zabitan-remote-cmd", "scale-up", "--host",       "vm-web01",
                                   "--event-id",         "7",        "--trigger-id", "8",
                                   "--status",           "PROBLEM",  "--config",     config};
  std::vector<char*> argv;
  for (std::string& s : args) argv.push_back(s.data());
  Admission a;
  return Admit(static_cast<int>(argv.size()), argv.data(), &a) ? "admitted" : a.refusal;
}

}  // namespace

TEST_CASE("trusted open: a config in a private folder under /tmp is admitted", "[remote][trust]") {
  TempDir dir;  // 0700 under /tmp (1777: sticky, so others cannot swap what is in it)
  CHECK(Admitting(WriteConfig(dir.path() + "/z.toml")) == "admitted");
}

TEST_CASE("trusted open: a config that is a symbolic link is refused", "[remote][trust]") {
  // Trusted at stat(2) through the link, then the link repointed before open(2): the race.
  TempDir dir;
  const std::string real = WriteConfig(dir.path() + "/real.toml");
  const std::string link = dir.path() + "/z.toml";
  REQUIRE(::symlink(real.c_str(), link.c_str()) == 0);
  CHECK(Admitting(link) == "refusing to run: " + link + ": is a symbolic link: name the real path");
}

TEST_CASE("trusted open: a folder on the way that is a symbolic link is refused",
          "[remote][trust]") {
  TempDir dir;
  REQUIRE(::mkdir((dir.path() + "/real").c_str(), 0755) == 0);
  WriteConfig(dir.path() + "/real/z.toml");
  REQUIRE(::symlink((dir.path() + "/real").c_str(), (dir.path() + "/etc").c_str()) == 0);
  const std::string config = dir.path() + "/etc/z.toml";
  CHECK(Admitting(config) == "refusing to run: " + config + ": " + dir.path() +
                                 "/etc is a symbolic link: name the real path");
}

TEST_CASE("trusted open: a config in a folder others can write is refused", "[remote][trust]") {
  // Whoever may write in the folder may rename a file of theirs over the config.
  TempDir dir;
  const std::string folder = dir.path() + "/open";
  REQUIRE(::mkdir(folder.c_str(), 0755) == 0);
  REQUIRE(::chmod(folder.c_str(), 0777) == 0);
  const std::string config = WriteConfig(folder + "/z.toml");
  CHECK(Admitting(config) ==
        "refusing to run: " + config + ": folder " + folder +
            " has mode 0777: group or others can replace what is in it (chmod go-w " + folder +
            ")");
  ::chmod(folder.c_str(), 01777);  // sticky: others may add files, not replace this one
  CHECK(Admitting(config) == "admitted");
  ::chmod(folder.c_str(), 0775);
  CHECK(Admitting(config).find("has mode 0775") != std::string::npos);
}

TEST_CASE("trusted open: a config over 1 MiB is refused, one at 1 MiB is read", "[remote][trust]") {
  TempDir dir;
  const std::string config = dir.path() + "/z.toml";
  const size_t base = std::ifstream(WriteConfig(config), std::ios::ate).tellg();
  WriteConfig(config, "#" + std::string(zabitan::kTrustedFileMaxBytes - base - 2, 'x') + "\n");
  CHECK(Admitting(config) == "admitted");
  WriteConfig(config, "#" + std::string(zabitan::kTrustedFileMaxBytes - base - 1, 'x') + "\n");
  CHECK(Admitting(config) == "refusing to run: " + config + ": larger than 1048576 bytes");
}

TEST_CASE("trusted open: a FIFO is refused at once, not waited on", "[remote][trust]") {
  TempDir dir;
  const std::string fifo = dir.path() + "/z.toml";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(Admitting(fifo) == "refusing to run: " + fifo + ": not a regular file");
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
}

TEST_CASE("trusted open: a secret is read from the checked descriptor; a relative path is refused",
          "[remote][trust]") {
  TempDir dir;
  const std::string pw = dir.path() + "/pw";
  std::ofstream(pw) << "s3cret\n";
  ::chmod(pw.c_str(), 0600);
  std::string text;
  REQUIRE(ReadTrustedFile(pw, true, &text).ok());
  CHECK(text == "s3cret\n");
  ::chmod(pw.c_str(), 0640);
  CHECK(ReadTrustedFile(pw, true, &text).message() ==
        pw + ": mode 0640 lets group or others read it (chmod 600 " + pw + ")");
  CHECK(text.empty());
  CHECK(ReadTrustedFile("etc/pw", true, &text).message() == "etc/pw: expected an absolute path");
  CHECK(ReadTrustedFile(dir.path() + "/../pw", true, &text).message() ==
        dir.path() + "/../pw: \"..\" is not allowed");
}
