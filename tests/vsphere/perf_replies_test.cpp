#include "perf_replies.h"

#include <catch2/catch.hpp>

#include "captured.h"
#include "soap_reply.h"
#include "xml.h"
#include "zabitan/vsphere/error.h"

using namespace zabitan::vsphere;
using zabitan::testing::Captured;
using zabitan::testing::Envelope;
using zabitan::testing::Make;

TEST_CASE("vsphere/perf replies: the counter catalogue", "[vsphere]") {
  SoapResult r;
  REQUIRE(ParseSoapReply(Captured("perf_counters.xml"), 200, &r).ok());
  std::map<std::string, Counter> counters;
  REQUIRE(ParseCounters(r.body, &counters).ok());
  CHECK(counters.size() == 19);
  CHECK(counters.at("cpu.usage.average").key == 2);
  CHECK(counters.at("cpu.usage.average").unit == "percent");
  CHECK(counters.at("net.received.average").key == 148);
  CHECK(counters.at("net.received.average").unit == "kiloBytesPerSecond");
  CHECK(counters.at("mem.vmmemctl.average").unit == "kiloBytes");
  CHECK(counters.at("datastore.totalReadLatency.average").unit == "millisecond");
  CHECK(counters.at("power.power.average").unit == "watt");
  CHECK(counters.at("cpu.ready.summation").unit == "millisecond");

  counters.clear();
  REQUIRE(ParseSoapReply(Captured("service_content.xml"), 200, &r).ok());
  CHECK(ParseCounters(r.body, &counters).code() == Error::kBadReply);
  CHECK(ParseCounters(r.body, &counters).message() == "perfCounter: the catalogue is empty");
}

TEST_CASE("vsphere/perf replies: QueryPerf with instances, zeros and percentages", "[vsphere]") {
  SoapResult r;
  REQUIRE(ParseSoapReply(Captured("query_perf.xml"), 200, &r).ok());
  Entity vm = Make("VirtualMachine", "vm-57", "vm-uuid"),
         host = Make("HostSystem", "host-21", "hv-uuid");
  Counter usage{2, "cpu.usage.average", "percent"},
      balloon{90, "mem.vmmemctl.average", "kiloBytes"},
      rx{148, "net.received.average", "kiloBytesPerSecond"},
      disk{173, "virtualDisk.read.average", "kiloBytesPerSecond"},
      latency{182, "datastore.totalReadLatency.average", "millisecond"};
  std::map<std::string, const Entity*> by_moref = {{"vm-57", &vm}, {"host-21", &host}};
  std::map<int, const Counter*> by_key = {
      {2, &usage}, {90, &balloon}, {148, &rx}, {173, &disk}, {182, &latency}};
  PerfResult result;
  REQUIRE(ParsePerf(r.body, by_moref, by_key, &result).ok());

  std::vector<std::string> series;
  for (const Series& s : result.series)
    series.push_back(s.entity->uuid + " " + s.counter->path + " [" + s.instance + "]");
  CHECK(series ==
        std::vector<std::string>{
            "vm-uuid cpu.usage.average []", "vm-uuid mem.vmmemctl.average []",
            "vm-uuid net.received.average []", "vm-uuid net.received.average [4000]",
            "vm-uuid virtualDisk.read.average [scsi0:0]", "hv-uuid cpu.usage.average []",
            "hv-uuid net.received.average []", "hv-uuid net.received.average [vmnic0]",
            "hv-uuid net.received.average [vmnic1]",
            "hv-uuid datastore.totalReadLatency.average [govcsim-DC0-LocalDS_0-4162802597]"});
  REQUIRE(result.samples.size() == 30);  // 10 series × 3 samples, zeros included
  const Sample& first = result.samples[0];
  CHECK(first.entity == &vm);
  CHECK(first.counter == &usage);
  CHECK(first.instance.empty());
  CHECK(first.clock == 1795317800u);  // 2026-11-22T03:23:20Z, oldest first
  CHECK(first.ns == 0u);
  CHECK(first.value == "5.68");           // 568 / 100
  CHECK(result.samples[3].value == "0");  // mem.vmmemctl: zeros are values
  CHECK(result.samples[9].instance == "4000");
  CHECK(result.samples[9].value == "254");
  CHECK(result.samples[29].instance == "govcsim-DC0-LocalDS_0-4162802597");
  CHECK(result.samples[29].clock == 1795317840u);
}

