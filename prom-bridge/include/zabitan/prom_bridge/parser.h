// zabitan — a streaming, zero-copy parser of the Prometheus text format 0.0.4 and OpenMetrics 1.0.
//
// The body of a scrape is fed in chunks as it arrives; every sample is handed to a Sink as soon
// as its line is complete, with views into the chunk (or, for a line cut by a chunk boundary,
// into one carried copy of that line). Memory does not grow with the number of series except
// for one 8-byte hash per series of the current family (duplicate detection) and per family
// (contiguity). Metric families are grouped as the formats define them (TYPE/HELP/UNIT, the
// _bucket/_count/_sum/_total/_created/_gcount/_gsum/_info suffixes). Not thread-safe: one
// Parser per scrape.
//
// Example:
//   namespace zp = zabitan::prom_bridge;
//   struct Count : zp::Sink {
//     size_t samples = 0;
//     void OnSample(const zp::Family&, const zp::Sample&) override { ++samples; }
//   } sink;
//   zp::Parser parser(zp::Format::kOpenMetrics, {}, &sink);
//   parser.Feed("# TYPE up gauge\nup 1\n");  // as often as data arrives
//   parser.Feed("# EOF\n");
//   zp::ParseResult r = parser.Finish();  // r.ok(), or r.code and a one-line r.message
//
// Errors are values: the first breach (syntax, bounds, grouping) stops the parse, and every
// later call returns the same result. A Sink has by then seen the samples before the bad line;
// a caller that wants all or nothing (the bridge does) keeps them until Finish() is ok.
#ifndef ZABITAN_PROM_BRIDGE_PARSER_H_
#define ZABITAN_PROM_BRIDGE_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "zabitan/prom_bridge/numbers.h"

namespace zabitan::prom_bridge {

enum class Format {
  kText004,      // text/plain; version=0.0.4
  kOpenMetrics,  // application/openmetrics-text; version=1.0.0
};

// kUnknown is 0.0.4's "untyped", OpenMetrics' "unknown", and the type of a family with no TYPE.
enum class MetricType {
  kUnknown,
  kCounter,
  kGauge,
  kHistogram,
  kGaugeHistogram,
  kSummary,
  kInfo,
  kStateSet
};
// The word TYPE lines use for `type` in `format` ("untyped" or "unknown" for kUnknown).
std::string_view TypeWord(MetricType type, Format format);

enum class ParseCode {
  kOk = 0,
  kLineTooLong,    // bound: ParseLimits::max_line_bytes
  kTooManySeries,  // bound: ParseLimits::max_series (samples, and families)
  kTooManyLabels,  // bound: ParseLimits::max_labels
  kLabelTooLong,   // bound: ParseLimits::max_label_bytes (a label name or value)
  kSyntax,         // a line that fits no rule of the grammar
  kBadMetricName,
  kBadLabelName,
  kBadEscape,  // a backslash sequence the format does not define
  kBadValue,
  kBadTimestamp,
  kInvalidUtf8,           // in a label value or HELP text
  kBadType,               // a TYPE word the format does not know
  kDuplicateMetadata,     // a second TYPE/HELP/UNIT line for one family
  kMetadataAfterSamples,  // a TYPE/HELP/UNIT line after the family's first sample
  kFamilyNotContiguous,   // a family's lines are not one group (the name appeared before)
  kWrongType,             // a sample named as its family, which the family's TYPE does not allow
  kDuplicateSeries,       // the same name and label set twice
  kDuplicateLabel,        // one label name twice in one series
  kMissingLabel,          // _bucket without le, a summary quantile without quantile, ...
  kBadExemplar,           // an exemplar where the format allows none, or one too long
  kBadUnit,               // a UNIT the family name does not end with
  kMissingEof,            // OpenMetrics without its final "# EOF"
  kAfterEof,              // anything after "# EOF"
};
std::string_view CodeName(ParseCode code);

struct ParseResult {
  ParseCode code = ParseCode::kOk;
  uint64_t line = 0;    // 1-based line of the breach (0: none)
  std::string message;  // one line: "line 12: label value longer than 4096 bytes"
  bool ok() const { return code == ParseCode::kOk; }
};

// Bounds on what a hostile or broken exporter can make the parser hold or do.
struct ParseLimits {
  size_t max_line_bytes = 64 * 1024;
  size_t max_series = 1'000'000;
  size_t max_labels = 64;              // per series
  size_t max_label_bytes = 4096;       // per label name and per label value
  bool check_duplicate_series = true;  // costs 8 bytes per series of the largest family
};

// A label as written: `raw` is the value between the quotes with its escapes intact (views
// stay valid only during the Sink call). Escapes have one spelling each, so equal raw texts
// are equal values.
struct Label {
  std::string_view name;
  std::string_view raw;
  bool escaped = false;  // raw holds a backslash: Value() must unescape
  std::string Value() const;
};

struct Exemplar {
  std::span<const Label> labels;
  double value = 0;
  std::optional<Timestamp> timestamp;
};

// A metric family as the parser knows it so far (metadata is owned: it outlives its line).
struct Family {
  std::string name;
  MetricType type = MetricType::kUnknown;
  bool typed = false;               // a TYPE line was seen
  std::optional<std::string> help;  // unescaped
  std::optional<std::string> unit;
  size_t samples = 0;
};

struct Sample {
  std::string_view name;    // as written: family name + suffix
  std::string_view suffix;  // "", "_total", "_bucket", "_count", "_sum", "_created", ...
  std::span<const Label> labels;
  double value = 0;
  std::optional<Timestamp> timestamp;
  const Exemplar* exemplar = nullptr;  // none
  uint64_t line = 0;
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void OnSample(const Family& family, const Sample& sample) = 0;
  // After a family's last line (also for one with metadata and no samples).
  virtual void OnFamilyEnd(const Family& family) { (void)family; }
};

class Parser {
 public:
  // `sink` must outlive the parser.
  Parser(Format format, const ParseLimits& limits, Sink* sink);
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // Feeds the next bytes of the body, cut anywhere. Returns the first error met so far.
  const ParseResult& Feed(std::string_view chunk);
  // The end of the body: the last line, the last family, and OpenMetrics' "# EOF".
  const ParseResult& Finish();

