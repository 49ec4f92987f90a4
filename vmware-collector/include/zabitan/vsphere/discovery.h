// zabitan — what zabitan-vmware tells Zabbix about the inventory: low-level discovery and the
// values that come with it.
//
// On the endpoint's Zabbix host (vCenter or ESXi):
//   zabitan.vmware.hv.discovery         [{"{#HV.UUID}":…,"{#HV.NAME}":…}]
//   zabitan.vmware.vm.discovery         [{"{#VM.UUID}":…,"{#VM.NAME}":…,"{#VM.HV.UUID}":…}]
//   zabitan.vmware.datastore.discovery  [{"{#DATASTORE.UUID}":…,"{#DATASTORE.NAME}":…,"{#DATASTORE.TYPE}":…}]
//   zabitan.vmware.datastore.size[UUID,total|free|provisioned|uncommitted]   bytes
//     (provisioned = capacity - free + uncommitted; uncommitted 0 when the endpoint has none)
// On each hypervisor's and VM's own host (technical name = its UUID):
//   zabitan.vmware.hv.powerstate, zabitan.vmware.vm.powerstate   poweredOn | poweredOff | …
//   zabitan.vmware.hv.uptime, zabitan.vmware.vm.uptime           seconds (summary.quickStats)
// The performance counters and their instances' discovery are in metrics.h.
//
//   std::vector<zabitan::sender::Value> values = zabitan::vsphere::DiscoveryValues("vcenter01", entities, now);
#ifndef ZABITAN_VSPHERE_DISCOVERY_H_
#define ZABITAN_VSPHERE_DISCOVERY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "zabitan/sender/value.h"
#include "zabitan/vsphere/inventory.h"

namespace zabitan::vsphere {

std::vector<sender::Value> DiscoveryValues(const std::string& endpoint_host,
                                           const std::vector<Entity>& entities, uint32_t clock);

}  // namespace zabitan::vsphere

#endif  // ZABITAN_VSPHERE_DISCOVERY_H_