TEST_CASE(
    "vsphere/perf replies: QueryPerf from stock vcsim (newest first, zeros dropped, \"*\" echoed)",
    "[vsphere]") {
  SoapResult r;
  REQUIRE(ParseSoapReply(Captured("query_perf_stock.xml"), 200, &r).ok());
  Entity vm = Make("VirtualMachine", "vm-57", "vm-uuid");
  Counter usage{2, "cpu.usage.average", "percent"},
      balloon{90, "mem.vmmemctl.average", "kiloBytes"},
      rx{148, "net.received.average", "kiloBytesPerSecond"};
  PerfResult result;
  REQUIRE(
      ParsePerf(r.body, {{"vm-57", &vm}}, {{2, &usage}, {90, &balloon}, {148, &rx}}, &result).ok());
  REQUIRE(result.series.size() == 3);
  CHECK(result.series[2].instance == "*");
  // cpu.usage: 3 samples, newest first; mem.vmmemctl: no values for 3 timestamps, skipped.
  REQUIRE(result.samples.size() == 6);
  CHECK(result.samples[0].clock == 1795317846u);
  CHECK(result.samples[0].ns == 742304208u);
  CHECK(result.samples[0].value == "4.03");
  CHECK(result.samples[1].clock == 1795317826u);
  CHECK(result.samples[3].counter == &rx);
}

TEST_CASE("vsphere/perf replies: QueryPerf values that are no data or not numbers", "[vsphere]") {
  SoapResult r;
  REQUIRE(
      ParseSoapReply(
          Envelope(
              R"(<QueryPerfResponse xmlns="urn:vim25"><returnval xsi:type="PerfEntityMetric"><entity type="HostSystem">host-9</entity><sampleInfo><timestamp>2026-11-22T00:00:00Z</timestamp><interval>20</interval></sampleInfo><sampleInfo><timestamp>2026-11-22T00:00:20Z</timestamp><interval>20</interval></sampleInfo><value xsi:type="PerfMetricIntSeries"><id><counterId>1</counterId><instance></instance></id><value>-1</value><value>7</value></value><value xsi:type="PerfMetricIntSeries"><id><counterId>1</counterId><instance>vmnic0</instance></id><value>x</value><value>7</value></value><value xsi:type="PerfMetricIntSeries"><id><counterId>99</counterId><instance></instance></id><value>1</value><value>2</value></value></returnval><returnval xsi:type="PerfEntityMetric"><entity type="HostSystem">host-unknown</entity></returnval></QueryPerfResponse>)"),
          200, &r)
          .ok());
  Entity host = Make("HostSystem", "host-9", "hv");
  Counter rx{1, "net.received.average", "kiloBytesPerSecond"};
  PerfResult result;
  REQUIRE(ParsePerf(r.body, {{"host-9", &host}}, {{1, &rx}}, &result).ok());
  CHECK(result.series.size() == 2);     // counter 99 was not asked for; host-unknown neither
  REQUIRE(result.samples.size() == 1);  // -1 skipped; the series with "x" skipped whole
  CHECK(result.samples[0].value == "7");
  CHECK(result.samples[0].clock == 1795305620u);

  REQUIRE(
      ParseSoapReply(
          Envelope(
              R"(<QueryPerfResponse xmlns="urn:vim25"><returnval><entity type="HostSystem">host-9</entity><sampleInfo><timestamp>2026-11-22T00:00:00+01:00</timestamp></sampleInfo></returnval></QueryPerfResponse>)"),
          200, &r)
          .ok());
  CHECK(ParsePerf(r.body, {{"host-9", &host}}, {{1, &rx}}, &result).message() ==
        "QueryPerf: bad timestamp \"2026-11-22T00:00:00+01:00\"");
}

