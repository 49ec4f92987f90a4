#include "zabitan/vsphere/perf.h"

#include <algorithm>
#include <ctime>
#include <iterator>

#include "zabitan/common/log.h"
#include "zabitan/vsphere/replies.h"
#include "zabitan/vsphere/xml.h"

namespace zabitan::vsphere {
namespace {

std::string This(const ManagedObject& mo) {
  return "<_this type=\"" + Escape(mo.type) + "\">" + Escape(mo.value) + "</_this>";
}

}  // namespace

std::vector<std::vector<SpecPlan>> PlanQueries(size_t entities, size_t metrics,
                                               const QueryLimits& limits) {
  size_t max_metrics = kMaxMetricIdsPerCall;
  if (limits.max_query_metrics > 0) {
    max_metrics = std::min(max_metrics, static_cast<size_t>(limits.max_query_metrics));
  }
  const size_t max_entities = std::max<size_t>(limits.max_entities_per_call, 1);
  std::vector<std::vector<SpecPlan>> calls;
  if (metrics == 0) return calls;
  std::vector<SpecPlan> call;
  size_t in_call = 0;  // metricIds in `call`
  for (size_t e = 0; e < entities; ++e) {
    for (size_t first = 0; first < metrics;) {
      if (call.size() == max_entities || in_call == max_metrics) {
        calls.push_back(std::move(call));
        call.clear();
        in_call = 0;
      }
      size_t n = std::min(metrics - first, max_metrics - in_call);
      if (n < metrics - first && in_call > 0) {
        // The rest of this entity does not fit: start it in a call of its own rather than
        // spreading one entity over more calls than needed.
        calls.push_back(std::move(call));
        call.clear();
        in_call = 0;
        n = std::min(metrics - first, max_metrics);
      }
      call.push_back({e, first, n});
      in_call += n;
      first += n;
    }
  }
  if (!call.empty()) calls.push_back(std::move(call));
  return calls;
}

Status ReadCounters(SoapClient& client, const ServiceContent& sc,
                    std::map<std::string, Counter>* by_path) {
  SoapResult r;
  Status s =
      client.Call("<RetrievePropertiesEx xmlns=\"urn:vim25\">" + This(sc.property_collector) +
                      "<specSet><propSet><type>PerformanceManager</type><pathSet>perfCounter</"
                      "pathSet></propSet>"
                      "<objectSet><obj type=\"" +
                      Escape(sc.perf_manager.type) + "\">" + Escape(sc.perf_manager.value) +
                      "</obj></objectSet></specSet><options/></RetrievePropertiesEx>",
                  &r);
  if (!s.ok()) return s.Prefixed("perfCounter");
  return ParseCounters(r.body, by_path);
}

Status ReadMaxQueryMetrics(SoapClient& client, const ServiceContent& sc, int64_t* limit) {
  *limit = kDefaultMaxQueryMetrics;
  if (sc.api_type == "HostAgent" || sc.setting.empty()) return Status::Ok();  // ESXi: no vpxd
  SoapResult r;
  Status s = client.Call("<QueryOptions xmlns=\"urn:vim25\">" + This(sc.setting) +
                             "<name>config.vpxd.stats.maxQueryMetrics</name></QueryOptions>",
                         &r);
  if (!s.ok()) {
    if (r.fault.empty()) return s.Prefixed("QueryOptions");
    log::Debug("maxQueryMetrics: " + s.message() + "; taking " +
               std::to_string(kDefaultMaxQueryMetrics));
    return Status::Ok();
  }
  int64_t v = 0;
  if (!ParseMaxQueryMetrics(r.body, &v) || (v < 1 && v != kUnlimitedQueryMetrics)) {
    log::Debug("maxQueryMetrics: not set to a usable number; taking " +
               std::to_string(kDefaultMaxQueryMetrics));
    return Status::Ok();
  }
  *limit = v;
  return Status::Ok();
}

std::string StartTimeElement(uint32_t sent_up_to, uint32_t server_clock) {
  if (sent_up_to == 0 || sent_up_to >= server_clock) return "";
  const time_t t = sent_up_to;
  std::tm tm{};
  char text[32];
  if (gmtime_r(&t, &tm) == nullptr ||
      std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    return "";
  return std::string("<startTime>") + text + "</startTime>";
}

Status QueryRealtime(SoapClient& client, const ServiceContent& sc,
                     const std::vector<const Entity*>& entities,
                     const std::vector<MetricId>& metrics, int max_sample,
                     const std::function<uint32_t(const Entity&)>& sent_up_to,
                     const QueryLimits& limits,
                     const std::function<void(const PerfResult&)>& on_result) {
  std::map<int, const Counter*> by_key;
  std::vector<std::string> metric_xml;
  for (const MetricId& m : metrics) {
    by_key[m.counter->key] = m.counter;
    metric_xml.push_back("<metricId><counterId>" + std::to_string(m.counter->key) +
                         "</counterId><instance>" + Escape(m.instance) + "</instance></metricId>");
  }
  const std::vector<std::vector<SpecPlan>> calls =
      PlanQueries(entities.size(), metrics.size(), limits);
  size_t resumed = 0;  // querySpecs with a startTime
  auto body_of = [&](size_t i) {
    std::string specs;
    for (const SpecPlan& spec : calls[i]) {
      const Entity* e = entities[spec.entity];
      // PerfQuerySpec's order: entity, startTime, endTime, maxSample, metricId, intervalId. Asking
      // from the last sample sent spares the endpoint making samples that would be dropped.
      const std::string start = StartTimeElement(sent_up_to(*e), client.server_clock());
      resumed += start.empty() ? 0 : 1;
      specs += "<querySpec><entity type=\"" + Escape(e->moref.type) + "\">" +
               Escape(e->moref.value) + "</entity>" + start + "<maxSample>" +
               std::to_string(max_sample) + "</maxSample>";
      for (size_t m = spec.first_metric; m < spec.first_metric + spec.metric_count; ++m)
        specs += metric_xml[m];
      specs += "<intervalId>20</intervalId></querySpec>";
    }
    return "<QueryPerf xmlns=\"urn:vim25\">" + This(sc.perf_manager) + specs + "</QueryPerf>";
  };
  bool unreadable =
      false;  // a reply that came but could not be read: its message says QueryPerf already
  // An entity whose metrics do not fit one call (PlanQueries splits it only at the end of a
  // call) is held back until the call that completes it: on_result sees each entity whole.
  PerfResult carried;
  auto on_reply = [&](size_t i, SoapResult& r) {
    std::map<std::string, const Entity*> by_moref;
    for (const SpecPlan& spec : calls[i])
      by_moref[entities[spec.entity]->moref.value] = entities[spec.entity];
    PerfResult result;
    if (Status s = ParsePerf(r.body, by_moref, by_key, &result); !s.ok()) {
      unreadable = true;
      return s;
    }
    result.series.insert(result.series.begin(), carried.series.begin(), carried.series.end());
    result.samples.insert(result.samples.begin(), std::make_move_iterator(carried.samples.begin()),
                          std::make_move_iterator(carried.samples.end()));
    carried = PerfResult{};
    const SpecPlan& last = calls[i].back();
    if (last.first_metric + last.metric_count < metrics.size()) {
      const Entity* unfinished = entities[last.entity];
      auto of = [unfinished](const auto& x) { return x.entity == unfinished; };
      std::copy_if(result.series.begin(), result.series.end(), std::back_inserter(carried.series),
                   of);
      std::erase_if(result.series, of);
      for (Sample& smp : result.samples) {
        if (of(smp)) carried.samples.push_back(std::move(smp));
      }
      std::erase_if(result.samples, of);
    }
    if (!result.series.empty() || !result.samples.empty()) on_result(result);
    return Status::Ok();
  };
  Status s = client.CallEach(calls.size(), body_of, limits.concurrency, on_reply);
  size_t spec_count = 0;
  for (const auto& call : calls) spec_count += call.size();
  log::Debug("QueryPerf: " + std::to_string(resumed) + " of " + std::to_string(spec_count) +
             " querySpecs asked for the samples after the last one sent");
  return s.ok() || unreadable ? s : s.Prefixed("QueryPerf");
}

}  // namespace zabitan::vsphere
