// zabitan-prom template (template.h): the template holds an item for every value the bridge
// sends, found the way Zabbix finds it (each discovery row's {#PROM.ID} put into each item
// prototype's key, quoted as Zabbix quotes an LLD macro in a key), with units, rates and
// quantiles as documented.
#include "zabitan/prom_bridge/template.h"

#include <map>
#include <set>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace zabitan::prom_bridge;
using zabitan::sender::Value;

namespace {

// What one generated template holds: rule key → prototypes (key → its lines' fields).
struct Proto {
  std::string type, units, master;
  bool rate = false;  // has CHANGE_PER_SECOND
};
using Rules = std::map<std::string, std::map<std::string, Proto>>;

std::string Unquote(std::string v) {
  if (v.size() >= 2 && v.front() == '\'') {
    v = v.substr(1, v.size() - 2);
    for (size_t p = 0; (p = v.find("''", p)) != std::string::npos; ++p) v.erase(p, 1);
  }
  return v;
}

// Reads the builder's YAML by its fixed indentation (the import test reads it as YAML).
Rules Read(const std::string& yaml) {
  Rules rules;
  std::istringstream in(yaml);
  std::string line, rule, key;
  Proto proto;
  auto commit = [&] {
    if (!key.empty()) rules[rule][key] = proto;
    key.clear();
    proto = {};
  };
  while (std::getline(in, line)) {
    size_t indent = line.find_first_not_of(' ');
    if (indent == std::string::npos) continue;
    std::string text = line.substr(indent);
    auto field = [&](std::string_view name) -> std::optional<std::string> {
      if (!text.starts_with(std::string(name) + ": ")) return std::nullopt;
      return Unquote(text.substr(name.size() + 2));
    };
    if (text == "-" && indent <= 12) commit();
    if (auto k = field("key"); k && indent == 10) {
      rule = *k;
      rules[rule];
    } else if (k && indent == 14) {
      key = *k;
    } else if (k && indent == 16) {
      proto.master = *k;
    } else if (auto t = field("type"); t && indent == 14) {
      proto.type = *t;
    } else if (t && indent == 18) {
      proto.rate = *t == "CHANGE_PER_SECOND";
    } else if (auto u = field("units"); u && indent == 14) {
      proto.units = *u;
    }
  }
  commit();
  return rules;
}

struct Run {
  Rules rules;
  std::vector<Value> values;
  std::string yaml;
};

Run Generate(std::string_view text, Format format = Format::kText004, TemplateOptions o = {}) {
  o.name = "t";
  Run r;
  TemplateBuilder builder(o);
  Parser tp(format, {}, &builder);
  tp.Feed(text);
  REQUIRE(tp.Finish().ok());
  // Two scrapes 10 s apart, as the bridge with the template's --rate: the second sends the
  // rates too (rates.h), and its values are the ones checked.
  RateState rates;
  for (uint32_t clock : {1000u, 1010u}) {
    r.values.clear();
    MappingOptions m{"h", o.quantiles, {}, o.include, o.exclude};
    m.rates = o.rates;
    m.rate_state = &rates;
    Mapper mapper(std::move(m), clock, &r.values);
    Parser mp(format, {}, &mapper);
    mp.Feed(text);
    REQUIRE(mp.Finish().ok());
  }
  r.yaml = builder.Yaml("2026-12-06T00:00:00Z");
  r.rules = Read(r.yaml);
  return r;
}

// The items Zabbix makes from the rules for the discovery values sent, and the check that
// every other value sent has one of them (and every trapper prototype got a value).
void CheckCovers(const Run& r) {
  std::set<std::string> items, filled;
  std::set<std::pair<std::string, std::string>> used;  // rule, prototype
  for (const Value& v : r.values) {
    if (!v.key.starts_with("prom.discovery[")) continue;
    INFO(v.key);
    REQUIRE(r.rules.count(v.key) == 1);
    for (const auto& row : nlohmann::json::parse(v.value)) {
      std::string id = KeyParam(row["{#PROM.ID}"].get<std::string>());
      for (const auto& [key, p] : r.rules.at(v.key)) {
        std::string made = key;
        made.replace(made.find("{#PROM.ID}"), 10, id);
        if (p.type == "TRAP") items.insert(made);
        filled.insert(made + "\n" + v.key + "\n" + key);
      }
    }
  }
  for (const Value& v : r.values) {
    if (v.key.starts_with("prom.discovery[")) continue;
    INFO("a value the bridge sends: " << v.key);
    CHECK(items.count(v.key) == 1);
    for (const std::string& f : filled) {
      if (f.starts_with(v.key + "\n")) {
        size_t a = f.find('\n') + 1, b = f.find('\n', a);
        used.emplace(f.substr(a, b - a), f.substr(b + 1));
      }
    }
  }
  for (const auto& [rule, protos] : r.rules) {
    for (const auto& [key, p] : protos) {
      INFO(rule << " " << key);
      if (p.type == "TRAP") CHECK(used.count({rule, key}) == 1);
    }
  }
  CHECK(r.values.size() > 0);
}

const char* const kText =
    "# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.\n"
    "# TYPE node_cpu_seconds_total counter\n"
    "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 10\n"
    "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 2\n"
    "node_cpu_seconds_total{cpu=\"1\",mode=\"idle\"} 11\n"
    "# HELP node_load1 1m load average.\n"
    "# TYPE node_load1 gauge\n"
    "node_load1 0.5\n"
    "# TYPE node_network_receive_bytes_total counter\n"
    "node_network_receive_bytes_total{device=\"eth0, the first\"} 7\n"
    "node_network_receive_bytes_total{device=\"lo\"} 8\n"
    "# TYPE node_boot_time_seconds gauge\n"
    "node_boot_time_seconds 1.7e9\n"
    "# TYPE lat_seconds histogram\n"
    "lat_seconds_bucket{path=\"/a\",le=\"0.1\"} 1\n"
    "lat_seconds_bucket{path=\"/a\",le=\"1\"} 3\n"
    "lat_seconds_bucket{path=\"/a\",le=\"+Inf\"} 4\n"
    "lat_seconds_sum{path=\"/a\"} 2.5\n"
    "lat_seconds_count{path=\"/a\"} 4\n"
    "lat_seconds_bucket{path=\"/b]\",le=\"0.1\"} 0\n"
    "lat_seconds_bucket{path=\"/b]\",le=\"1\"} 0\n"
    "lat_seconds_bucket{path=\"/b]\",le=\"+Inf\"} 2\n"
    "lat_seconds_sum{path=\"/b]\"} 9\n"
    "lat_seconds_count{path=\"/b]\"} 2\n"
    "# TYPE gc_seconds summary\n"
    "gc_seconds{quantile=\"0.5\"} 0.01\n"
    "gc_seconds{quantile=\"1\"} 0.02\n"
    "gc_seconds_sum 3\n"
    "gc_seconds_count 100\n"
    "# TYPE mem_ratio gauge\n"
    "mem_ratio 0.25\n";

}  // namespace

