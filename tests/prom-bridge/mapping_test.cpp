#include "zabitan/prom_bridge/mapping.h"

#include <cmath>
#include <map>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace zabitan::prom_bridge;
using zabitan::sender::Value;

namespace {

MappingOptions Host() {
  MappingOptions o;
  o.host = std::string(1, 'h');  // not = "h": GCC 12 warns wrongly (-Wrestrict) on that
  return o;
}

// key → value of everything `text` maps to (scrape clock 1000).
std::map<std::string, Value> Map(std::string_view text, Format format = Format::kText004,
                                 MappingOptions o = Host()) {
  std::vector<Value> values;
  Mapper mapper(std::move(o), 1000, &values);
  Parser parser(format, {}, &mapper);
  parser.Feed(text);
  REQUIRE(parser.Finish().ok());
  std::map<std::string, Value> by_key;
  for (const Value& v : values) by_key[v.key] = v;
  REQUIRE(by_key.size() == values.size());
  return by_key;
}

}  // namespace

TEST_CASE("prom mapping: identity labels are the ones that vary", "[prom]") {
  auto m =
      Map("# TYPE fs_bytes gauge\n"
          "fs_bytes{job=\"node\",device=\"sda\",fstype=\"ext4\"} 1\n"
          "fs_bytes{job=\"node\",device=\"sdb\",fstype=\"ext4\"} 2\n");
  CHECK(m.at("prom.value[fs_bytes,device=sda]").value == "1");
  CHECK(m.at("prom.value[fs_bytes,device=sdb]").value == "2");
  CHECK(m.at("prom.value[fs_bytes,device=sda]").clock == 1000u);
  auto rows = nlohmann::json::parse(m.at("prom.discovery[fs_bytes]").value);
  REQUIRE(rows.size() == 2);
  CHECK(rows[1]["{#PROM.ID}"] == "device=sdb");
  CHECK(rows[1]["{#DEVICE}"] == "sdb");
  CHECK(rows[1]["{#JOB}"] == "node");
  CHECK(rows[1]["{#PROM.FAMILY}"] == "fs_bytes");
  // A constant label added upstream changes no key.
  auto again =
      Map("fs_bytes{job=\"node\",device=\"sda\",fstype=\"ext4\",version=\"2\"} 1\n"
          "fs_bytes{job=\"node\",device=\"sdb\",fstype=\"ext4\",version=\"2\"} 2\n");
  CHECK(again.count("prom.value[fs_bytes,device=sda]") == 1);
  // Configured identity labels win.
  MappingOptions o = Host();
  o.identity["fs_bytes"] = {"fstype", "device"};
  auto configured = Map("fs_bytes{device=\"sda\",fstype=\"ext4\"} 1\n", Format::kText004, o);
  CHECK(configured.count("prom.value[fs_bytes,\"device=sda,fstype=ext4\"]") == 1);
}

TEST_CASE("prom mapping: histograms get buckets, sum, count and quantiles at the edge", "[prom]") {
  auto m =
      Map("# TYPE lat_seconds histogram\n"
          "lat_seconds_bucket{path=\"/a\",le=\"0.1\"} 50\n"
          "lat_seconds_bucket{path=\"/a\",le=\"1\"} 90\n"
          "lat_seconds_bucket{path=\"/a\",le=\"+Inf\"} 100\n"
          "lat_seconds_sum{path=\"/a\"} 30\n"
          "lat_seconds_count{path=\"/a\"} 100\n"
          "lat_seconds_bucket{path=\"/b\",le=\"0.1\"} 0\n"
          "lat_seconds_bucket{path=\"/b\",le=\"1\"} 0\n"
          "lat_seconds_bucket{path=\"/b\",le=\"+Inf\"} 0\n");
  CHECK(m.at("prom.bucket[lat_seconds,path=/a,0.1]").value == "50");
  CHECK(m.at("prom.bucket[lat_seconds,path=/a,+Inf]").value == "100");
  CHECK(m.at("prom.value[lat_seconds_count,path=/a]").value == "100");
  CHECK(m.at("prom.quantile[lat_seconds,path=/a,0.5]").value == "0.1");  // the 50th at 0.1
  CHECK(m.at("prom.quantile[lat_seconds,path=/a,0.9]").value == "1");
  CHECK(m.at("prom.quantile[lat_seconds,path=/a,0.99]").value == "1");  // beyond the last bound
  CHECK(m.count("prom.quantile[lat_seconds,path=/b,0.5]") == 0);        // no observation: NaN
  auto rows = nlohmann::json::parse(m.at("prom.discovery[lat_seconds]").value);
  CHECK(rows.size() == 2);  // one row per series, not per bucket
}

TEST_CASE("prom mapping: summaries, OpenMetrics counters, timestamps, NaN", "[prom]") {
  auto m =
      Map("# TYPE rpc summary\n"
          "rpc{quantile=\"0.99\"} 7\n"
          "rpc_count 3\n"
          "# TYPE req counter\n"
          "req_total{code=\"200\"} 5 1700000000.25\n"
          "req_total{code=\"500\"} NaN\n"
          "# EOF\n",
          Format::kOpenMetrics);
  CHECK(m.at("prom.quantile[rpc,,0.99]").value == "7");
  CHECK(m.at("prom.value[rpc_count,]").value == "3");
  CHECK(m.at("prom.value[req_total,code=200]").clock == 1700000000u);
  CHECK(m.at("prom.value[req_total,code=200]").ns == 250000000u);
  CHECK(m.count("prom.value[req_total,code=500]") == 0);
}

