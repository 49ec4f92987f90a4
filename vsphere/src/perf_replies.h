// zabitan — the PerformanceManager's replies, parsed from XML (internal to the vSphere library):
// no I/O, so that captured replies can be unit-tested and arbitrary bytes fuzzed
// (tests/fuzz/vsphere_xml_fuzz.cpp). Pure functions.
//
// Every parser matches elements by local name (vCenter writes xsi:type, the simulator
// XMLSchema-instance:type), ignores what it does not know, and never trusts the reply: a
// missing element reads as empty, a malformed number as absent. A reply that cannot be used
// at all gives an error naming what was wrong, on one line.
//
//   zabitan::vsphere::SoapResult r;
//   zabitan::Status s = zabitan::vsphere::ParseSoapReply(http_body, 200, &r);
//   std::map<std::string, zabitan::vsphere::Counter> counters;
//   if (s.ok()) s = zabitan::vsphere::ParseCounters(r.body, &counters);
#ifndef ZABITAN_VSPHERE_PERF_REPLIES_H_
#define ZABITAN_VSPHERE_PERF_REPLIES_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

#include "zabitan/common/status.h"
#include "zabitan/vsphere/types.h"

namespace zabitan::vsphere {

// Reads PerformanceManager.perfCounter (a RetrievePropertiesExResponse) into *by_path, keyed
// "group.name.rollup". Counters with a part missing (or holding a dot) are skipped; an empty
// catalogue is an error.
Status ParseCounters(pugi::xml_node response, std::map<std::string, Counter>* by_path);

// Reads a QueryPerfResponse. Only entities in `by_moref` (moref value -> entity) and counters in
// `by_key` count. Every series of those goes to result->series (the instances an entity has,
// data or not); its samples to result->samples, sorted by nothing but the reply's order,
// except: -1 ("no data") and other negative values are skipped, and a series whose number of
// values differs from the number of timestamps is skipped whole (which value belongs to which
// sample cannot be known). A timestamp that is not UTC ISO 8601 is an error.
Status ParsePerf(pugi::xml_node response, const std::map<std::string, const Entity*>& by_moref,
                 const std::map<int, const Counter*>& by_key, PerfResult* result);

// Reads config.vpxd.stats.maxQueryMetrics from a QueryOptionsResponse (the value is a string
// on vCenter; an xsd:int is taken too). Returns false when the reply does not hold it or its
// value is not an integer; *limit is then unchanged.
bool ParseMaxQueryMetrics(pugi::xml_node response, int64_t* limit);

// Parses "2026-11-22T00:29:51.483234667Z" (UTC only; fractions to the nanosecond).
bool ParseTimestamp(std::string_view text, uint32_t* clock, uint32_t* ns);

// The value of a sample as Zabbix gets it: percent counters are sent ×100 by vSphere and
// divided here ("529" -> "5.29"); every other unit is kept as it is.
std::string FormatValue(int64_t raw, std::string_view unit);

}  // namespace zabitan::vsphere

#endif  // ZABITAN_VSPHERE_PERF_REPLIES_H_