TEST_CASE("prom template: an item for every value the bridge sends", "[prom]") {
  Run r = Generate(kText);
  CheckCovers(r);
  CHECK(r.rules.size() == 7);
  const auto& cpu = r.rules.at("prom.discovery[node_cpu_seconds_total]");
  CHECK(cpu.at("prom.value[node_cpu_seconds_total,{#PROM.ID}]").units == "s");
  // The per-second item: dependent on the raw one, CHANGE_PER_SECOND.
  const Proto& rate = cpu.at("prom.rate[node_cpu_seconds_total,{#PROM.ID}]");
  CHECK(rate.type == "DEPENDENT");
  CHECK(rate.rate);
  CHECK(rate.master == "prom.value[node_cpu_seconds_total,{#PROM.ID}]");
  CHECK(rate.units.empty());  // seconds per second
  const auto& net = r.rules.at("prom.discovery[node_network_receive_bytes_total]");
  CHECK(net.at("prom.value[node_network_receive_bytes_total,{#PROM.ID}]").units == "B");
  CHECK(net.at("prom.rate[node_network_receive_bytes_total,{#PROM.ID}]").units == "Bps");
  CHECK(r.rules.at("prom.discovery[node_boot_time_seconds]")
            .at("prom.value[node_boot_time_seconds,{#PROM.ID}]")
            .units == "unixtime");
  CHECK(r.rules.at("prom.discovery[node_load1]").size() == 1);
  CHECK(r.rules.at("prom.discovery[mem_ratio]").at("prom.value[mem_ratio,{#PROM.ID}]").units == "");
  // A histogram: each bucket bound seen, _sum (units) and _count (none), the computed quantiles.
  const auto& lat = r.rules.at("prom.discovery[lat_seconds]");
  CHECK(lat.size() == 3 + 2 + 3);
  CHECK(lat.at("prom.bucket[lat_seconds,{#PROM.ID},+Inf]").units == "");
  CHECK(lat.at("prom.value[lat_seconds_sum,{#PROM.ID}]").units == "s");
  CHECK(lat.at("prom.value[lat_seconds_count,{#PROM.ID}]").units == "");
  CHECK(lat.at("prom.quantile[lat_seconds,{#PROM.ID},0.99]").units == "s");
  // A summary: the exporter's quantiles.
  const auto& gc = r.rules.at("prom.discovery[gc_seconds]");
  CHECK(gc.count("prom.quantile[gc_seconds,{#PROM.ID},0.5]") == 1);
  CHECK(gc.count("prom.quantile[gc_seconds,{#PROM.ID},1]") == 1);
  CHECK(gc.size() == 4);
}