TEST_CASE("prom mapping: key parameters quoted as Zabbix quotes them", "[prom]") {
  CHECK(KeyParam("plain") == "plain");
  CHECK(KeyParam("") == "");
  CHECK(KeyParam("a,b") == "\"a,b\"");
  CHECK(KeyParam("x]") == "\"x]\"");
  CHECK(KeyParam(" lead") == "\" lead\"");
  CHECK(KeyParam("[x") == "\"[x\"");
  CHECK(KeyParam("\"q\",") == "\"\\\"q\\\",\"");
  CHECK(KeyParam("mid\"quote") == "mid\"quote");
}

TEST_CASE("prom mapping: histogram_quantile as Prometheus computes it", "[prom]") {
  std::vector<std::pair<double, double>> b = {{1, 10}, {2, 20}, {INFINITY, 20}};
  CHECK(BucketQuantile(0.5, b) == Approx(1.0));
  CHECK(BucketQuantile(0.75, b) == Approx(1.5));
  CHECK(BucketQuantile(0.25, b) == Approx(0.5));
  CHECK(std::isnan(BucketQuantile(0.5, {{1, 1}})));  // no +Inf bucket
  CHECK(std::isnan(BucketQuantile(1.5, b)));
}

TEST_CASE("prom mapping: families filtered by name globs", "[prom]") {
  MappingOptions o = Host();
  o.include = {"node_*", "up"};
  o.exclude = {"node_cpu_*"};
  auto m =
      Map("node_load1 1\nnode_cpu_seconds_total 2\ngo_goroutines 3\nup 1\n", Format::kText004, o);
  CHECK(m.count("prom.discovery[node_load1]") == 1);
  CHECK(m.count("prom.discovery[up]") == 1);
  CHECK(m.count("prom.discovery[node_cpu_seconds_total]") == 0);
  CHECK(m.count("prom.discovery[go_goroutines]") == 0);
  CHECK(m.size() == 4);  // two discoveries, two values
}

TEST_CASE("prom mapping: label matchers keep the series they all match", "[prom]") {
  MappingOptions o = Host();
  REQUIRE(ParseMatchers({"code=~\"5..\"", "job!=\"x\""}, &o.matchers).ok());
  auto m =
      Map("# TYPE http_requests_total counter\n"
          "http_requests_total{job=\"api\",code=\"200\"} 10\n"
          "http_requests_total{job=\"api\",code=\"500\"} 2\n"
          "http_requests_total{job=\"api\",code=\"503\"} 1\n"
          "http_requests_total{job=\"x\",code=\"500\"} 7\n",
          Format::kText004, o);
  CHECK(m.size() == 3);  // the discovery and two values
  CHECK(m.at("prom.value[http_requests_total,code=500]").value == "2");
  CHECK(m.at("prom.value[http_requests_total,code=503]").value == "1");
  auto rows = nlohmann::json::parse(m.at("prom.discovery[http_requests_total]").value);
  CHECK(rows.size() == 2);
}

TEST_CASE("prom mapping: counter rates beside the raw counter, from the second scrape", "[prom]") {
  RateState state;
  MappingOptions o = Host();
  o.rates = {"req*"};
  o.rate_state = &state;
  auto scrape = [&](std::string_view text, int64_t ms) {
    std::vector<Value> values;
    Mapper mapper(o, static_cast<uint32_t>(ms / 1000), &values, ms);
    Parser parser(Format::kText004, {}, &mapper);
    parser.Feed(text);
    REQUIRE(parser.Finish().ok());
    std::map<std::string, std::string> by_key;
    for (const Value& v : values) by_key[v.key] = v.value;
    return by_key;
  };
  const char* kText =
      "# TYPE req_total counter\nreq_total{a=\"1\"} %d\nreq_total{a=\"2\"} 5\n"
      "# TYPE other_total counter\nother_total 1\n# TYPE req_g gauge\nreq_g 3\n";
  char text[256];
  std::snprintf(text, sizeof text, kText, 100);
  auto first = scrape(text, 1'000'000);
  CHECK(first.count("prom.value[req_total,a=1]") == 1);
  CHECK(first.count("prom.edgerate[req_total,a=1]") == 0);  // no rate from one sample
  std::snprintf(text, sizeof text, kText, 130);
  auto second = scrape(text, 1'015'000);
  CHECK(second.at("prom.edgerate[req_total,a=1]") == "2");  // 30 in 15 s
  CHECK(second.at("prom.edgerate[req_total,a=2]") == "0");
  CHECK(second.count("prom.edgerate[other_total,]") == 0);  // not asked for
  CHECK(second.count("prom.edgerate[req_g,]") == 0);        // a gauge has no rate
  std::snprintf(text, sizeof text, kText, 20);              // the exporter restarted
  auto third = scrape(text, 1'025'000);
  CHECK(third.at("prom.edgerate[req_total,a=1]") == "2");  // 20 since 0, in 10 s
}

TEST_CASE("prom mapping: values without a timestamp carry the scrape's millisecond", "[prom]") {
  // Two scrapes in one second must not share a clock: Zabbix's per-second rate of a counter
  // would divide by almost nothing (seen as 2,424,242/s when both went out with ns = 0).
  std::vector<Value> values;
  Mapper mapper(Host(), 1000, &values, 1'000'250);
  Parser parser(Format::kText004, {}, &mapper);
  parser.Feed("# TYPE c_total counter\nc_total 1\n# TYPE g gauge\ng 2 1500\n");
  REQUIRE(parser.Finish().ok());
  std::map<std::string, Value> by_key;
  for (const Value& v : values) by_key[v.key] = v;
  const Value& counter = by_key.at("prom.value[c_total,]");
  CHECK(counter.clock == 1000);
  CHECK(counter.ns == 250'000'000);
  const Value& stamped = by_key.at("prom.value[g,]");  // the exposition's own timestamp wins
  CHECK(stamped.clock == 1);
  CHECK(stamped.ns == 500'000'000);
}
