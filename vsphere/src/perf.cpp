#include "zabitan/vsphere/perf.h"

#include <algorithm>
#include <cassert>
#include <ctime>
#include <iterator>

#include "morefs.h"
#include "perf_replies.h"
#include "soap_reply.h"
#include "xml.h"
#include "zabitan/common/log.h"
#include "zabitan/vsphere/error.h"

namespace zabitan::vsphere {
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
    if (!IsFault(s.code())) return s.Prefixed("QueryOptions");
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

struct PerfQuery::State {
  SoapClient& client;
  const ServiceContent& sc;
  std::vector<const Entity*> entities;
  std::vector<MetricId> metrics;
  int max_sample;
  std::vector<uint32_t> sent_up_to;
  std::map<int, const Counter*> by_key;
  std::vector<std::string> metric_xml;
  std::vector<std::vector<SpecPlan>> calls;
  size_t next = 0;     // the call whose reply comes next
  size_t resumed = 0;  // querySpecs with a startTime
  // An entity whose metrics do not fit one call (PlanQueries splits it only at the end of a
  // call) is held back until the call that completes it: Next hands over each entity whole.
  PerfResult carried;
  std::unique_ptr<SoapClient::Batch> batch;
  Status failed;  // the query is over after a failure

  std::string Body(size_t i) {
    std::string specs;
    for (const SpecPlan& spec : calls[i]) {
      const Entity* e = entities[spec.entity];
      // PerfQuerySpec's order: entity, startTime, endTime, maxSample, metricId, intervalId.
      // Asking from the last sample sent spares the endpoint making samples that would be dropped.
      const std::string start = StartTimeElement(sent_up_to[spec.entity], client.server_clock());
      resumed += start.empty() ? 0 : 1;
      specs += "<querySpec><entity type=\"" + Escape(e->moref.type) + "\">" +
               Escape(e->moref.value) + "</entity>" + start + "<maxSample>" +
               std::to_string(max_sample) + "</maxSample>";
      for (size_t m = spec.first_metric; m < spec.first_metric + spec.metric_count; ++m)
        specs += metric_xml[m];
      specs += "<intervalId>20</intervalId></querySpec>";
    }
    return "<QueryPerf xmlns=\"urn:vim25\">" + This(sc.perf_manager) + specs + "</QueryPerf>";
  }
};

PerfQuery::PerfQuery(SoapClient& client, const ServiceContent& sc,
                     std::vector<const Entity*> entities, std::vector<MetricId> metrics,
                     int max_sample, std::vector<uint32_t> sent_up_to, const QueryLimits& limits)
    : state_(std::make_unique<State>(client, sc, std::move(entities), std::move(metrics),
                                     max_sample, std::move(sent_up_to))) {
  State& st = *state_;
  assert(st.sent_up_to.size() == st.entities.size());
  for (const MetricId& m : st.metrics) {
    st.by_key[m.counter->key] = m.counter;
    st.metric_xml.push_back("<metricId><counterId>" + std::to_string(m.counter->key) +
                            "</counterId><instance>" + Escape(m.instance) +
                            "</instance></metricId>");
  }
  st.calls = PlanQueries(st.entities.size(), st.metrics.size(), limits);
  st.batch = std::make_unique<SoapClient::Batch>(
      client, st.calls.size(), [&st](size_t i) { return st.Body(i); }, limits.concurrency);
}

PerfQuery::~PerfQuery() = default;

Status PerfQuery::Next(PerfResult* result, bool* done) {
  State& st = *state_;
  if (!st.failed.ok()) return st.failed;
  for (;;) {
    *result = PerfResult{};
    SoapResult r;
    bool over = false;
    if (Status s = st.batch->Next(&r, &over); !s.ok()) return st.failed = s.Prefixed("QueryPerf");
    if (over) {
      size_t specs = 0;
      for (const auto& call : st.calls) specs += call.size();
      log::Debug("QueryPerf: " + std::to_string(st.resumed) + " of " + std::to_string(specs) +
                 " querySpecs asked for the samples after the last one sent");
      *done = true;
      return Status::Ok();
    }
    const std::vector<SpecPlan>& call = st.calls[st.next++];
    std::map<std::string, const Entity*> by_moref;
    for (const SpecPlan& spec : call)
      by_moref[st.entities[spec.entity]->moref.value] = st.entities[spec.entity];
    // Its message says QueryPerf already.
    if (Status s = ParsePerf(r.body, by_moref, st.by_key, result); !s.ok()) return st.failed = s;
    result->series.insert(result->series.begin(), st.carried.series.begin(),
                          st.carried.series.end());
    result->samples.insert(result->samples.begin(),
                           std::make_move_iterator(st.carried.samples.begin()),
                           std::make_move_iterator(st.carried.samples.end()));
    st.carried = PerfResult{};
    const SpecPlan& last = call.back();
    if (last.first_metric + last.metric_count < st.metrics.size()) {
      const Entity* unfinished = st.entities[last.entity];
      auto of = [unfinished](const auto& x) { return x.entity == unfinished; };
      std::copy_if(result->series.begin(), result->series.end(),
                   std::back_inserter(st.carried.series), of);
      std::erase_if(result->series, of);
      for (Sample& smp : result->samples) {
        if (of(smp)) st.carried.samples.push_back(std::move(smp));
      }
      std::erase_if(result->samples, of);
    }
    if (!result->series.empty() || !result->samples.empty()) {
      *done = false;
      return Status::Ok();
    }
  }
}

}  // namespace zabitan::vsphere