TEST_CASE("prom template: quantiles, filters and OpenMetrics names as the bridge's", "[prom]") {
  TemplateOptions o;
  o.quantiles = {0.75};
  o.exclude = {"node_*"};
  Run r = Generate(kText, Format::kText004, o);
  CheckCovers(r);
  CHECK(r.rules.size() == 3);  // lat_seconds, gc_seconds, mem_ratio
  const auto& lat = r.rules.at("prom.discovery[lat_seconds]");
  CHECK(lat.count("prom.quantile[lat_seconds,{#PROM.ID},0.75]") == 1);
  CHECK(lat.count("prom.quantile[lat_seconds,{#PROM.ID},0.5]") == 0);

  o = {};
  o.include = {"req*"};
  Run om = Generate(
      "# TYPE req_bytes counter\n# UNIT req_bytes bytes\n# HELP req_bytes what's 'quoted'\n"
      "req_bytes_total{a=\"1\"} 1\nreq_bytes_created{a=\"1\"} 1.7e9\nreq_bytes_total{a=\"2\"} 2\n# "
      "TYPE other gauge\nother 1\n# EOF\n",
      Format::kOpenMetrics, o);
  CheckCovers(om);
  REQUIRE(om.rules.size() == 1);
  const auto& req = om.rules.at("prom.discovery[req_bytes]");
  CHECK(req.at("prom.value[req_bytes_total,{#PROM.ID}]").units == "B");  // from UNIT
  CHECK(req.at("prom.rate[req_bytes_total,{#PROM.ID}]").units == "Bps");
  CHECK(req.at("prom.value[req_bytes_created,{#PROM.ID}]").units == "unixtime");
  CHECK(req.count("prom.rate[req_bytes_created,{#PROM.ID}]") == 0);
  CHECK(om.yaml.find("what''s ''quoted''") != std::string::npos);
}

