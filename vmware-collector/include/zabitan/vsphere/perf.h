// zabitan — realtime performance samples of hosts and VMs, with their own timestamps.
//
// Counter ids differ between vCenter and ESXi builds, so counters are looked up by their path
// "group.name.rollup" (cpu.usage.average) in PerformanceManager.perfCounter (read as a property:
// QueryPerfCounter crashes the simulator). QueryPerf asks for many entities per call (realtime,
// 20 s interval, aggregate instance) and returns every sample newer than the entity's
// watermark; -1 ("no data") is skipped, percentages are unscaled (vSphere sends ×100).
//
//   std::map<std::string, zabitan::vsphere::Counter> catalogue;
//   zabitan::vsphere::ReadCounters(*client, sc, &catalogue);
//   std::vector<zabitan::vsphere::Sample> samples;
//   zabitan::vsphere::QueryRealtime(*client, sc, entities, counters, 15, &samples);
#ifndef ZABITAN_VSPHERE_PERF_H_
#define ZABITAN_VSPHERE_PERF_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "zabitan/common/status.h"
#include "zabitan/vsphere/inventory.h"
#include "zabitan/vsphere/session.h"

namespace zabitan::vsphere {

struct Counter {
  int key = 0;
  std::string path;  // group.name.rollup
  std::string unit;  // percent, kiloBytes, millisecond, ...
};

struct Sample {
  const Entity* entity = nullptr;
  const Counter* counter = nullptr;
  uint32_t clock = 0;
  uint32_t ns = 0;
  std::string value;  // formatted for Zabbix (percentages divided by 100)
};

// The counters every collection asks for, per entity type.
extern const std::map<std::string, std::vector<std::string>> kDefaultCounters;

Status ReadCounters(SoapClient& client, const ServiceContent& content,
                    std::map<std::string, Counter>* by_path);

// Queries `max_sample` realtime samples of `counters` for each entity (hosts and VMs), in calls
// of at most `entities_per_call` entities.
Status QueryRealtime(SoapClient& client, const ServiceContent& content,
                     const std::vector<const Entity*>& entities,
                     const std::vector<const Counter*>& counters, int max_sample,
                     std::vector<Sample>* samples, size_t entities_per_call = 100);

// Parses "2026-11-22T00:29:51.483234667Z".
bool ParseTimestamp(const std::string& text, uint32_t* clock, uint32_t* ns);

}  // namespace zabitan::vsphere

#endif  // ZABITAN_VSPHERE_PERF_H_
