// zabitan — realtime performance samples of hosts and VMs, with their own timestamps.
//
// Counter ids differ between vCenter and ESXi builds, so counters are looked up by their path
// "group.name.rollup" (cpu.usage.average) in PerformanceManager.perfCounter (read as a property:
// QueryPerfCounter crashes the simulator). QueryPerf asks for many entities per call (realtime,
// 20 s interval), the aggregate (instance "") or every instance ("*": per NIC, disk,
// datastore); the calls are sized so that entities × metricIds stay within vCenter's
// config.vpxd.stats.maxQueryMetrics. -1 ("no data") is skipped, percentages are unscaled
// (vSphere sends ×100). PlanQueries and StartTimeElement are pure; the calls are not
// thread-safe: they use the client's connections (soap_client.h).
//
// Example:
//   #include "zabitan/vsphere/session.h"
//   namespace zv = zabitan::vsphere;
//   zv::Credentials credentials{"monitor@vsphere.local", "the password, read from a file"};
//   zv::Connection vc;  // session.h
//   zabitan::Status s = zv::Connect({.url = "https://vcenter.example.com/sdk"}, &credentials,
//                                   "/var/lib/zabitan/vmware", &vc);
//   std::map<std::string, zv::Counter> catalogue;
//   if (s.ok()) s = zv::ReadCounters(*vc.client, vc.content, &catalogue);
//   zv::QueryLimits limits;
//   if (s.ok()) s = zv::ReadMaxQueryMetrics(*vc.client, vc.content, &limits.max_query_metrics);
//   zv::Entity vm{{"VirtualMachine", "vm-42"}, "web01", "5001-aa", {}};
//   zv::PerfQuery query(*vc.client, vc.content, {&vm}, {{&catalogue["cpu.usage.average"], ""}},
//                       15, {0}, limits);
//   zv::PerfResult r;
//   for (bool done = false; s.ok() && !done;) s = query.Next(&r, &done);  // use r.samples
#ifndef ZABITAN_VSPHERE_PERF_H_
#define ZABITAN_VSPHERE_PERF_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "zabitan/common/status.h"
#include "zabitan/vsphere/session.h"
#include "zabitan/vsphere/soap_client.h"
#include "zabitan/vsphere/types.h"

namespace zabitan::vsphere {

// One metric asked of every entity of a query: a counter, for the aggregate ("") or for every
// instance the entity has ("*"; vCenter then also returns the aggregate where there is one).
struct MetricId {
  const Counter* counter = nullptr;
  std::string instance;
};

// config.vpxd.stats.maxQueryMetrics: when unreadable or absent (and on ESXi), 256, the default
// of vCenter 6.5 and later; -1 is "unlimited".
inline constexpr int64_t kDefaultMaxQueryMetrics = 256;
inline constexpr int64_t kUnlimitedQueryMetrics = -1;
// Whatever the endpoint allows, a call asks for at most this many metricIds: about 3 XML
// elements each, far below vCenter's 500,000-element limit on a request.
inline constexpr size_t kMaxMetricIdsPerCall = 50000;

struct QueryLimits {
  int64_t max_query_metrics =
      kDefaultMaxQueryMetrics;  // entities × metricIds per call; -1: unlimited
  size_t max_entities_per_call = 100;
  size_t concurrency = 1;  // QueryPerf calls in flight at once
};

// One querySpec of a call: entity `entity` (an index into the entity list) asks for the
// metricIds [first_metric, first_metric + metric_count).
struct SpecPlan {
  size_t entity = 0;
  size_t first_metric = 0;
  size_t metric_count = 0;
  bool operator==(const SpecPlan&) const = default;
};

// Splits `entities` × `metrics` metricIds into calls: each call holds at most
// `max_entities_per_call` entities and at most max_query_metrics (capped at
// kMaxMetricIdsPerCall; -1, 0 or less: that cap alone) metricIds in all. An entity whose
// metrics alone exceed the limit is split over calls. Entities and metrics keep their order.
std::vector<std::vector<SpecPlan>> PlanQueries(size_t entities, size_t metrics,
                                               const QueryLimits& limits);

// Reads the counter catalogue (PerformanceManager.perfCounter).
Status ReadCounters(SoapClient& client, const ServiceContent& content,
                    std::map<std::string, Counter>* by_path);

// Reads config.vpxd.stats.maxQueryMetrics through the OptionManager (ServiceContent.setting,
// QueryOptions) into *limit. ESXi (apiType HostAgent), no OptionManager, a fault (InvalidName:
// the option is not set; NoPermission) or a value that is not an integer give
// kDefaultMaxQueryMetrics and ok; only a failed transport is an error.
Status ReadMaxQueryMetrics(SoapClient& client, const ServiceContent& content, int64_t* limit);

// The querySpec's startTime for an entity whose samples up to `sent_up_to` (the endpoint's Unix
// time) were sent: "<startTime>2026-12-03T18:40:00Z</startTime>", so the endpoint returns (and
// makes) only the samples after it. "" (the last maxSample samples) when nothing was sent yet or
// when `sent_up_to` is not before `server_clock` (the endpoint's clock now; 0 when unknown): a
// clock set back must not make a run ask for the future, where there is nothing to get (and
// which the simulator answers by crashing on a negative sample count).
std::string StartTimeElement(uint32_t sent_up_to, uint32_t server_clock);

// The realtime samples of `metrics` for each of `entities` (hosts and VMs), at most the last
// `max_sample` and only those after sent_up_to[i] for entities[i] (StartTimeElement, against
// the clock of the client's last reply), in as many QueryPerf calls as `limits` require,
// `limits.concurrency` at a time. Next hands over each call's result in the order of the calls
// (so that a large inventory is never held in memory whole, and the same inventory always
// gives the same order of values). Each entity is handed over whole: one whose metrics are
// split over calls comes with the call that completes it. The entities, the counters the
// metrics point to and the client must outlive the query.
class PerfQuery {
 public:
  PerfQuery(SoapClient& client, const ServiceContent& content, std::vector<const Entity*> entities,
            std::vector<MetricId> metrics, int max_sample, std::vector<uint32_t> sent_up_to,
            const QueryLimits& limits);
  ~PerfQuery();
  PerfQuery(const PerfQuery&) = delete;
  PerfQuery& operator=(const PerfQuery&) = delete;

  // The next result into *result (replaced); *done (and ok) after the last. A failed call or
  // an unreadable reply ends the query with its error.
  Status Next(PerfResult* result, bool* done);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace zabitan::vsphere

#endif  // ZABITAN_VSPHERE_PERF_H_
