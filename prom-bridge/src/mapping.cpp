// zabitan — Prometheus samples to Zabbix values (mapping.h).
#include "zabitan/prom_bridge/mapping.h"

#include <fnmatch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "zabitan/prom_bridge/numbers.h"

namespace zabitan::prom_bridge {
namespace {

constexpr size_t kMaxKeyLength = 2048;  // Zabbix's items.key_

using Labels = std::vector<std::pair<std::string, std::string>>;

bool Grouped(MetricType t) {
  return t == MetricType::kHistogram || t == MetricType::kGaugeHistogram ||
         t == MetricType::kSummary;
}

// The label that tells a histogram's buckets or a summary's quantiles apart ("" for none).
std::string_view PartLabel(MetricType type, std::string_view suffix) {
  if (suffix == "_bucket") return "le";
  if (type == MetricType::kSummary && suffix.empty()) return "quantile";
  return {};
}

std::string MacroName(const std::string& label) {
  std::string m = "{#";
  for (char c : label) m += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return m + "}";
}

const std::string* Find(const Labels& labels, std::string_view name) {
  for (const auto& [n, v] : labels) {
    if (n == name) return &v;
  }
  return nullptr;
}

}  // namespace

// Zabbix's own rule (zbx_quote_key_param): quoted when it starts with '"', ' ' or '[', or holds
// ',' or ']'; inside quotes only '"' is escaped. A text ending in '\' cannot be quoted: Zabbix
// refuses such a key, and so would the item prototype's substitution, so it stays as it is.
std::string KeyParam(std::string_view text) {
  bool quote = !text.empty() && (text[0] == '"' || text[0] == ' ' || text[0] == '[');
  quote = quote || text.find_first_of(",]") != std::string_view::npos;
  if (!quote || text.ends_with('\\')) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '\\';
    out += c;
  }
  return out + "\"";
}

double BucketQuantile(double q, const std::vector<std::pair<double, double>>& buckets) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (q < 0 || q > 1 || buckets.size() < 2 || !std::isinf(buckets.back().first)) return nan;
  double observations = buckets.back().second;
  if (!(observations > 0)) return nan;
  double rank = q * observations;
  size_t b = 0;
  while (b + 1 < buckets.size() && buckets[b].second < rank) ++b;
  if (b == buckets.size() - 1) return buckets[b - 1].first;
  if (b == 0 && buckets[0].first <= 0) return buckets[0].first;
  double start = 0, end = buckets[b].first, count = buckets[b].second;
  if (b > 0) {
    start = buckets[b - 1].first;
    count -= buckets[b - 1].second;
    rank -= buckets[b - 1].second;
  }
  return count > 0 ? start + (end - start) * (rank / count) : end;
}

Mapper::Mapper(MappingOptions options, uint32_t scrape_clock, std::vector<sender::Value>* out,
               int64_t scrape_time_ms)
    : options_(std::move(options)),
      clock_(scrape_clock),
      time_ms_(scrape_time_ms != 0 ? scrape_time_ms : int64_t{scrape_clock} * 1000),
      out_(out) {}

namespace {

bool AnyMatch(const std::vector<std::string>& globs, const std::string& name) {
  for (const std::string& g : globs) {
    if (fnmatch(g.c_str(), name.c_str(), 0) == 0) return true;
  }
  return false;
}

}  // namespace

bool Mapper::Wanted(const std::string& family) const {
  return (options_.include.empty() || AnyMatch(options_.include, family)) &&
         !AnyMatch(options_.exclude, family);
}

// The raw counter went out as prom.value[NAME,ID]; its rate goes with the same clock.
void Mapper::EmitRate(const Held& h, const std::string& id) {
  if (h.suffix != "" && h.suffix != "_total") return;  // not _created
  const std::string raw = "prom.value[" + KeyParam(h.name) + "," + id + "]";
  int64_t ms = time_ms_;
  if (h.timestamp) ms = h.timestamp->seconds * 1000 + h.timestamp->nanos / 1'000'000;
  std::optional<double> rate = options_.rate_state->Update(options_.host + "\n" + raw, h.value, ms);
  if (rate) Emit("prom.edgerate[" + KeyParam(h.name) + "," + id + "]", *rate, h.timestamp);
}

void Mapper::OnSample(const Family& family, const Sample& sample) {
  if (family.name != decided_family_) {  // once per family, not per sample
    decided_family_ = family.name;
    wanted_ = Wanted(family.name);
    rated_ = options_.rate_state != nullptr && family.type == MetricType::kCounter &&
             AnyMatch(options_.rates, family.name);
  }
  if (!wanted_) {
    ++filtered_;
    return;
  }
  Held h{std::string(sample.name), std::string(sample.suffix), {}, sample.value, sample.timestamp};
  h.labels.reserve(sample.labels.size());
  for (const Label& l : sample.labels) h.labels.emplace_back(std::string(l.name), l.Value());
  std::sort(h.labels.begin(), h.labels.end());
  if (!MatchAll(options_.matchers, h.labels)) {
    ++filtered_;
    return;
  }
  held_.push_back(std::move(h));
}

