#include "zabitan/vmware_collector/watermarks.h"

#include <fstream>

#include <catch2/catch.hpp>

#include "../temp_files.h"

using namespace zabitan::vmware_collector;
using zabitan::testing::TempDir;

TEST_CASE("vmware-collector/watermarks: a cycle's advances count once saved",
          "[vmware-collector]") {
  TempDir dir;
  const std::string path = dir.path() + "/perf.json";
  Watermarks marks(path);
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
  CHECK_FALSE(marks.Save().ok());
  CHECK(marks.Last("vm-a") == 100);  // a daemon's next cycle goes on from here
}

TEST_CASE("vmware-collector/watermarks: a damaged file is no watermark", "[vmware-collector]") {
  TempDir dir;
  const std::string path = dir.path() + "/perf.json";
  std::ofstream(path) << "{\"vm-a\": \"x\", \"vm-b\": 7";
  Watermarks marks(path);
  CHECK(marks.empty());
  std::ofstream(path) << "{\"vm-a\": -1, \"vm-b\": 7}";
  Watermarks partly(path);
  CHECK(partly.Last("vm-a") == 0);
  CHECK(partly.Last("vm-b") == 7);
}

TEST_CASE("vmware-collector/watermarks: samples asked back to the oldest, within realtime's hour",
          "[vmware-collector]") {
  TempDir dir;
  const std::string path = dir.path() + "/perf.json";
  std::ofstream(path) << "{\"a\": 10000, \"b\": 10900, \"future\": 20000}";
  Watermarks marks(path);
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