  uint64_t series() const { return series_; }

 private:
  void Line(std::string_view line);
  void Comment(std::string_view line);
  void Metadata(std::string_view kind, std::string_view name, std::string_view rest);
  void SampleLine(std::string_view line);
  bool Labels(std::string_view line, size_t* pos, std::vector<Label>* out, bool exemplar);
  bool StartFamily(std::string_view name);
  void EndFamily();
  std::string_view SuffixIn(std::string_view sample_name) const;
  bool Fail(ParseCode code, const std::string& message);

  Format format_;
  ParseLimits limits_;
  Sink* sink_;
  ParseResult result_;
  uint64_t line_no_ = 0;
  uint64_t series_ = 0;
  uint64_t families_ = 0;
  bool eof_ = false;
  bool finished_ = false;
  bool in_family_ = false;
  std::string carry_;  // a line cut by a chunk boundary
  Family family_;
  std::vector<Label> labels_;
  std::vector<Label> exemplar_labels_;
  Exemplar exemplar_;
  std::vector<uint64_t> seen_families_;  // open-addressing hash sets (HashSet's storage)
  size_t seen_families_used_ = 0;
  std::vector<uint64_t> family_series_;
  size_t family_series_used_ = 0;
};

// Unescapes a label value or HELP text: \\ \n and, where `quote` is set, \" (0.0.4's HELP has
// no \"); any other backslash is kept as written (the parser has refused it where it must).
std::string Unescape(std::string_view raw, bool quote = true);
// The inverse, for printing: escapes backslash, newline and, where `quote` is set, '"'.
std::string Escape(std::string_view text, bool quote = true);

}  // namespace zabitan::prom_bridge

#endif  // ZABITAN_PROM_BRIDGE_PARSER_H_
