#include "zabitan/vmware_collector/perf_values.h"

#include <map>
#include <string>

namespace zabitan::vmware_collector {

void AddPerfValues(std::string_view type, const std::vector<MetricSpec>& specs,
                   const vsphere::PerfResult& result,
                   const std::vector<vsphere::Entity>& datastores, uint32_t clock,
                   Watermarks* marks, ValueSink* sink) {
  for (const sender::Value& v :
       InstanceDiscoveryValues(type, specs, result.series, datastores, clock)) {
    sink->Add(v);
  }
  std::map<std::string_view, const MetricSpec*> spec_of;  // counter path -> spec
  for (const MetricSpec& spec : specs) spec_of[spec.path] = &spec;
  for (const vsphere::Sample& smp : result.samples) {
    if (!marks->IsNew(smp.entity->uuid, smp.clock)) continue;
    auto spec = spec_of.find(smp.counter->path);
    if (spec == spec_of.end()) continue;
    std::string key = PerfKey(type, *spec->second, smp.instance);
    if (key.empty()) continue;  // e.g. the aggregate of a per-disk counter
    sink->Add({smp.entity->uuid, std::move(key), smp.value, smp.clock, smp.ns});
    marks->Advance(smp.entity->uuid, smp.clock);
  }
}

}  // namespace zabitan::vmware_collector
