#include "zabitan/vsphere/perf.h"

#include <catch2/catch.hpp>

using namespace zabitan::vsphere;

namespace {

// "e0:0+8 e1:0+8 | e2:0+8": the calls, each spec as entity:first_metric+count.
std::string Show(const std::vector<std::vector<SpecPlan>>& calls) {
  std::string out;
  for (const auto& call : calls) {
    if (!out.empty()) out += " | ";
    for (size_t i = 0; i < call.size(); ++i) {
      out += (i ? " e" : "e") + std::to_string(call[i].entity) + ":" +
             std::to_string(call[i].first_metric) + "+" + std::to_string(call[i].metric_count);
    }
  }
  return out;
}

// Every (entity, metric) exactly once, in order, and no call over the limits.
void CheckCovers(const std::vector<std::vector<SpecPlan>>& calls, size_t entities, size_t metrics,
                 size_t max_metrics, size_t max_entities) {
  size_t entity = 0, metric = 0;
  for (const auto& call : calls) {
    size_t in_call = 0;
    REQUIRE(!call.empty());
    REQUIRE(call.size() <= max_entities);
    for (const SpecPlan& spec : call) {
      REQUIRE(spec.entity == entity);
      REQUIRE(spec.first_metric == metric);
      REQUIRE(spec.metric_count > 0);
      in_call += spec.metric_count;
      metric += spec.metric_count;
      if (metric == metrics) {
        metric = 0;
        ++entity;
      }
    }
    REQUIRE(in_call <= max_metrics);
  }
  REQUIRE(entity == entities);
  REQUIRE(metric == 0);
}

}  // namespace

TEST_CASE("vsphere/perf: calls sized to maxQueryMetrics", "[vsphere]") {
  // 4 hosts × 8 metricIds under 20: two hosts per call.
  CHECK(Show(PlanQueries(4, 8, {20, 100})) == "e0:0+8 e1:0+8 | e2:0+8 e3:0+8");
  // The default (256) with 13 metricIds per VM: 19 VMs per call.
  auto calls = PlanQueries(100, 13, {kDefaultMaxQueryMetrics, 100});
  CHECK(calls.size() == 6);
  CHECK(calls[0].size() == 19);
  CheckCovers(calls, 100, 13, 256, 100);
  // Exactly full calls.
  CHECK(Show(PlanQueries(4, 5, {10, 100})) == "e0:0+5 e1:0+5 | e2:0+5 e3:0+5");
}

TEST_CASE("vsphere/perf: an entity with more metrics than allowed per call", "[vsphere]") {
  // 13 metricIds under 8: each entity in two calls of its own, never sharing a call with a part
  // of another.
  CHECK(Show(PlanQueries(2, 13, {8, 100})) == "e0:0+8 | e0:8+5 | e1:0+8 | e1:8+5");
  CHECK(Show(PlanQueries(1, 3, {1, 100})) == "e0:0+1 | e0:1+1 | e0:2+1");
  // A small entity after a split one fills the rest of its last call.
  CheckCovers(PlanQueries(7, 13, {20, 100}), 7, 13, 20, 100);
}

TEST_CASE("vsphere/perf: unlimited (-1) and unusable limits", "[vsphere]") {
  // -1: only the entities-per-call cap and the 50,000 metricIds cap.
  CHECK(PlanQueries(250, 13, {kUnlimitedQueryMetrics, 100}).size() == 3);
  auto calls = PlanQueries(10000, 13, {kUnlimitedQueryMetrics, 10000});
  CHECK(calls.size() == 3);  // 3846 + 3846 + 2308 entities: 49,998 metricIds at most per call
  CheckCovers(calls, 10000, 13, kMaxMetricIdsPerCall, 10000);
  // A limit above the cap is capped; zero or other negatives mean the cap alone.
  CHECK(PlanQueries(10000, 13, {1000000, 10000}).size() == 3);
  CHECK(PlanQueries(10000, 13, {0, 10000}).size() == 3);
  // 10 entities per call at most, whatever the metric limit allows.
  CHECK(PlanQueries(25, 2, {256, 10}).size() == 3);
}

TEST_CASE("vsphere/perf: nothing to ask", "[vsphere]") {
  CHECK(PlanQueries(0, 13, {}).empty());
  CHECK(PlanQueries(5, 0, {}).empty());
  CHECK(Show(PlanQueries(1, 1, {})) == "e0:0+1");
}

TEST_CASE("vsphere/perf: many limits, every metric once", "[vsphere]") {
  for (size_t entities : {1, 2, 7, 33}) {
    for (size_t metrics : {1, 3, 8, 13, 21}) {
      for (int64_t limit : {1, 2, 5, 8, 13, 20, 64, 256, -1}) {
        for (size_t per_call : {1, 3, 100}) {
          CAPTURE(entities, metrics, limit, per_call);
          size_t max_metrics = limit > 0 ? static_cast<size_t>(limit) : kMaxMetricIdsPerCall;
          CheckCovers(PlanQueries(entities, metrics, {limit, per_call}), entities, metrics,
                      max_metrics, per_call);
        }
      }
    }
  }
}

TEST_CASE("vsphere/perf: samples asked from the last one sent", "[vsphere]") {
  // 1796319600 is 2026-12-03T17:40:00Z.
  CHECK(StartTimeElement(1796319600, 1796319660) == "<startTime>2026-12-03T17:40:00Z</startTime>");
  CHECK(StartTimeElement(1796319600, 1796319601) == "<startTime>2026-12-03T17:40:00Z</startTime>");
  // Nothing sent yet, or the endpoint's clock unknown: the last maxSample samples.
  CHECK(StartTimeElement(0, 1796319660).empty());
  CHECK(StartTimeElement(1796319600, 0).empty());
  // A clock set back behind the last sample sent: never ask for the future.
  CHECK(StartTimeElement(1796319600, 1796319600).empty());
  CHECK(StartTimeElement(1796319600, 1796319000).empty());
}
