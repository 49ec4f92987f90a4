// zabitan — a Zabbix template (the 6.0 YAML export format, which 6.0 and 7.0 import) written
// from one scrape, for what zabitan-prom then sends (`zabitan-prom template TARGET`).
//
// It follows the mapping (mapping.h) key for key, so every value the bridge sends for the
// scraped families has an item:
//  - one trapper discovery rule per family F, key prom.discovery[F] (the bridge's rows carry
//    {#PROM.FAMILY}, {#PROM.ID} and each label as {#LABEL});
//  - a trapper item prototype per sample name: prom.value[SAMPLE,{#PROM.ID}]; per bucket bound
//    seen: prom.bucket[F,{#PROM.ID},LE]; per summary quantile seen and per quantile the bridge
//    computes from a histogram's buckets (MappingOptions::quantiles):
//    prom.quantile[F,{#PROM.ID},Q]. Zabbix quotes {#PROM.ID} in a key as the bridge quotes it;
//  - for a counter, a dependent prototype prom.rate[SAMPLE,{#PROM.ID}] on the raw one with
//    CHANGE_PER_SECOND (Zabbix takes the two values' own timestamps, resets give no value);
//    for a counter of a family the bridge rates itself (TemplateOptions::rates, as its --rate),
//    a trapper prototype prom.edgerate[SAMPLE,{#PROM.ID}] instead, for the rate it sends;
//  - value type FLOAT everywhere (the bridge sends numbers only), units from the family's UNIT
//    or its name's suffix (UnitOf), HELP as the description;
//  - the families filtered as the bridge filters them (include/exclude, by the Mapper itself).
// UUIDs are derived from the template name and each object's key: generating the template
// again gives the same UUIDs, so a re-import updates rather than duplicates.
// Not thread-safe: one TemplateBuilder per scrape; UnitOf and RateUnit are pure.
//
// Example:
//   #include "zabitan/prom_bridge/scraper.h"
//   zabitan::prom_bridge::TargetOptions target;
//   target.url = "http://localhost:9100/metrics";
//   zabitan::prom_bridge::TemplateBuilder b({.name = "zabitan prom web01"});
//   zabitan::prom_bridge::ScrapeResult r = zabitan::prom_bridge::Scrape(target, {}, &b);
//   if (r.ok()) std::string yaml = b.Yaml("2026-12-06T12:00:00Z");
#ifndef ZABITAN_PROM_BRIDGE_TEMPLATE_H_
#define ZABITAN_PROM_BRIDGE_TEMPLATE_H_

#include <string>
#include <string_view>
#include <vector>

#include "zabitan/prom_bridge/mapping.h"
#include "zabitan/prom_bridge/parser.h"

namespace zabitan::prom_bridge {

struct TemplateOptions {
  std::string name;                                  // the template's technical and visible name
  std::string group = "Templates/Applications";      // its template group
  std::string host;                                  // optional: a host linked to it, also made
  std::string host_group = "zabitan prom";           // the host's group
  std::string source;                                // what was scraped, for the descriptions
  std::vector<double> quantiles = {0.5, 0.9, 0.99};  // as the bridge's --quantiles
  std::vector<std::string> include, exclude;         // as the bridge's --include/--exclude
  std::vector<std::string> rates;                    // as the bridge's --rate (family globs)
};

// Zabbix units of a family: its UNIT, else its name's last word before _total ("seconds" → s,
// "bytes" → B, "_time_seconds"/"_timestamp_seconds" of a non-counter → unixtime, ...); "" when
// none is known ("ratio" included: the value stays the exporter's fraction).
std::string UnitOf(std::string_view family, MetricType type, std::string_view unit);
// The units of a counter's per-second rate: B → Bps, b → bps, s → "" (seconds per second),
// X → X/s.
std::string RateUnit(const std::string& unit);

class TemplateBuilder : public Sink {
 public:
  explicit TemplateBuilder(TemplateOptions options);

  void OnSample(const Family& family, const Sample& sample) override;
  void OnFamilyEnd(const Family& family) override;

  // The export document (`date` as Zabbix writes it, e.g. "2026-12-06T12:00:00Z").
  std::string Yaml(const std::string& date) const;
  size_t families() const { return families_.size(); }
  size_t prototypes() const;

 private:
  struct Prototype {
    std::string key, name, units, description;
    std::string master;  // a dependent rate item's raw prototype key ("" for trapper items)
  };
  struct Entry {
    std::string name, description;
    std::vector<Prototype> prototypes;
  };
  void Add(Entry* e, Prototype p);

  TemplateOptions options_;
  std::vector<sender::Value> discard_;  // the Mapper's values: only its filter verdict is used
  Mapper filter_;
  std::vector<Entry> families_;
  bool current_ = false;    // the current family has an entry (families_.back())
  bool quantiles_ = false;  // ... and buckets the bridge computes quantiles from
};

// `zabitan-prom template TARGET [--zabbix-host NAME] [-o FILE] ...` (argv[0] is "template"):
// implemented in the program (src/template_cli.cpp), exit 0 written, 1 failed (one line).
int TemplateMain(int argc, char** argv);

}  // namespace zabitan::prom_bridge

#endif  // ZABITAN_PROM_BRIDGE_TEMPLATE_H_
