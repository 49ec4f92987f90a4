// zabitan — a whole exposition held in memory: what the streaming Parser (parser.h) delivers,
// collected into owned families and samples, and printed back in a canonical form (fixed
// metadata order TYPE, UNIT, HELP; labels as written; shortest exact numbers; escapes made
// again). For tests, the fuzz target and small scrapes; the bridge itself streams.
// Functions of their arguments: thread-safe.
//
// Example:
//   std::vector<zabitan::prom_bridge::OwnedFamily> doc;
//   zabitan::prom_bridge::ParseResult r = zabitan::prom_bridge::ParseText(
//       "# TYPE up gauge\nup 1\n# EOF\n", zabitan::prom_bridge::Format::kOpenMetrics, {}, &doc);
//   std::string again = zabitan::prom_bridge::Print(doc,
//   zabitan::prom_bridge::Format::kOpenMetrics);
#ifndef ZABITAN_PROM_BRIDGE_EXPOSITION_H_
#define ZABITAN_PROM_BRIDGE_EXPOSITION_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zabitan/prom_bridge/parser.h"

namespace zabitan::prom_bridge {

using OwnedLabels = std::vector<std::pair<std::string, std::string>>;  // name, unescaped value

struct OwnedExemplar {
  OwnedLabels labels;
  double value = 0;
  std::optional<Timestamp> timestamp;
};

struct OwnedSample {
  std::string name;
  OwnedLabels labels;
  double value = 0;
  std::optional<Timestamp> timestamp;
  std::optional<OwnedExemplar> exemplar;
};

struct OwnedFamily {
  std::string name;
  MetricType type = MetricType::kUnknown;
  bool typed = false;
  std::optional<std::string> help;
  std::optional<std::string> unit;
  std::vector<OwnedSample> samples;
};

// Parses all of `text`; *out holds the families read before an error, if any.
ParseResult ParseText(std::string_view text, Format format, const ParseLimits& limits,
                      std::vector<OwnedFamily>* out);

// The canonical text of `families` in `format` (OpenMetrics ends with "# EOF\n").
std::string Print(const std::vector<OwnedFamily>& families, Format format);

// Equality with NaN equal to NaN (the values of a parse and a reparse).
bool SameFamilies(const std::vector<OwnedFamily>& a, const std::vector<OwnedFamily>& b);

}  // namespace zabitan::prom_bridge

#endif  // ZABITAN_PROM_BRIDGE_EXPOSITION_H_
