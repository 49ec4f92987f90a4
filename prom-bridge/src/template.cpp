// zabitan — a Zabbix template from one scrape (template.h).
#include "zabitan/prom_bridge/template.h"

#include <fnmatch.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <utility>

#include "zabitan/prom_bridge/numbers.h"

namespace zabitan::prom_bridge {
namespace {

// The Prometheus base units (naming conventions) Zabbix has a unit for.
struct UnitWord {
  std::string_view word, units;
};
constexpr UnitWord kUnits[] = {
    {"seconds", "s"}, {"bytes", "B"},  {"bits", "b"},    {"percent", "%"},
    {"hertz", "Hz"},  {"volts", "V"},  {"amperes", "A"}, {"watts", "W"},
    {"joules", "J"},  {"meters", "m"}, {"grams", "g"},   {"celsius", "°C"},
};

bool Grouped(MetricType t) {
  return t == MetricType::kHistogram || t == MetricType::kGaugeHistogram ||
         t == MetricType::kSummary;
}

std::string TypeName(MetricType t) { return std::string(TypeWord(t, Format::kOpenMetrics)); }

// A stable UUIDv4-shaped id (Zabbix's import checks the version and variant digits) from the
// template's name and the object's key: two 64-bit FNV-1a hashes with different offsets.
std::string Uuid(std::string_view scope, std::string_view key) {
  auto fnv = [&](uint64_t h) {
    for (std::string_view part : {scope, std::string_view("\n"), key}) {
      for (unsigned char c : part) h = (h ^ c) * 0x100000001b3ull;
    }
    return h;
  };
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx",
                static_cast<unsigned long long>(fnv(0xcbf29ce484222325ull)),
                static_cast<unsigned long long>(fnv(0x84222325cbf29ce4ull)));
  std::string u(buf, 32);
  u[12] = '4';
  u[16] = "89ab"[u[16] % 4];
  return u;
}

// A single-quoted YAML scalar on one line (Zabbix's export subset: '' is a quote). Control
// characters (a HELP's newline) become spaces.
std::string Q(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "''";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out + "'";
}

// A family the bridge computes the counter rates of (its --rate globs, as the Mapper's).
bool Rated(const std::vector<std::string>& globs, const std::string& family) {
  return std::any_of(globs.begin(), globs.end(), [&family](const std::string& g) {
    return fnmatch(g.c_str(), family.c_str(), 0) == 0;
  });
}

std::string Help(const Family& family) {
  return family.help && !family.help->empty() ? *family.help : family.name;
}

}  // namespace

std::string UnitOf(std::string_view family, MetricType type, std::string_view unit) {
  std::string_view name = family;
  if (name.ends_with("_total")) name.remove_suffix(6);
  if (type != MetricType::kCounter &&
      (name.ends_with("_time_seconds") || name.ends_with("_timestamp_seconds"))) {
    return "unixtime";
  }
  std::string_view word = unit;
  if (word.empty()) {
    size_t us = name.rfind('_');
    if (us == std::string_view::npos) return "";
    word = name.substr(us + 1);
  }
  for (const UnitWord& u : kUnits) {
    if (u.word == word) return std::string(u.units);
  }
  return "";
}

std::string RateUnit(const std::string& unit) {
  if (unit == "B" || unit == "b") return unit + "ps";
  if (unit.empty() || unit == "s" || unit == "unixtime") return "";
  return unit + "/s";
}

TemplateBuilder::TemplateBuilder(TemplateOptions options)
    : options_(std::move(options)),
      filter_({"", {}, {}, options_.include, options_.exclude}, 0, &discard_) {}

size_t TemplateBuilder::prototypes() const {
  size_t n = 0;
  for (const Entry& e : families_) n += e.prototypes.size();
  return n;
}

void TemplateBuilder::Add(Entry* e, Prototype p) {
  for (const Prototype& have : e->prototypes) {
    if (have.key == p.key) return;
  }
  e->prototypes.push_back(std::move(p));
}

void TemplateBuilder::OnSample(const Family& family, const Sample& sample) {
  uint64_t before = filter_.filtered();
  filter_.OnSample(family, sample);  // the bridge's own verdict on the family
  if (filter_.filtered() != before) return;
  MetricType type = family.type;
  std::string unit = UnitOf(family.name, type, family.unit ? *family.unit : "");
  std::string help = Help(family);
  if (!current_) {
    current_ = true;
    quantiles_ = false;
    families_.push_back({family.name, TypeName(type) + ": " + help, {}});
  }
  Entry* e = &families_.back();
  std::string fam = KeyParam(family.name);
  std::string_view part = !Grouped(type)                                          ? ""
                          : sample.suffix == "_bucket"                            ? "le"
                          : type == MetricType::kSummary && sample.suffix.empty() ? "quantile"
                                                                                  : "";
  const Label* part_label = nullptr;
  for (const Label& l : sample.labels) {
    if (!part.empty() && l.name == part) part_label = &l;
  }
  if (part_label && part == "le") {
    std::string le = part_label->Value();
    Add(e, {"prom.bucket[" + fam + ",{#PROM.ID}," + KeyParam(le) + "]",
            family.name + " {#PROM.ID} bucket le=" + le, "",
            "Observations up to " + le + " (cumulative): " + help, ""});
    double bound;
    quantiles_ = quantiles_ || ParseValue(le, &bound);
    return;
  }
  if (part_label) {
    std::string q = part_label->Value();
    Add(e, {"prom.quantile[" + fam + ",{#PROM.ID}," + KeyParam(q) + "]",
            family.name + " {#PROM.ID} quantile " + q, unit,
            "Quantile " + q + " as the exporter computed it: " + help, ""});
    return;
  }
  std::string name(sample.name);
  std::string_view s = sample.suffix;
  std::string units =
      s == "_count" || s == "_gcount" || type == MetricType::kInfo || type == MetricType::kStateSet
          ? ""
      : s == "_created" ? "unixtime"
                        : unit;
  std::string raw = "prom.value[" + KeyParam(name) + ",{#PROM.ID}]";
  bool counter = type == MetricType::kCounter && s != "_created";
  Add(e, {raw, name + " {#PROM.ID}", units,
          (counter ? "Counter, raw (its rate: the per-second item): " : "") + help, ""});
  if (counter && Rated(options_.rates, family.name)) {
    // The bridge sends this rate itself: Zabbix need not compute it again.
    Add(e, {"prom.edgerate[" + KeyParam(name) + ",{#PROM.ID}]", name + " {#PROM.ID} per second",
            RateUnit(units),
            "Per-second rate of the counter, computed by zabitan-prom (--rate) between two "
            "scrapes (a reset gives no value): " +
                help,
            ""});
  } else if (counter) {
    Add(e, {"prom.rate[" + KeyParam(name) + ",{#PROM.ID}]", name + " {#PROM.ID} per second",
            RateUnit(units),
            "Per-second rate of the counter, computed by Zabbix from two values and their "
            "timestamps (a reset gives no value): " +
                help,
            raw});
  }
}

