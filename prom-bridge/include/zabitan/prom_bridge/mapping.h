// zabitan — Prometheus samples to Zabbix values: low-level discovery per metric family and one
// item per series, with keys that do not move when a constant label comes or goes upstream.
//
// The rule (documented in prom-bridge/README.md):
//  - a family F gets one discovery value, key prom.discovery[F], one row per series:
//    {#PROM.FAMILY}, {#PROM.ID}, {#PROM.SAMPLE} (histograms/summaries: none) and every label as
//    {#LABEL} (upper case);
//  - a series is identified by F's identity labels: those configured for F, else the labels
//    whose values differ between F's series in this scrape (a label with one value on every
//    series, such as job or a version added later, identifies nothing). {#PROM.ID} is
//    "name=value,..." of them, sorted by name, empty for a family of one series;
//  - item keys: prom.value[SAMPLE,ID] for counters (sent raw), gauges, unknown, info, stateset,
//    and the _sum/_count/_created/_gsum/_gcount of histograms and summaries;
//    prom.bucket[F,ID,LE] for buckets; prom.quantile[F,ID,Q] for a summary's quantiles and for
//    the quantiles computed here from a histogram's buckets (MappingOptions::quantiles), as
//    Prometheus' histogram_quantile() does (linear within the bucket).
//  - a sample's own timestamp is its clock, else the scrape's; NaN and ±Inf are not sent
//    (Zabbix numeric items take neither) and are counted;
//  - prom.edgerate[SAMPLE,ID], for the counters named in MappingOptions::rates: the per-second
//    rate since the previous scrape (rates.h), from the second scrape of a series on.
// Families can be filtered by name (MappingOptions::include/exclude), samples by label
// matchers (MappingOptions::matchers).
// Values come out when a family ends: memory grows with the largest family, not the scrape.
// Not thread-safe: one Mapper per scrape; the pure functions are safe from any thread.
//
// Example:
//   #include <ctime>
//   #include "zabitan/prom_bridge/scraper.h"
//   zabitan::prom_bridge::TargetOptions target;
//   target.url = "http://localhost:9100/metrics";
//   std::vector<zabitan::sender::Value> values;
//   zabitan::prom_bridge::Mapper mapper({.host = "web01"}, std::time(nullptr), &values);
//   zabitan::prom_bridge::ScrapeResult r = zabitan::prom_bridge::Scrape(target, {}, &mapper);
//   if (!r.ok()) values.clear();  // all or nothing: a failed scrape's values are dropped
#ifndef ZABITAN_PROM_BRIDGE_MAPPING_H_
#define ZABITAN_PROM_BRIDGE_MAPPING_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "zabitan/prom_bridge/matcher.h"
#include "zabitan/prom_bridge/parser.h"
#include "zabitan/prom_bridge/rates.h"
#include "zabitan/sender/value.h"

namespace zabitan::prom_bridge {

struct MappingOptions {
  std::string host;  // the Zabbix host that gets the values
  std::vector<double> quantiles = {0.5, 0.9, 0.99};
  std::map<std::string, std::vector<std::string>> identity;  // family → its identity labels
  // Family name globs (fnmatch): none included means all; excluded wins. So that a scrape of
  // thousands of series does not become thousands of items by accident.
  std::vector<std::string> include, exclude;
  // Label matchers (matcher.h): only the samples every one of them matches.
  std::vector<LabelMatcher> matchers = {};  // "= {}": older brace-initialisations stay warning-free
  // Counter families (globs) whose per-second rate is computed here and sent beside the raw
  // counter as prom.edgerate[SAMPLE,ID] (rates.h); `rate_state` (not owned, required with `rates`)
  // holds the previous samples.
  std::vector<std::string> rates = {};
  RateState* rate_state = nullptr;
};

class Mapper : public Sink {
 public:
  // `scrape_time_ms`: when the scrape started, to the millisecond, for rates (0: the clock's
  // second).
  Mapper(MappingOptions options, uint32_t scrape_clock, std::vector<sender::Value>* out,
         int64_t scrape_time_ms = 0);

  void OnSample(const Family& family, const Sample& sample) override;
  void OnFamilyEnd(const Family& family) override;

  uint64_t not_finite() const { return not_finite_; }  // NaN/±Inf values not sent
  uint64_t filtered() const { return filtered_; }      // samples of families filtered out

 private:
  struct Held {
    std::string name, suffix;
    std::vector<std::pair<std::string, std::string>> labels;  // sorted by name
    double value;
    std::optional<Timestamp> timestamp;
  };
  void Emit(const std::string& key, double value, const std::optional<Timestamp>& ts);
  bool Wanted(const std::string& family) const;
  void EmitRate(const Held& h, const std::string& id);

  MappingOptions options_;
  uint32_t clock_;
  int64_t time_ms_;
  std::vector<sender::Value>* out_;
  std::vector<Held> held_;
  uint64_t not_finite_ = 0;
  uint64_t filtered_ = 0;
  std::string decided_family_;  // the family whose filter verdict `wanted_` holds
  bool wanted_ = true;
  bool rated_ = false;  // the current family's rates are computed here
};

// A Zabbix item key parameter: as it is when it can be, else quoted ("..." with \").
std::string KeyParam(std::string_view text);

// histogram_quantile(q) over cumulative buckets (upper bound, count), sorted by bound, the last
// one +Inf. NaN when there is no observation or no +Inf bucket.
double BucketQuantile(double q, const std::vector<std::pair<double, double>>& buckets);

}  // namespace zabitan::prom_bridge

#endif  // ZABITAN_PROM_BRIDGE_MAPPING_H_
