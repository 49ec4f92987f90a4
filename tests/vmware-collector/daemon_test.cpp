#include "zabitan/vmware_collector/daemon.h"

#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <system_error>

#include <catch2/catch.hpp>

#include "../temp_files.h"

using namespace zabitan::vmware_collector;
using zabitan::testing::TempDir;

TEST_CASE("vmware-collector/daemon: the state folder is made private, with its parents",
          "[vmware-collector]") {
  TempDir dir;
  const std::string state = dir.path() + "/lib/zabitan/vmware";
  REQUIRE(MakeStateDir(state).ok());
  struct stat st {};
  REQUIRE(::stat(state.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  REQUIRE(::stat((dir.path() + "/lib").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0755);
  CHECK(MakeStateDir(state).ok());  // there already
}

TEST_CASE(
    "vmware-collector/daemon: a state folder that cannot be made names the option and the fix",
    "[vmware-collector]") {
  TempDir dir;
  const std::string file = dir.path() + "/file";
  std::ofstream(file) << "x";
  zabitan::Status s = MakeStateDir(file + "/vmware");
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == std::errc::not_a_directory);
  CHECK(s.message().find("give --state-dir DIR") != std::string::npos);
  CHECK(s.message().find("sudo install -d -m 0700") != std::string::npos);
}

TEST_CASE("vmware-collector/daemon: a stop signal ends the wait, and only one",
          "[vmware-collector]") {
  StopSignals stop;
  CHECK_FALSE(stop.Wait(std::chrono::milliseconds(0)));
  CHECK_FALSE(stop.Wait(std::chrono::milliseconds(20)));  // the time is up
  REQUIRE(::raise(SIGTERM) == 0);                         // blocked: waits for the collector
  CHECK(stop.Wait(std::chrono::seconds(10)));
  CHECK_FALSE(stop.Wait(std::chrono::milliseconds(0)));
}