void Mapper::Emit(const std::string& key, double value, const std::optional<Timestamp>& ts) {
  if (!std::isfinite(value) || key.size() > kMaxKeyLength) {
    ++not_finite_;
    return;
  }
  // Without the exposition's own timestamp a value carries the scrape's start to the
  // millisecond: two scrapes within one second must not share a clock, or Zabbix's
  // per-second rate of the counter divides by (almost) nothing.
  uint32_t clock = clock_, ns = 0;
  if (time_ms_ / 1000 == int64_t{clock_}) ns = static_cast<uint32_t>(time_ms_ % 1000) * 1'000'000;
  if (ts && ts->seconds >= 0 && ts->seconds <= sender::kMaxClock) {
    clock = static_cast<uint32_t>(ts->seconds);
    ns = static_cast<uint32_t>(ts->nanos);
  }
  out_->push_back({options_.host, key, FormatValue(value), clock, ns});
}

void Mapper::OnFamilyEnd(const Family& family) {
  if (held_.empty()) return;  // metadata only: nothing to discover
  MetricType type = family.type;
  // Each sample's series: its labels without the bucket's or quantile's own.
  std::vector<Labels> base(held_.size());
  std::map<Labels, size_t> series;  // base labels → order of first appearance
  for (size_t i = 0; i < held_.size(); ++i) {
    std::string_view part = Grouped(type) ? PartLabel(type, held_[i].suffix) : std::string_view();
    for (const auto& l : held_[i].labels) {
      if (l.first != part) base[i].push_back(l);
    }
    series.emplace(base[i], series.size());
  }
  std::vector<std::string> identity;
  if (auto it = options_.identity.find(family.name); it != options_.identity.end()) {
    identity = it->second;
  } else {  // the labels whose values differ between the series
    std::map<std::string, std::set<std::string>> seen;
    std::map<std::string, size_t> present;
    for (const auto& [labels, order] : series) {
      for (const auto& [n, v] : labels) {
        seen[n].insert(v);
        ++present[n];
      }
    }
    for (const auto& [n, values] : seen) {
      if (values.size() > 1 || present[n] < series.size()) identity.push_back(n);
    }
  }
  std::sort(identity.begin(), identity.end());
  auto id_of = [&](const Labels& labels) {
    std::string id;
    for (const std::string& n : identity) {
      const std::string* v = Find(labels, n);
      if (v) id += (id.empty() ? "" : ",") + n + "=" + *v;
    }
    return id;
  };

  std::vector<std::pair<size_t, const Labels*>> ordered;
  ordered.reserve(series.size());
  for (const auto& [labels, order] : series) ordered.emplace_back(order, &labels);
  std::sort(ordered.begin(), ordered.end());
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& [order, labels] : ordered) {
    nlohmann::json row = {{"{#PROM.FAMILY}", family.name}, {"{#PROM.ID}", id_of(*labels)}};
    for (const auto& [n, v] : *labels) row[MacroName(n)] = v;
    rows.push_back(std::move(row));
  }
  out_->push_back({options_.host, "prom.discovery[" + KeyParam(family.name) + "]",
                   rows.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), clock_,
                   0u});

  std::string fam = KeyParam(family.name);
  std::map<Labels, std::vector<std::pair<double, double>>> buckets;
  std::map<Labels, std::optional<Timestamp>> bucket_time;
  for (size_t i = 0; i < held_.size(); ++i) {
    const Held& h = held_[i];
    std::string id = KeyParam(id_of(base[i]));
    std::string_view part = Grouped(type) ? PartLabel(type, h.suffix) : std::string_view();
    const std::string* part_value = part.empty() ? nullptr : Find(h.labels, part);
    if (part_value && part == "le") {
      Emit("prom.bucket[" + fam + "," + id + "," + KeyParam(*part_value) + "]", h.value,
           h.timestamp);
      double bound;
      if (ParseValue(*part_value, &bound)) buckets[base[i]].emplace_back(bound, h.value);
      bucket_time[base[i]] = h.timestamp;
    } else if (part_value) {
      Emit("prom.quantile[" + fam + "," + id + "," + KeyParam(*part_value) + "]", h.value,
           h.timestamp);
    } else {
      Emit("prom.value[" + KeyParam(h.name) + "," + id + "]", h.value, h.timestamp);
      if (rated_ && std::isfinite(h.value)) EmitRate(h, id);
    }
  }
  for (auto& [labels, b] : buckets) {
    std::sort(b.begin(), b.end());
    std::string id = KeyParam(id_of(labels));
    for (double q : options_.quantiles) {
      Emit("prom.quantile[" + fam + "," + id + "," + FormatValue(q) + "]", BucketQuantile(q, b),
           bucket_time[labels]);
    }
  }
  held_.clear();
}

}  // namespace zabitan::prom_bridge
