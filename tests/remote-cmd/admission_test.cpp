#include "zabitan/remote_cmd/admission.h"

#include <sys/stat.h>

#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "../temp_files.h"

using zabitan::remote_cmd::Admission;
using zabitan::remote_cmd::Admit;
using zabitan::testing::TempDir;

namespace {

// A config of one group ("web": host vm-web01, pool web-3) with the audit log in `dir`.
std::string WriteConfig(const TempDir& dir, mode_t mode) {
  const std::string path = dir.path() + "/zabitan.toml";
  std::ofstream(path) << "[remote_cmd]\nurl = \"https://vc/sdk\"\nuser = \"u\"\npassword_file = \""
                      << dir.path() << "/pw\"\naudit_log = \"" << dir.path() << "/audit.log\"\n"
                      << "[remote_cmd.groups.web]\nhosts = [\"vm-web01\"]\npool = [\"web-3\"]\n";
  ::chmod(path.c_str(), mode);
  return path;
}

// Admit() over these arguments (argv[0] first, as main gets them).
bool Run(std::vector<std::string> args, Admission* a) {
  args.insert(args.begin(), "zabitan-remote-cmd");
  std::vector<char*> argv;
  for (std::string& s : args) argv.push_back(s.data());
  return Admit(static_cast<int>(argv.size()), argv.data(), a);
}

std::vector<std::string> Call(const std::string& host, const std::string& config) {
  return {"scale-up", "--host",   host,      "--event-id", "7",   "--trigger-id",
          "8",        "--status", "PROBLEM", "--config",   config};
}

}  // namespace

TEST_CASE("admission: a call for a host of a group is admitted", "[remote][admission]") {
  TempDir dir;
  const std::string config = WriteConfig(dir, 0644);
  Admission a;
  REQUIRE(Run(Call("vm-web01", config), &a));
  REQUIRE(a.group != nullptr);
  CHECK(a.group->name == "web");
  CHECK(a.record.group == "web");
  CHECK(a.record.outcome.empty());
  CHECK(a.audit_log == dir.path() + "/audit.log");
  CHECK(a.config_path == config);
  CHECK(a.refusal.empty());
}

TEST_CASE("admission: the grammar goes first, before any file is read", "[remote][admission]") {
  TempDir dir;
  Admission a;
  // The config named does not even exist: the bad host is what is reported.
  CHECK_FALSE(Run(Call("vm$(reboot)", dir.path() + "/none.toml"), &a));
  CHECK(a.refusal.starts_with("rejected: "));
  CHECK(a.refusal.find("--host") != std::string::npos);
  CHECK(a.refusal.find('\n') == std::string::npos);
  CHECK(a.record.outcome == "rejected");
  CHECK(a.record.args.size() == 11);  // as received, for the audit record
  CHECK(a.group == nullptr);
}

TEST_CASE("admission: refusals after the grammar", "[remote][admission]") {
  TempDir dir;
  Admission a;
  SECTION("an untrusted config is refused, and the audit log it names not used") {
    const std::string config = WriteConfig(dir, 0666);
    CHECK_FALSE(Run(Call("vm-web01", config), &a));
    CHECK(a.refusal.starts_with("refusing to run: " + config + ": "));
    CHECK(a.refusal.find("chmod go-w") != std::string::npos);
    CHECK(a.audit_log.empty());  // syslog only: the file that names the log is not to be trusted
  }
  SECTION("a host in no group is rejected, audited in the config's log") {
    const std::string config = WriteConfig(dir, 0600);
    CHECK_FALSE(Run(Call("vm-db01", config), &a));
    CHECK(a.refusal == "rejected: host \"vm-db01\" belongs to no scaling group of " + config);
    CHECK(a.audit_log == dir.path() + "/audit.log");
  }
  CHECK(a.record.outcome == "rejected");
  CHECK(a.group == nullptr);
}
