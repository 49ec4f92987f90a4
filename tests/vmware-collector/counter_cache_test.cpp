#include "zabitan/vmware_collector/counter_cache.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <system_error>

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
  CHECK(cache.Lookup({"cpu.usage.average"}, &catalogue).code() == Errc::kNotFound);  // none yet

  const std::map<std::string, Counter> read = {
      {"cpu.usage.average", {2, "cpu.usage.average", "percent"}},
      {"mem.active.average", {33, "mem.active.average", "kiloBytes"}}};
  REQUIRE(cache.Store(read, {"cpu.usage.average", "no.such.counter"}).ok());
  REQUIRE(cache.Lookup({"cpu.usage.average", "no.such.counter"}, &catalogue).ok());
  CHECK(catalogue.size() == 2);
  CHECK(catalogue.at("cpu.usage.average").key == 2);
  CHECK(catalogue.at("mem.active.average").unit == "kiloBytes");
  // A path neither held nor known absent: the endpoint must be read again.
  CHECK(cache.Lookup({"cpu.usage.average", "net.usage.average"}, &catalogue).code() ==
        Errc::kCacheMiss);
  CHECK(catalogue.empty());
}

TEST_CASE("vmware-collector/counter cache: per endpoint and API version", "[vmware-collector]") {
  TempDir dir;
  const CounterCache a(dir.path(), Endpoint("vc-1", "7.0"));
  const CounterCache b(dir.path(), Endpoint("vc-1", "8.0"));  // counter ids differ between builds
  CHECK(a.path() != b.path());
  REQUIRE(a.Store({{"cpu.usage.average", {2, "cpu.usage.average", "percent"}}}, {}).ok());
  std::map<std::string, Counter> catalogue;
  CHECK(a.Lookup({"cpu.usage.average"}, &catalogue).ok());
  CHECK(b.Lookup({"cpu.usage.average"}, &catalogue).code() == Errc::kNotFound);
}

TEST_CASE("vmware-collector/counter cache: unreadable and damaged are failures, not misses",
          "[vmware-collector]") {
  TempDir dir;
  const CounterCache cache(dir.path(), Endpoint("vc-1", "7.0"));
  std::map<std::string, Counter> catalogue;
  for (const char* text : {"", "not json", "[]", R"({"counters": [], "absent": 3})",
                           R"({"counters": [[2, "cpu.usage.average"]], "absent": []})"}) {
    INFO("file: " << text);
    std::ofstream(cache.path(), std::ios::trunc) << text;
    catalogue["left"] = {};
    const zabitan::Status s = cache.Lookup({}, &catalogue);  // wants nothing: only the file
    CHECK(s.code() == Errc::kDamaged);
    CHECK(s.message().rfind(cache.path() + ": damaged (", 0) == 0);
    CHECK(catalogue.empty());
  }
  std::filesystem::remove(cache.path());
  std::filesystem::create_directory(cache.path());  // denies even root, unlike chmod 000
  zabitan::Status s = cache.Lookup({}, &catalogue);
  CHECK(s.code() == Errc::kUnreadable);
  CHECK(s.message() == cache.path() + ": Is a directory");
  // Storing over a folder fails, with the errno of the rename.
  CHECK(cache.Store({}, {}).code() == std::errc::is_a_directory);
  std::filesystem::remove(cache.path());
  if (::geteuid() != 0) {  // root reads a file of mode 000
    REQUIRE(cache.Store({}, {}).ok());
    REQUIRE(::chmod(cache.path().c_str(), 0) == 0);
    CHECK(cache.Lookup({}, &catalogue).code() == Errc::kUnreadable);
  }
}