// Issue #20: a bridge run with --rate sends prom.edgerate[...] values; a template made with
// the same --rate has a trapper prototype for each (and no dependent rate beside it).
TEST_CASE("prom template: --rate's rates, sent by the bridge, have items", "[prom]") {
  TemplateOptions o;
  o.rates = {"node_cpu_*", "node_network_*", "req_*", "node_load1"};
  Run r = Generate(kText, Format::kText004, o);
  CheckCovers(r);
  size_t edge = 0;
  for (const Value& v : r.values) edge += v.key.starts_with("prom.edgerate[") ? 1 : 0;
  CHECK(edge == 5);  // 3 CPU series, 2 interfaces; node_load1 is a gauge
  const auto& cpu = r.rules.at("prom.discovery[node_cpu_seconds_total]");
  const Proto& rate = cpu.at("prom.edgerate[node_cpu_seconds_total,{#PROM.ID}]");
  CHECK(rate.type == "TRAP");
  CHECK_FALSE(rate.rate);
  CHECK(rate.units.empty());  // seconds per second
  CHECK(cpu.count("prom.rate[node_cpu_seconds_total,{#PROM.ID}]") == 0);
  CHECK(cpu.size() == 2);
  const auto& net = r.rules.at("prom.discovery[node_network_receive_bytes_total]");
  CHECK(net.at("prom.edgerate[node_network_receive_bytes_total,{#PROM.ID}]").units == "Bps");
  CHECK(r.rules.at("prom.discovery[node_load1]").size() == 1);
  CHECK(r.yaml.find("computed by zabitan-prom (--rate)") != std::string::npos);

  // OpenMetrics: the _total sample is rated, _created is not; an unrated counter keeps
  // Zabbix's own rate.
  Run om = Generate(
      "# TYPE req_bytes counter\n# UNIT req_bytes bytes\nreq_bytes_total{a=\"1\"} 1\n"
      "req_bytes_created{a=\"1\"} 1.7e9\n# TYPE other counter\nother_total 3\n# EOF\n",
      Format::kOpenMetrics, o);
  CheckCovers(om);
  const auto& req = om.rules.at("prom.discovery[req_bytes]");
  CHECK(req.at("prom.edgerate[req_bytes_total,{#PROM.ID}]").units == "Bps");
  CHECK(req.count("prom.edgerate[req_bytes_created,{#PROM.ID}]") == 0);
  CHECK(om.rules.at("prom.discovery[other]").at("prom.rate[other_total,{#PROM.ID}]").type ==
        "DEPENDENT");
}

TEST_CASE("prom template: stable UUIDs, a host when asked", "[prom]") {
  TemplateOptions o;
  o.host = "web01";
  Run a = Generate(kText, Format::kText004, o);
  Run b = Generate(kText, Format::kText004, o);
  CHECK(a.yaml == b.yaml);
  CHECK(a.yaml.find("  hosts:\n    -\n      host: 'web01'\n") != std::string::npos);
  std::set<std::string> uuids;
  std::istringstream in(a.yaml);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    size_t p = line.find("uuid: '");
    if (p == std::string::npos) continue;
    std::string u = line.substr(p + 7, 32);
    ++n;
    uuids.insert(u);
    CHECK(u[12] == '4');  // UUIDv4's version and variant, which Zabbix's import checks
    CHECK(std::string("89ab").find(u[16]) != std::string::npos);
  }
  CHECK(uuids.size() == n);
  CHECK(n > 20);
}

TEST_CASE("prom template: units from names", "[prom]") {
  CHECK(UnitOf("http_request_duration_seconds", MetricType::kHistogram, "") == "s");
  CHECK(UnitOf("node_network_transmit_bytes_total", MetricType::kCounter, "") == "B");
  CHECK(UnitOf("process_start_time_seconds", MetricType::kGauge, "") == "unixtime");
  CHECK(UnitOf("node_cpu_seconds_total", MetricType::kCounter, "") == "s");
  CHECK(UnitOf("node_disk_io_time_seconds_total", MetricType::kCounter, "") == "s");
  CHECK(UnitOf("node_hwmon_temp_celsius", MetricType::kGauge, "") == "°C");
  CHECK(UnitOf("requests_total", MetricType::kCounter, "") == "");
  CHECK(UnitOf("x", MetricType::kGauge, "") == "");
  CHECK(RateUnit("J") == "J/s");
  CHECK(RateUnit("b") == "bps");
}
