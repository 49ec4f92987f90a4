#include "zabitan/vmware_collector/perf_values.h"

#include <catch2/catch.hpp>

#include "../temp_files.h"

using namespace zabitan::vmware_collector;
using zabitan::sender::Value;
using zabitan::testing::TempDir;
namespace vsphere = zabitan::vsphere;

namespace {

// What reached the sink, in order.
class Recorded : public ValueSink {
 public:
  std::vector<Value> values;

 protected:
  void Put(const Value& v) override { values.push_back(v); }
};

struct Fixture {
  TempDir dir;
  Watermarks marks{dir.path() + "/perf.json"};
  vsphere::Entity vm;
  vsphere::Counter cpu{2, "cpu.usage.average", "percent"};
  vsphere::Counter disk{180, "virtualDisk.read.average", "kiloBytesPerSecond"};
  vsphere::Counter other{999, "mem.shared.average", "kiloBytes"};  // not asked for
  Fixture() {
    vm.moref = {"VirtualMachine", "vm-57"};
    vm.uuid = "5001-aa";
  }
  vsphere::Sample At(const vsphere::Counter& c, std::string instance, uint32_t clock,
                     std::string value) {
    return {&vm, &c, std::move(instance), clock, 7, std::move(value)};
  }
};

}  // namespace

TEST_CASE(
    "vmware-collector/perf values: discovery first, then each sample on the entity's own host",
    "[vmware-collector]") {
  Fixture f;
  vsphere::PerfResult r;
  r.series = {{&f.vm, &f.cpu, ""}, {&f.vm, &f.disk, ""}, {&f.vm, &f.disk, "scsi0:0"}};
  r.samples = {f.At(f.cpu, "", 100, "5.29"), f.At(f.disk, "", 100, "12"),
               f.At(f.disk, "scsi0:0", 100, "12"), f.At(f.other, "", 100, "1")};
  Recorded out;
  f.marks.StartCycle();
  AddPerfValues("VirtualMachine", DefaultMetrics("VirtualMachine"), r, {}, 90, &f.marks, &out);
  REQUIRE(out.values.size() == 3);
  CHECK(out.values[0] == Value{"5001-aa", "zabitan.vmware.vm.vdisk.discovery",
                               R"([{"{#DISKNAME}":"scsi0:0"}])", 90, 0});
  CHECK(out.values[1] ==
        Value{"5001-aa", "zabitan.vmware.vm.perf[cpu.usage.average]", "5.29", 100, 7});
  // The aggregate of a per-disk counter is not sent; its instance is; a counter not asked for is
  // not.
  CHECK(out.values[2] ==
        Value{"5001-aa", "zabitan.vmware.vm.perf[virtualDisk.read.average,scsi0:0]", "12", 100, 7});
  CHECK(out.count() == 3);
  REQUIRE(f.marks.Save().ok());
  CHECK(f.marks.Last("5001-aa") == 100);
}

TEST_CASE("vmware-collector/perf values: samples up to the watermark are not sent again",
          "[vmware-collector]") {
  Fixture f;
  f.marks.StartCycle();
  f.marks.Advance("5001-aa", 100);
  REQUIRE(f.marks.Save().ok());
  vsphere::PerfResult r;
  r.samples = {f.At(f.cpu, "", 80, "1.00"), f.At(f.cpu, "", 100, "2.00"),
               f.At(f.cpu, "", 120, "3.00")};
  Recorded out;
  f.marks.StartCycle();
  AddPerfValues("VirtualMachine", DefaultMetrics("VirtualMachine"), r, {}, 130, &f.marks, &out);
  REQUIRE(out.values.size() == 1);
  CHECK(out.values[0].value == "3.00");
  CHECK(out.values[0].clock == 120u);
}

TEST_CASE(
    "vmware-collector/perf values: hosts' keys and datastore instances named from the inventory",
    "[vmware-collector]") {
  Fixture f;
  vsphere::Entity host;
  host.moref = {"HostSystem", "host-21"};
  host.uuid = "dcf7-host";
  vsphere::Entity ds;
  ds.moref = {"Datastore", "datastore-1"};
  ds.name = "LocalDS_0";
  ds.properties["summary.url"] = "ds:///vmfs/volumes/5a7c-01/";
  vsphere::Counter latency{300, "datastore.totalReadLatency.average", "millisecond"};
  vsphere::PerfResult r;
  r.series = {{&host, &latency, "5a7c-01"}};
  r.samples = {{&host, &latency, "5a7c-01", 200, 0, "3"}};
  Recorded out;
  f.marks.StartCycle();
  AddPerfValues("HostSystem", DefaultMetrics("HostSystem"), r, {ds}, 210, &f.marks, &out);
  REQUIRE(out.values.size() == 2);
  CHECK(out.values[0].key == "zabitan.vmware.hv.datastore.discovery");
  CHECK(out.values[0].value ==
        R"([{"{#DATASTORE.INSTANCE}":"5a7c-01","{#DATASTORE.NAME}":"LocalDS_0"}])");
  CHECK(out.values[1] == Value{"dcf7-host",
                               "zabitan.vmware.hv.perf[datastore.totalReadLatency.average,5a7c-01]",
                               "3", 200, 0});
}
