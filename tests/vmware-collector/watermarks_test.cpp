#include "zabitan/vmware_collector/watermarks.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <system_error>

#include <catch2/catch.hpp>

#include "../temp_files.h"

using namespace zabitan::vmware_collector;
using zabitan::testing::TempDir;

TEST_CASE("vmware-collector/watermarks: a cycle's advances count once saved",
          "[vmware-collector]") {
  TempDir dir;
  const std::string path = dir.path() + "/perf.json";
  Watermarks marks(path);
  CHECK(marks.Load().code() == Errc::kNotFound);  // a first run
  CHECK(marks.empty());
  marks.StartCycle();
  CHECK(marks.IsNew("vm-a", 100));
  marks.Advance("vm-a", 100);
  marks.Advance("vm-a", 80);       // never backwards
  CHECK(marks.Last("vm-a") == 0);  // not before Save
  REQUIRE(marks.Save().ok());
  CHECK(marks.Last("vm-a") == 100);
  CHECK_FALSE(marks.IsNew("vm-a", 100));
  CHECK(marks.IsNew("vm-a", 101));

  Watermarks again(path);  // the next run
  REQUIRE(again.Load().ok());
  CHECK(again.Last("vm-a") == 100);
  CHECK_FALSE(again.empty());

  again.StartCycle();
  again.Advance("vm-a", 200);
  again.StartCycle();  // a cycle that could not deliver leaves nothing behind
  REQUIRE(again.Save().ok());
  CHECK(again.Last("vm-a") == 100);
}

TEST_CASE("vmware-collector/watermarks: a failed save still holds in the process",
          "[vmware-collector]") {
  TempDir dir;
  Watermarks marks(dir.path() + "/missing-folder/perf.json");
  marks.StartCycle();
  marks.Advance("vm-a", 100);
  CHECK(marks.Save().code() == std::errc::no_such_file_or_directory);
  CHECK(marks.Last("vm-a") == 100);  // a daemon's next cycle goes on from here
}

TEST_CASE("vmware-collector/watermarks: a damaged or unreadable file is a failure, not a first run",
          "[vmware-collector]") {
  TempDir dir;
  const std::string path = dir.path() + "/perf.json";
  for (const char* text : {"", "{\"vm-a\": \"x\", \"vm-b\": 7", "[7]"}) {
    INFO("file: " << text);
    std::ofstream(path, std::ios::trunc) << text;
    Watermarks marks(path);
    const zabitan::Status s = marks.Load();
    CHECK(s.code() == Errc::kDamaged);
    CHECK(s.message().rfind(path + ": damaged (", 0) == 0);
    CHECK(marks.empty());
  }
  // Entries that are not clocks (negative, over 32 bits) are left out; the others hold.
  std::ofstream(path, std::ios::trunc) << "{\"vm-a\": -1, \"vm-b\": 7, \"vm-c\": 4294967296}";
  Watermarks partly(path);
  const zabitan::Status s = partly.Load();
  CHECK(s.code() == Errc::kDamaged);
  CHECK(s.message() == path + ": damaged (entries that are not clocks: 2)");
  CHECK(partly.Last("vm-a") == 0);
  CHECK(partly.Last("vm-b") == 7);
  CHECK(partly.Last("vm-c") == 0);

  std::filesystem::remove(path);
  std::filesystem::create_directory(path);  // denies even root, unlike chmod 000
  Watermarks folder(path);
  CHECK(folder.Load().code() == Errc::kUnreadable);
  CHECK(folder.empty());
  std::filesystem::remove(path);
  if (::geteuid() != 0) {  // root reads a file of mode 000
    std::ofstream(path) << "{\"vm-b\": 7}";
    REQUIRE(::chmod(path.c_str(), 0) == 0);
    Watermarks denied(path);
    CHECK(denied.Load().code() == Errc::kUnreadable);
  }
}

TEST_CASE("vmware-collector/watermarks: samples asked back to the oldest, within realtime's hour",
          "[vmware-collector]") {
  TempDir dir;
  const std::string path = dir.path() + "/perf.json";
  std::ofstream(path) << "{\"a\": 10000, \"b\": 10900, \"future\": 20000}";
  Watermarks marks(path);
  REQUIRE(marks.Load().ok());
  zabitan::vsphere::Entity a, b, future, fresh;
  a.uuid = "a";
  b.uuid = "b";
  future.uuid = "future";
  fresh.uuid = "fresh";
  CHECK(marks.SamplesNeeded({&fresh}, 11000) == Watermarks::kRecentSamples);
  CHECK(marks.SamplesNeeded({&b}, 11000) == 15);  // 100 s: 5 + 2, at least 15
  CHECK(marks.SamplesNeeded({&a, &b}, 11000) == 1000 / 20 + 2);
  CHECK(marks.SamplesNeeded({&future}, 11000) == Watermarks::kRecentSamples);  // our clock behind
  CHECK(marks.SamplesNeeded({&a}, 100000) == Watermarks::kRealtimeRetention);
}
