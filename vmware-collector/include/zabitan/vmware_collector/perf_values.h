// zabitan — samples → Zabbix values: what one QueryPerf result of hosts or VMs becomes.
//
// For the entities of one result (the vSphere library hands each entity over whole, perf.h):
// first their instances' discovery (metrics.h), then every sample newer than the entity's
// watermark as zabitan.vmware.{hv,vm}.perf[COUNTER] or perf[COUNTER,INSTANCE], on the entity's
// own host (its UUID), stamped with the sample's own clock; each value sent advances the
// watermark. Not thread-safe: the watermarks and the sink are one collection's.
//
// Example:
//   namespace vc = zabitan::vmware_collector;
//   zabitan::vsphere::PerfResult result;  // from PerfQuery::Next (perf.h)
//   std::vector<zabitan::vsphere::Entity> datastores;
//   vc::Watermarks watermarks("/var/lib/zabitan/vmware/perf-x.json");
//   vc::PrintSink out(stdout);
//   vc::AddPerfValues("VirtualMachine", vc::DefaultMetrics("VirtualMachine"), result, datastores,
//                     1764000000, &watermarks, &out);
#ifndef ZABITAN_VMWARE_COLLECTOR_PERF_VALUES_H_
#define ZABITAN_VMWARE_COLLECTOR_PERF_VALUES_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "zabitan/vmware_collector/metrics.h"
#include "zabitan/vmware_collector/sink.h"
#include "zabitan/vmware_collector/watermarks.h"
#include "zabitan/vsphere/types.h"

namespace zabitan::vmware_collector {

// `specs` are the counters asked of entities of `type`; `datastores` (the inventory's) name the
// datastore instances; `clock` stamps the discovery values.
void AddPerfValues(std::string_view type, const std::vector<MetricSpec>& specs,
                   const vsphere::PerfResult& result,
                   const std::vector<vsphere::Entity>& datastores, uint32_t clock,
                   Watermarks* marks, ValueSink* sink);

}  // namespace zabitan::vmware_collector

#endif  // ZABITAN_VMWARE_COLLECTOR_PERF_VALUES_H_
