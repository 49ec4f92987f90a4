// zabitan — what zabitan-vmware tells Zabbix about the inventory: low-level discovery and the
// values that come with it.
//
// On the endpoint's Zabbix host (vCenter or ESXi):
//   zabitan.vmware.hv.discovery         [{"{#HV.UUID}":…,"{#HV.NAME}":…,"{#HV.VISIBLE.NAME}":…}]
//   zabitan.vmware.vm.discovery         [{"{#VM.UUID}":…,"{#VM.NAME}":…,"{#VM.VISIBLE.NAME}":…,
//                                         "{#VM.HV.UUID}":…}]
//     (NAME is the plain name; VISIBLE.NAME the host's visible name in Zabbix: see VisibleNames)
//   zabitan.vmware.datastore.discovery
//   [{"{#DATASTORE.UUID}":…,"{#DATASTORE.NAME}":…,"{#DATASTORE.TYPE}":…}]
//   zabitan.vmware.datastore.size[UUID,total|free|provisioned|uncommitted]   bytes
//     (provisioned = capacity - free + uncommitted; uncommitted 0 when the endpoint has none)
// On each hypervisor's and VM's own host (technical name = its UUID):
//   zabitan.vmware.hv.powerstate, zabitan.vmware.vm.powerstate   a number (PowerStateValue)
//   zabitan.vmware.hv.uptime, zabitan.vmware.vm.uptime           seconds (summary.quickStats)
// The performance counters and their instances' discovery are in metrics.h. Pure functions
// (a power state nobody knows is logged): thread-safe.
//
// Example:
//   #include <ctime>
//   std::vector<zabitan::vsphere::Entity> entities(1);
//   entities[0].moref = {"VirtualMachine", "vm-42"};
//   entities[0].Set("name", "web01");
//   entities[0].Set("config.instanceUuid", "5001-aa");
//   std::vector<zabitan::sender::Value> values =
//       zabitan::vmware_collector::DiscoveryValues("vcenter01", entities, std::time(nullptr));
#ifndef ZABITAN_VMWARE_COLLECTOR_DISCOVERY_H_
#define ZABITAN_VMWARE_COLLECTOR_DISCOVERY_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zabitan/sender/value.h"
#include "zabitan/vsphere/types.h"

namespace zabitan::vmware_collector {

// The number zabitan-vmware sends for a runtime.powerState of `type`, as Zabbix's own VMware
// templates send it (their value maps, which zabitan's templates copy):
//   "HostSystem"      VMware HostSystemPowerState       0 poweredOff, 1 poweredOn, 2 standBy,
//                     3 unknown; any other text (or none) is 3 too: vSphere could not tell.
//   "VirtualMachine"  VMware VirtualMachinePowerState   0 poweredOff, 1 poweredOn, 2 suspended.
// std::nullopt for a VM state outside those three (the value is not sent: no number would be
// true) and for any other type.
std::optional<uint32_t> PowerStateValue(std::string_view type, std::string_view state);

// How many characters of a UUID set apart hypervisors or VMs of one name.
inline constexpr size_t kShortUuid = 8;
// How many characters a Zabbix host's visible name holds (hosts.name, 6.0 and 7.0).
inline constexpr size_t kMaxVisibleName = 128;

// UUID -> the visible name of each hypervisor and VM (with a UUID) of `entities`: Zabbix refuses
// a second host of one visible name. The plain name when no other hypervisor or VM of `entities`
// has it; "NAME (UUID8)" for every holder of a shared name (UUID8: the UUID's first
// kShortUuid characters; the whole UUID when two holders' UUIDs start alike). A non-empty
// `name_suffix` (--name-suffix) is then appended to every name as " (SUFFIX)": endpoints whose
// names overlap. A name longer than kMaxVisibleName characters loses the end of its plain part
// (never the UUID or the suffix). The same inventory gives the same names every run.
std::map<std::string, std::string> VisibleNames(const std::vector<vsphere::Entity>& entities,
                                                const std::string& name_suffix);

// Every value above for `entities`, stamped `clock`, visible names per VisibleNames with
// `name_suffix`. An entity without a UUID is left out; a VM whose power state PowerStateValue does
// not know gets no power state (a warning says so).
std::vector<sender::Value> DiscoveryValues(const std::string& endpoint_host,
                                           const std::vector<vsphere::Entity>& entities,
                                           uint32_t clock, const std::string& name_suffix = "");

}  // namespace zabitan::vmware_collector

#endif  // ZABITAN_VMWARE_COLLECTOR_DISCOVERY_H_