void TemplateBuilder::OnFamilyEnd(const Family& family) {
  filter_.OnFamilyEnd(family);
  discard_.clear();
  if (!current_) return;
  current_ = false;
  if (!quantiles_) return;
  Entry* e = &families_.back();
  std::string unit = UnitOf(family.name, family.type, family.unit ? *family.unit : "");
  for (double q : options_.quantiles) {
    std::string qs = FormatValue(q);
    Add(e, {"prom.quantile[" + KeyParam(family.name) + ",{#PROM.ID}," + qs + "]",
            family.name + " {#PROM.ID} quantile " + qs, unit,
            "Quantile " + qs +
                " computed by zabitan-prom from the buckets, as Prometheus' "
                "histogram_quantile() does: " +
                Help(family),
            ""});
  }
}

std::string TemplateBuilder::Yaml(const std::string& date) const {
  const std::string& t = options_.name;
  std::string y;
  auto line = [&y](int indent, std::string_view text) {
    y.append(static_cast<size_t>(indent), ' ');
    y.append(text);
    y += '\n';
  };
  auto kv = [&line](int indent, std::string_view key, const std::string& value) {
    line(indent, std::string(key) + ": " + value);
  };
  line(0, "zabbix_export:");
  kv(2, "version", "'6.0'");
  kv(2, "date", Q(date));
  line(2, "groups:");
  for (const std::string& g : {options_.group, options_.host_group}) {
    if (&g == &options_.host_group && options_.host.empty()) continue;
    line(4, "-");
    // Zabbix's own group keeps its own UUID (the one every 6.0 and 7.0 server has).
    kv(6, "uuid",
       Q(g == "Templates/Applications" ? "a571c0d144b14fd4a87a9d9b2aa9fcd6" : Uuid("group", g)));
    kv(6, "name", Q(g));
  }
  line(2, "templates:");
  line(4, "-");
  kv(6, "uuid", Q(Uuid("template", t)));
  kv(6, "template", Q(t));
  kv(6, "name", Q(t));
  kv(6, "description",
     Q("Made by zabitan-prom template from one scrape of " + options_.source + ": " +
       std::to_string(families_.size()) +
       " families, all trapper items filled by zabitan-prom (prom-bridge/README.md). With "
       "--discard-unchanged S an unchanged value is sent once per S seconds (a changed one at "
       "once): nodata() triggers on these items need a window longer than S."));
  line(6, "groups:");
  line(8, "-");
  kv(10, "name", Q(options_.group));
  if (!families_.empty()) line(6, "discovery_rules:");
  for (const Entry& e : families_) {
    std::string rule_key = "prom.discovery[" + KeyParam(e.name) + "]";
    line(8, "-");
    kv(10, "uuid", Q(Uuid(t, rule_key)));
    kv(10, "name", Q("Prometheus family " + e.name));
    kv(10, "type", "TRAP");
    kv(10, "key", Q(rule_key));
    kv(10, "delay", "'0'");
    kv(10, "lifetime", "7d");
    kv(10, "description", Q(e.description));
    line(10, "item_prototypes:");
    for (const Prototype& p : e.prototypes) {
      line(12, "-");
      kv(14, "uuid", Q(Uuid(t, p.key)));
      kv(14, "name", Q(p.name));
      kv(14, "type", p.master.empty() ? "TRAP" : "DEPENDENT");
      kv(14, "key", Q(p.key));
      kv(14, "delay", "'0'");  // what 6.0 exports for trapper and dependent prototypes alike
      kv(14, "history", "7d");
      kv(14, "value_type", "FLOAT");
      if (!p.units.empty()) kv(14, "units", Q(p.units));
      kv(14, "description", Q(p.description));
      if (p.master.empty()) continue;
      line(14, "preprocessing:");
      line(16, "-");
      kv(18, "type", "CHANGE_PER_SECOND");
      line(18, "parameters:");
      line(20, "- ''");
      line(14, "master_item:");
      kv(16, "key", Q(p.master));
    }
  }
  if (!options_.host.empty()) {
    line(2, "hosts:");
    line(4, "-");
    kv(6, "host", Q(options_.host));
    kv(6, "name", Q(options_.host));
    line(6, "templates:");
    line(8, "-");
    kv(10, "name", Q(t));
    line(6, "groups:");
    line(8, "-");
    kv(10, "name", Q(options_.host_group));
  }
  return y;
}

}  // namespace zabitan::prom_bridge
