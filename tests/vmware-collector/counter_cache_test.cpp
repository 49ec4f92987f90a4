#include "zabitan/vmware_collector/counter_cache.h"

#include <fstream>

#include <catch2/catch.hpp>

#include "../temp_files.h"

using namespace zabitan::vmware_collector;
using zabitan::testing::TempDir;
using zabitan::vsphere::Counter;

namespace {

zabitan::vsphere::ServiceContent Endpoint(const std::string& uuid, const std::string& version) {
  zabitan::vsphere::ServiceContent sc;
  sc.instance_uuid = uuid;
  sc.api_version = version;
  return sc;
}

}  // namespace

TEST_CASE("vmware-collector/counter cache: serves a run that wants what it holds or knows absent",
          "[vmware-collector]") {
  TempDir dir;
  const CounterCache cache(dir.path(), Endpoint("vc-1", "7.0"));
  std::map<std::string, Counter> catalogue;
  CHECK_FALSE(cache.Lookup({"cpu.usage.average"}, &catalogue));  // nothing cached yet

  const std::map<std::string, Counter> read = {
      {"cpu.usage.average", {2, "cpu.usage.average", "percent"}},
      {"mem.active.average", {33, "mem.active.average", "kiloBytes"}}};
  REQUIRE(cache.Store(read, {"cpu.usage.average", "no.such.counter"}).ok());
  REQUIRE(cache.Lookup({"cpu.usage.average", "no.such.counter"}, &catalogue));
  CHECK(catalogue.size() == 2);
  CHECK(catalogue.at("cpu.usage.average").key == 2);
  CHECK(catalogue.at("mem.active.average").unit == "kiloBytes");
  // A path neither held nor known absent: the endpoint must be read again.
  CHECK_FALSE(cache.Lookup({"cpu.usage.average", "net.usage.average"}, &catalogue));
  CHECK(catalogue.empty());
}

TEST_CASE("vmware-collector/counter cache: per endpoint and API version, damaged serves nothing",
          "[vmware-collector]") {
  TempDir dir;
  const CounterCache a(dir.path(), Endpoint("vc-1", "7.0"));
  const CounterCache b(dir.path(), Endpoint("vc-1", "8.0"));  // counter ids differ between builds
  CHECK(a.path() != b.path());
  REQUIRE(a.Store({{"cpu.usage.average", {2, "cpu.usage.average", "percent"}}}, {}).ok());
  std::map<std::string, Counter> catalogue;
  CHECK_FALSE(b.Lookup({"cpu.usage.average"}, &catalogue));

  std::ofstream(a.path()) << R"({"counters": [[2, "cpu.usage.average"]], "absent": []})";
  CHECK_FALSE(a.Lookup({"cpu.usage.average"}, &catalogue));
  std::ofstream(a.path()) << "not json";
  CHECK_FALSE(a.Lookup({}, &catalogue));
}
