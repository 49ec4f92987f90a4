// zabitan — which performance counters zabitan-vmware collects, and the Zabbix keys they go to.
//
// On each hypervisor's and VM's own Zabbix host (technical name = its UUID):
//   zabitan.vmware.{hv,vm}.perf[COUNTER]            the aggregate (instance "")
//   zabitan.vmware.{hv,vm}.perf[COUNTER,INSTANCE]   one NIC, virtual disk or datastore
// and, before those values, the instances' low-level discovery:
//   zabitan.vmware.hv.net.discovery        [{"{#IFNAME}":"vmnic0"}]           physical NICs
//   zabitan.vmware.hv.datastore.discovery  [{"{#DATASTORE.INSTANCE}":…,"{#DATASTORE.NAME}":…}]
//   zabitan.vmware.vm.net.discovery        [{"{#IFNAME}":"4000"}]             virtual NICs (device
//   key) zabitan.vmware.vm.vdisk.discovery      [{"{#DISKNAME}":"scsi0:0"}]
// Extra counters given by name (--vm-counter, vm_counters) are collected as aggregates.
// Constants and pure functions: thread-safe.
//
// Example:
//   namespace vc = zabitan::vmware_collector;
//   std::map<std::string, zabitan::vsphere::Counter> catalogue;  // perf.h's ReadCounters
//   std::vector<vc::MetricSpec> specs = vc::DefaultMetrics("VirtualMachine");
//   std::vector<std::string> unknown;
//   vc::AddExtraCounters({"mem.shared.average"}, catalogue, &specs, &unknown);
//   std::string key = vc::PerfKey("VirtualMachine", specs[0], "");
//   // "zabitan.vmware.vm.perf[cpu.usage.average]"
#ifndef ZABITAN_VMWARE_COLLECTOR_METRICS_H_
#define ZABITAN_VMWARE_COLLECTOR_METRICS_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "zabitan/sender/value.h"
#include "zabitan/vsphere/types.h"

namespace zabitan::vmware_collector {

// What the instances of a counter are, which decides their discovery rule and macro.
enum class InstanceKind { kNone, kNic, kVirtualDisk, kDatastore };

struct MetricSpec {
  std::string path;                              // group.name.rollup
  bool aggregate = true;                         // send instance "" as perf[PATH]
  InstanceKind instances = InstanceKind::kNone;  // send each instance as perf[PATH,INSTANCE]

  // Asks for instance "*" when instances are wanted (vCenter then returns the aggregate too).
  std::string QueryInstance() const { return instances == InstanceKind::kNone ? "" : "*"; }
};

// The counters collected by default for "HostSystem" or "VirtualMachine" (empty for others).
std::vector<MetricSpec> DefaultMetrics(std::string_view type);

// Adds `extra` counter paths as aggregates: a path already in *specs gets its aggregate switched
// on, a path not in `catalogue` is not added but appended to *unknown (for a warning).
void AddExtraCounters(const std::vector<std::string>& extra,
                      const std::map<std::string, vsphere::Counter>& catalogue,
                      std::vector<MetricSpec>* specs, std::vector<std::string>* unknown);

// The key a sample of `spec` for `instance` goes to on the entity's host, or "" when it is not
// sent (an aggregate of an instance-only counter, an instance of an aggregate-only one, "*"
// echoed back, an instance that cannot be written as a key parameter).
std::string PerfKey(std::string_view type, const MetricSpec& spec, std::string_view instance);

// An item key parameter as Zabbix writes an LLD macro's value into a key: quoted ("…", with \")
// when it starts with a quote or a blank or holds ',' or ']'. Returns false when it cannot be
// written (it would be quoted and ends with a backslash).
bool QuoteKeyParam(std::string_view param, std::string* out);

// The instance discovery values for the entities of `series` (each entity's host gets one value
// per discovery rule it has instances for; none when it has none). `datastores` (the inventory)
// names {#DATASTORE.NAME}: a datastore whose URL ends in the instance.
std::vector<sender::Value> InstanceDiscoveryValues(std::string_view type,
                                                   const std::vector<MetricSpec>& specs,
                                                   const std::vector<vsphere::Series>& series,
                                                   const std::vector<vsphere::Entity>& datastores,
                                                   uint32_t clock);

// The items Zabbix creates together with the item `key` of `host`, the group of a value that
// waits for discovery (zabitan/sender/routed_sender.h): one host's template items (the host
// from a host prototype), the items of one discovery rule on one host (perf[COUNTER,INSTANCE]
// per counter group, datastore.size[UUID,…]). A counter given by name (`extra_paths`) may have
// no item at all: "", it goes alone.
std::string PendingGroup(const std::string& host, const std::string& key,
                         const std::set<std::string>& extra_paths);
// The counters given by name that are not collected by default: the templates may lack their items.
std::set<std::string> NamedCounterPaths(const std::vector<std::string>& vm,
                                        const std::vector<std::string>& hv);

}  // namespace zabitan::vmware_collector

#endif  // ZABITAN_VMWARE_COLLECTOR_METRICS_H_
