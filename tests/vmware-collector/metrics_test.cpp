#include "zabitan/vmware_collector/metrics.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "../vsphere/captured.h"

using namespace zabitan::vmware_collector;
using namespace zabitan::vsphere;
using zabitan::testing::Make;

namespace {

const MetricSpec* Find(const std::vector<MetricSpec>& specs, const std::string& path) {
  for (const MetricSpec& s : specs) {
    if (s.path == path) return &s;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("vmware-collector/metrics: the default counters", "[vmware-collector]") {
  std::vector<MetricSpec> vm = DefaultMetrics("VirtualMachine");
  REQUIRE(vm.size() == 13);
  for (const char* path :
       {"cpu.usage.average", "cpu.ready.summation", "cpu.latency.average", "mem.consumed.average",
        "mem.active.average", "mem.vmmemctl.average", "mem.swapped.average"}) {
    REQUIRE(Find(vm, path));
    CHECK(Find(vm, path)->aggregate);
    CHECK(Find(vm, path)->QueryInstance().empty());
  }
  CHECK(Find(vm, "net.received.average")->instances == InstanceKind::kNic);
  CHECK(Find(vm, "net.received.average")->aggregate);
  CHECK(Find(vm, "net.received.average")->QueryInstance() == "*");
  CHECK(Find(vm, "virtualDisk.totalWriteLatency.average")->instances == InstanceKind::kVirtualDisk);
  CHECK_FALSE(Find(vm, "virtualDisk.read.average")->aggregate);

  std::vector<MetricSpec> hv = DefaultMetrics("HostSystem");
  REQUIRE(hv.size() == 8);
  CHECK(Find(hv, "power.power.average")->aggregate);
  CHECK(Find(hv, "net.transmitted.average")->instances == InstanceKind::kNic);
  CHECK(Find(hv, "datastore.totalReadLatency.average")->instances == InstanceKind::kDatastore);
  CHECK_FALSE(Find(hv, "datastore.totalWriteLatency.average")->aggregate);

  CHECK(DefaultMetrics("Datastore").empty());
}

TEST_CASE("vmware-collector/metrics: extra counters by name", "[vmware-collector]") {
  std::map<std::string, Counter> catalogue = {
      {"mem.shared.average", {1, "mem.shared.average", "kiloBytes"}},
      {"cpu.usage.average", {2, "cpu.usage.average", "percent"}},
      {"virtualDisk.read.average", {3, "virtualDisk.read.average", "kiloBytesPerSecond"}}};
  std::vector<MetricSpec> specs = DefaultMetrics("VirtualMachine");
  std::vector<std::string> unknown;
  AddExtraCounters({"mem.shared.average", "no.such.counter", "cpu.usage.average",
                    "virtualDisk.read.average", "no.such.counter", "mem.shared.average"},
                   catalogue, &specs, &unknown);
  CHECK(unknown == std::vector<std::string>{"no.such.counter"});  // named once
  CHECK(specs.size() == 14);  // mem.shared added once; defaults not doubled
  CHECK(specs.back().path == "mem.shared.average");
  CHECK(specs.back().aggregate);
  CHECK(specs.back().instances == InstanceKind::kNone);
  // Asking for an instance-only default by name adds its aggregate, instances stay.
  CHECK(Find(specs, "virtualDisk.read.average")->aggregate);
  CHECK(Find(specs, "virtualDisk.read.average")->instances == InstanceKind::kVirtualDisk);
}

TEST_CASE("vmware-collector/metrics: keys", "[vmware-collector]") {
  std::vector<MetricSpec> vm = DefaultMetrics("VirtualMachine"), hv = DefaultMetrics("HostSystem");
  CHECK(PerfKey("VirtualMachine", *Find(vm, "cpu.ready.summation"), "") ==
        "zabitan.vmware.vm.perf[cpu.ready.summation]");
  CHECK(PerfKey("VirtualMachine", *Find(vm, "cpu.ready.summation"), "0")
            .empty());  // per vCPU: not collected
  CHECK(PerfKey("VirtualMachine", *Find(vm, "net.received.average"), "") ==
        "zabitan.vmware.vm.perf[net.received.average]");
  CHECK(PerfKey("VirtualMachine", *Find(vm, "net.received.average"), "4000") ==
        "zabitan.vmware.vm.perf[net.received.average,4000]");
  CHECK(PerfKey("VirtualMachine", *Find(vm, "virtualDisk.write.average"), "scsi0:1") ==
        "zabitan.vmware.vm.perf[virtualDisk.write.average,scsi0:1]");
  CHECK(PerfKey("VirtualMachine", *Find(vm, "virtualDisk.write.average"), "").empty());
  CHECK(PerfKey("VirtualMachine", *Find(vm, "net.received.average"), "*")
            .empty());  // stock vcsim's echo
  CHECK(PerfKey("HostSystem", *Find(hv, "datastore.totalReadLatency.average"), "5a7c1f-e2") ==
        "zabitan.vmware.hv.perf[datastore.totalReadLatency.average,5a7c1f-e2]");
  CHECK(PerfKey("HostSystem", *Find(hv, "net.transmitted.average"), "vmnic1") ==
        "zabitan.vmware.hv.perf[net.transmitted.average,vmnic1]");
  // Quoted as Zabbix quotes an LLD macro's value in a key.
  CHECK(PerfKey("HostSystem", *Find(hv, "net.transmitted.average"), "a,b]") ==
        "zabitan.vmware.hv.perf[net.transmitted.average,\"a,b]\"]");
  CHECK(PerfKey("HostSystem", *Find(hv, "net.transmitted.average"), "a,b\\").empty());
}

TEST_CASE("vmware-collector/metrics: key parameters quoted as Zabbix does", "[vmware-collector]") {
  std::string out;
  CHECK(QuoteKeyParam("vmnic0", &out));
  CHECK(out == "vmnic0");
  CHECK(QuoteKeyParam("", &out));
  CHECK(out.empty());
  CHECK(QuoteKeyParam("a\"b", &out));  // a quote inside is fine unquoted
  CHECK(out == "a\"b");
  CHECK(QuoteKeyParam("\"x", &out));
  CHECK(out == "\"\\\"x\"");
  CHECK(QuoteKeyParam(" x", &out));
  CHECK(out == "\" x\"");
  CHECK(QuoteKeyParam("a,b", &out));
  CHECK(out == "\"a,b\"");
  CHECK(QuoteKeyParam("a]", &out));
  CHECK(out == "\"a]\"");
  CHECK(QuoteKeyParam("trailing\\", &out));  // needs no quotes: fine
  CHECK(out == "trailing\\");
  CHECK_FALSE(QuoteKeyParam("a,trailing\\", &out));
}

TEST_CASE("vmware-collector/metrics: the instances' discovery", "[vmware-collector]") {
  Entity vm = Make("VirtualMachine", "vm-1", "vm-uuid"),
         vm2 = Make("VirtualMachine", "vm-2", "vm2-uuid"),
         host = Make("HostSystem", "host-1", "hv-uuid"),
         no_uuid = Make("VirtualMachine", "vm-3", "");
  Entity ds = Make("Datastore", "datastore-1", "ds:///vmfs/volumes/5a7c1f-e2/");
  ds.name = "ssd01";
  ds.properties["summary.url"] = "ds:///vmfs/volumes/5a7c1f-e2/";
  Counter rx{148, "net.received.average", "kiloBytesPerSecond"},
      tx{149, "net.transmitted.average", "kiloBytesPerSecond"},
      vd{173, "virtualDisk.read.average", "kiloBytesPerSecond"},
      cpu{2, "cpu.usage.average", "percent"},
      lat{182, "datastore.totalReadLatency.average", "millisecond"};
  std::vector<Series> vm_series = {
      {&vm, &cpu, ""},    {&vm, &rx, ""},         {&vm, &rx, "4000"}, {&vm, &tx, "4000"},
      {&vm, &rx, "4001"}, {&vm, &vd, "scsi0:0"},  {&vm, &cpu, "0"},   {&vm2, &cpu, ""},
      {&vm2, &rx, "*"},   {&no_uuid, &rx, "4000"}};
  auto values = InstanceDiscoveryValues("VirtualMachine", DefaultMetrics("VirtualMachine"),
                                        vm_series, {ds}, 1700000000);
  // vm2 has no instances (only an echoed "*"): nothing for it; vm-3 has no UUID.
  REQUIRE(values.size() == 2);
  CHECK(values[0].host == "vm-uuid");
  CHECK(values[0].key == "zabitan.vmware.vm.net.discovery");
  CHECK(values[0].value == R"([{"{#IFNAME}":"4000"},{"{#IFNAME}":"4001"}])");
  CHECK(values[0].clock == 1700000000u);
  CHECK(values[1].key == "zabitan.vmware.vm.vdisk.discovery");
  CHECK(values[1].value == R"([{"{#DISKNAME}":"scsi0:0"}])");

  std::vector<Series> hv_series = {
      {&host, &rx, "vmnic0"}, {&host, &lat, "5a7c1f-e2"}, {&host, &lat, "nfs-0001"}};
  values = InstanceDiscoveryValues("HostSystem", DefaultMetrics("HostSystem"), hv_series,
                                   {ds, host}, 1700000000);
  REQUIRE(values.size() == 2);
  CHECK(values[0].host == "hv-uuid");
  CHECK(values[0].key == "zabitan.vmware.hv.net.discovery");
  CHECK(values[0].value == R"([{"{#IFNAME}":"vmnic0"}])");
  CHECK(values[1].key == "zabitan.vmware.hv.datastore.discovery");
  // The name when the inventory knows the datastore (its URL ends in the instance).
  CHECK(nlohmann::json::parse(values[1].value) ==
        nlohmann::json::parse(R"([{"{#DATASTORE.INSTANCE}":"5a7c1f-e2","{#DATASTORE.NAME}":"ssd01"},
                                  {"{#DATASTORE.INSTANCE}":"nfs-0001"}])"));

  CHECK(InstanceDiscoveryValues("HostSystem", DefaultMetrics("HostSystem"), {}, {}, 1).empty());
}
