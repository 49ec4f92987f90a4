// zabitan — the vSphere library's vocabulary: managed objects, the inventory's entities, the
// performance counters and samples, and what remote-cmd knows of a VM.
//
// Plain values, shared by the operations (session.h, inventory.h, perf.h, vm_power.h) and by the
// replies that fill them; no I/O. Intentionally copyable; like any value, not safe to change
// from two threads at once.
//
// Example:
//   zabitan::vsphere::Entity vm{{"VirtualMachine", "vm-42"}, "web01", "", {}};
//   vm.Set("config.instanceUuid", "5001-aa");  // vm.uuid == "5001-aa"
//   zabitan::vsphere::Inventory inventory;
//   inventory.entities[zabitan::vsphere::Inventory::Key(vm.moref)] = vm;
#ifndef ZABITAN_VSPHERE_TYPES_H_
#define ZABITAN_VSPHERE_TYPES_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace zabitan::vsphere {

// A managed object reference: its type ("VirtualMachine") and value ("vm-42").
struct ManagedObject {
  std::string type;
  std::string value;
  bool empty() const { return value.empty(); }
};

struct Entity {
  ManagedObject moref;  // type is HostSystem, VirtualMachine or Datastore
  std::string name;
  // host: hardware.systemInfo.uuid; VM: config.instanceUuid; datastore: summary.url
  std::string uuid;
  std::map<std::string, std::string> properties;  // the other properties read, by path

  // Sets one property as an update or a page names it ("name" and the uuid's property too).
  void Set(const std::string& path, std::string value);
  void Unset(const std::string& path);
};

// The properties read per type (besides name).
extern const std::map<std::string, std::vector<std::string>> kInventoryProperties;

// The inventory and what keeps it current (inventory.h); what the collector's state file holds.
struct Inventory {
  std::string session;      // StateKey of the session cookie the collector belongs to
  ManagedObject collector;  // our PropertyCollector ("" when none)
  ManagedObject view;       // the ContainerView its filter watches
  std::string version;      // of the last update set applied
  int64_t full_read = 0;    // when it was last read whole (unix seconds); 0: read it next time
  // config.vpxd.stats.maxQueryMetrics (perf.h), read by the collector with every full read: it
  // changes as rarely as the inventory. 0: not read yet.
  int64_t max_query_metrics = 0;
  std::map<std::string, Entity> entities;  // by Key(moref)

  static std::string Key(const ManagedObject& moref);  // "type:value"
  std::vector<Entity> List() const;
};

struct Counter {
  int key = 0;
  std::string path;  // group.name.rollup
  std::string unit;  // percent, kiloBytes, millisecond, ...
};

// One series of a reply: which entity, counter and instance ("" = aggregate) it is about.
struct Series {
  const Entity* entity = nullptr;
  const Counter* counter = nullptr;
  std::string instance;
};

struct Sample {
  const Entity* entity = nullptr;
  const Counter* counter = nullptr;
  std::string instance;  // "" = aggregate
  uint32_t clock = 0;
  uint32_t ns = 0;
  std::string value;  // a decimal number (percentages divided by 100)
};

// What one QueryPerf call brought: every series (with or without usable values) and the samples.
struct PerfResult {
  std::vector<Series> series;
  std::vector<Sample> samples;
};

// A VM as remote-cmd sees it.
struct VmPower {
  ManagedObject moref;
  std::string name;
  std::string power_state;  // poweredOn, poweredOff, suspended
};

// Where a clone goes. folder is required by CloneVM_Task; pool and datastore may be empty
// (vSphere then keeps the source's, which only works for a VM, not for a template).
struct CloneTarget {
  std::string name;
  ManagedObject folder;
  ManagedObject pool;
  ManagedObject datastore;
};

}  // namespace zabitan::vsphere

#endif  // ZABITAN_VSPHERE_TYPES_H_