TEST_CASE("vsphere/perf replies: maxQueryMetrics", "[vsphere]") {
  SoapResult r;
  REQUIRE(ParseSoapReply(Captured("query_options.xml"), 200, &r).ok());
  int64_t limit = 0;
  REQUIRE(ParseMaxQueryMetrics(r.body, &limit));
  CHECK(limit == 20);

  auto parse = [&](const std::string& returnvals, int64_t* out) {
    REQUIRE(ParseSoapReply(Envelope("<QueryOptionsResponse xmlns=\"urn:vim25\">" + returnvals +
                                    "</QueryOptionsResponse>"),
                           200, &r)
                .ok());
    return ParseMaxQueryMetrics(r.body, out);
  };
  limit = 0;
  CHECK(parse(
      R"(<returnval xsi:type="OptionValue"><key>config.vpxd.stats.maxQueryMetrics</key><value xsi:type="xsd:string">-1</value></returnval>)",
      &limit));
  CHECK(limit == -1);
  CHECK(parse(
      R"(<returnval><key>config.vpxd.stats.maxQueryMetricsOther</key><value>5</value></returnval><returnval><key>config.vpxd.stats.maxQueryMetrics</key><value xsi:type="xsd:int">64</value></returnval>)",
      &limit));
  CHECK(limit == 64);
  CHECK_FALSE(parse(
      R"(<returnval><key>config.vpxd.stats.maxQueryMetrics</key><value>lots</value></returnval>)",
      &limit));
  CHECK_FALSE(parse("", &limit));
  CHECK(limit == 64);  // unchanged
}

TEST_CASE("vsphere/perf replies: sample timestamps", "[vsphere]") {
  uint32_t clock = 0, ns = 0;
  REQUIRE(ParseTimestamp("2026-11-22T00:29:51.483234667Z", &clock, &ns));
  CHECK(clock == 1795307391u);
  CHECK(ns == 483234667u);
  REQUIRE(ParseTimestamp("2026-11-22T00:29:40Z", &clock, &ns));
  CHECK(ns == 0u);
  REQUIRE(ParseTimestamp("2026-11-22T00:29:40.5Z", &clock, &ns));
  CHECK(ns == 500000000u);
  CHECK_FALSE(ParseTimestamp("2026-11-22T00:29:40+02:00", &clock, &ns));
  CHECK_FALSE(ParseTimestamp("2026-11-22T00:29:40Zjunk", &clock, &ns));
  CHECK_FALSE(ParseTimestamp("2026-13-22T00:29:40Z", &clock, &ns));
  CHECK_FALSE(ParseTimestamp("1969-12-31T23:59:59Z", &clock, &ns));
  CHECK_FALSE(ParseTimestamp("2040-01-01T00:00:00Z", &clock, &ns));  // past uint31
  CHECK_FALSE(ParseTimestamp("yesterday", &clock, &ns));
  CHECK_FALSE(ParseTimestamp("", &clock, &ns));
}

TEST_CASE("vsphere/perf replies: percentages are unscaled, other units kept", "[vsphere]") {
  CHECK(FormatValue(529, "percent") == "5.29");
  CHECK(FormatValue(10000, "percent") == "100.00");
  CHECK(FormatValue(7, "percent") == "0.07");
  CHECK(FormatValue(-150, "percent") == "-1.50");
  CHECK(FormatValue(1048576, "kiloBytes") == "1048576");
  CHECK(FormatValue(42, "millisecond") == "42");
}

TEST_CASE("vsphere/perf replies: QueryPerf with nothing after startTime", "[vsphere]") {
  // Asked from the last sample sent, an entity with nothing newer comes back bare (vCenter), or
  // with series of no values (the simulator), or not at all: no samples, and no error.
  Entity host = Make("HostSystem", "host-9", "hv"), vm = Make("VirtualMachine", "vm-57", "vm");
  Counter rx{1, "net.received.average", "kiloBytesPerSecond"};
  SoapResult r;
  REQUIRE(
      ParseSoapReply(
          Envelope(
              R"(<QueryPerfResponse xmlns="urn:vim25"><returnval xsi:type="PerfEntityMetric"><entity type="HostSystem">host-9</entity></returnval><returnval xsi:type="PerfEntityMetric"><entity type="VirtualMachine">vm-57</entity><value xsi:type="PerfMetricIntSeries"><id><counterId>1</counterId><instance></instance></id></value></returnval></QueryPerfResponse>)"),
          200, &r)
          .ok());
  PerfResult result;
  REQUIRE(ParsePerf(r.body, {{"host-9", &host}, {"vm-57", &vm}}, {{1, &rx}}, &result).ok());
  CHECK(result.samples.empty());
  REQUIRE(ParseSoapReply(Envelope(R"(<QueryPerfResponse xmlns="urn:vim25"></QueryPerfResponse>)"),
                         200, &r)
              .ok());
  result = PerfResult{};
  REQUIRE(ParsePerf(r.body, {{"host-9", &host}}, {{1, &rx}}, &result).ok());
  CHECK(result.samples.empty());
  CHECK(result.series.empty());
}
