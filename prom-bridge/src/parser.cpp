// zabitan — the Prometheus text format 0.0.4 and OpenMetrics 1.0 parser (parser.h).
//
// Grammar, as read here (SP one space, BL one or more spaces or tabs, LF the line end):
//
//   exposition  := line*                                   0.0.4
//               |  (metadata | sample)* "# EOF" [LF]       OpenMetrics: nothing after # EOF
//   metadata    := "# HELP " name [SP text]     text: escapes \\ \n (and \" in OpenMetrics)
//               |  "# TYPE " name SP type       type: counter gauge histogram summary untyped
//                                               (OM: gaugehistogram stateset info unknown)
//               |  "# UNIT " name [SP unit]     OM only; name must end in "_" unit
//   sample      := name [labels] SP value [SP timestamp] [SP "# " labels SP value [SP timestamp]]
//                                               the exemplar (last part): OM only, on a
//                                               counter's _total or a histogram's _bucket
//   labels      := "{" [label ("," label)*] "}"  0.0.4 also: a trailing ",", BL around tokens
//   label       := lname "=" '"' (char | "\\" | "\"" | "\n")* '"'       UTF-8, no raw '"'
//   name        := [a-zA-Z_:][a-zA-Z0-9_:]*      lname := [a-zA-Z_][a-zA-Z0-9_]*
//   value       := float | [+-]Inf | NaN (numbers.h)
//   timestamp   := 0.0.4: [+-]digits milliseconds; OM: float seconds
//
// 0.0.4 further allows BL where OM has SP, BL at the start and end of a line, empty lines and
// comments ("#" then anything but HELP/TYPE). OM allows no other line.
//
// Families: a metadata line names its family; a sample belongs to the current family when
// its name is the family name plus a suffix the type allows (SuffixIn), otherwise it starts a
// family of its own, typed unknown. A family whose name appeared before is an error: the
// formats require each family to be one group of lines.
#include "zabitan/prom_bridge/parser.h"

#include <array>
#include <cstring>

#include "lexing.h"
#include "zabitan/common/utf8.h"
#include "zabitan/prom_bridge/numbers.h"

namespace zabitan::prom_bridge {

using namespace lexing;

std::string_view TypeWord(MetricType type, Format format) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
    case MetricType::kGaugeHistogram:
      return "gaugehistogram";
    case MetricType::kSummary:
      return "summary";
    case MetricType::kInfo:
      return "info";
    case MetricType::kStateSet:
      return "stateset";
    case MetricType::kUnknown:
      break;
  }
  return format == Format::kOpenMetrics ? "unknown" : "untyped";
}

Parser::Parser(Format format, const ParseLimits& limits, Sink* sink)
    : format_(format), limits_(limits), sink_(sink) {}
Parser::~Parser() = default;

bool Parser::Fail(ParseCode code, const std::string& message) {
  if (result_.ok()) result_ = {code, line_no_, "line " + std::to_string(line_no_) + ": " + message};
  return false;
}

const ParseResult& Parser::Feed(std::string_view chunk) {
  while (!chunk.empty() && result_.ok() && !finished_) {
    const char* nl = static_cast<const char*>(std::memchr(chunk.data(), '\n', chunk.size()));
    size_t n = nl ? static_cast<size_t>(nl - chunk.data()) : chunk.size();
    if (carry_.size() + n > limits_.max_line_bytes) {
      ++line_no_;
      Fail(ParseCode::kLineTooLong,
           "line longer than " + std::to_string(limits_.max_line_bytes) + " bytes");
      break;
    }
    if (!nl) {
      carry_.append(chunk);
      break;
    }
    if (carry_.empty()) {
      Line(chunk.substr(0, n));
    } else {
      carry_.append(chunk.data(), n);
      Line(carry_);
      carry_.clear();
    }
    chunk.remove_prefix(n + 1);
  }
  return result_;
}

const ParseResult& Parser::Finish() {
  if (!result_.ok() || finished_) return result_;
  if (!carry_.empty()) {
    Line(carry_);
    carry_.clear();
  }
  finished_ = true;
  if (!result_.ok()) return result_;
  EndFamily();
  if (format_ == Format::kOpenMetrics && !eof_) {
    ++line_no_;  // the line where it should be
    Fail(ParseCode::kMissingEof, "no \"# EOF\" at the end");
  }
  return result_;
}

void Parser::Line(std::string_view line) {
  ++line_no_;
  if (eof_) {
    Fail(ParseCode::kAfterEof, "text after \"# EOF\"");
    return;
  }
  if (format_ == Format::kOpenMetrics) {
    if (line.empty()) {
      Fail(ParseCode::kSyntax, "empty line");
    } else if (line[0] == '#') {
      Comment(line);
    } else {
      SampleLine(line);
    }
    return;
  }
  size_t p = 0;
  while (p < line.size() && IsBlank(line[p])) ++p;
  if (p == line.size()) return;
  line.remove_prefix(p);
  if (line[0] == '#') {
    Comment(line);
  } else {
    SampleLine(line);
  }
}

void Parser::Comment(std::string_view line) {
  if (format_ == Format::kOpenMetrics) {
    if (line == "# EOF") {
      EndFamily();
      eof_ = true;
      return;
    }
    std::string_view kind = line.substr(0, 7);
    if (kind != "# HELP " && kind != "# TYPE " && kind != "# UNIT ") {
      Fail(ParseCode::kSyntax, "a comment other than HELP, TYPE, UNIT or EOF: " + Quoted(line));
      return;
    }
    size_t p = 7;
    std::string_view name = Name(line, &p, kMetricStart, kMetricChar);
    if (name.empty() || (p < line.size() && line[p] != ' ')) {
      Fail(ParseCode::kBadMetricName, "bad metric name in " + Quoted(line));
      return;
    }
    Metadata(kind.substr(2, 4), name, line.substr(std::min(p + 1, line.size())));
    return;
  }
  // 0.0.4: "#" BL? word; only HELP and TYPE mean something.
  size_t p = 1;
  while (p < line.size() && IsBlank(line[p])) ++p;
  size_t word_end = p;
  while (word_end < line.size() && !IsBlank(line[word_end])) ++word_end;
  std::string_view word = line.substr(p, word_end - p);
  if ((word != "HELP" && word != "TYPE") || word_end == line.size()) return;  // a comment
  p = word_end;
  while (p < line.size() && IsBlank(line[p])) ++p;
  std::string_view name = Name(line, &p, kMetricStart, kMetricChar);
  if (name.empty() || (p < line.size() && !IsBlank(line[p]))) {
    Fail(ParseCode::kBadMetricName, "bad metric name in " + Quoted(line));
    return;
  }
  while (p < line.size() && IsBlank(line[p])) ++p;
  std::string_view rest = line.substr(p);
  if (word == "TYPE") {
    while (!rest.empty() && IsBlank(rest.back())) rest.remove_suffix(1);
  }
  Metadata(word, name, rest);
}

void Parser::Metadata(std::string_view kind, std::string_view name, std::string_view rest) {
  if (in_family_ && family_.name == name) {
    if (family_.samples > 0) {
      Fail(ParseCode::kMetadataAfterSamples,
           std::string(kind) + " for " + Quoted(name) + " after its samples");
      return;
    }
  } else {
    EndFamily();
    if (!StartFamily(name)) return;
  }
  bool om = format_ == Format::kOpenMetrics;
  auto duplicate = [&] {
    Fail(ParseCode::kDuplicateMetadata,
         "a second " + std::string(kind) + " line for " + Quoted(name));
  };
  if (kind == "TYPE") {
    if (family_.typed) return duplicate();
    static constexpr MetricType kAll[] = {MetricType::kCounter,   MetricType::kGauge,
                                          MetricType::kHistogram, MetricType::kGaugeHistogram,
                                          MetricType::kSummary,   MetricType::kInfo,
                                          MetricType::kStateSet,  MetricType::kUnknown};
    for (MetricType t : kAll) {
      bool only_om =
          t == MetricType::kGaugeHistogram || t == MetricType::kInfo || t == MetricType::kStateSet;
      if (rest == TypeWord(t, format_) && (om || !only_om)) {
        family_.type = t;
        family_.typed = true;
        return;
      }
    }
    Fail(ParseCode::kBadType, "unknown metric type " + Quoted(rest) + " for " + Quoted(name));
  } else if (kind == "HELP") {
    if (family_.help) return duplicate();
    if (!IsValidUtf8(rest)) {
      Fail(ParseCode::kInvalidUtf8, "HELP of " + Quoted(name) + " is not UTF-8");
      return;
    }
    for (size_t i = 0; om && i < rest.size(); ++i) {
      if (rest[i] != '\\') continue;
      if (i + 1 == rest.size() ||
          (rest[i + 1] != '\\' && rest[i + 1] != 'n' && rest[i + 1] != '"')) {
        Fail(ParseCode::kBadEscape, "bad escape in the HELP of " + Quoted(name));
        return;
      }
      ++i;
    }
    family_.help = Unescape(rest, om);
  } else {  // UNIT
    if (family_.unit) return duplicate();
    size_t p = 0;
    std::string_view unit = Name(rest, &p, kMetricChar, kMetricChar);
    if (p != rest.size() ||
        (!unit.empty() && !(name.size() > unit.size() + 1 && name.ends_with(unit) &&
                            name[name.size() - unit.size() - 1] == '_'))) {
      Fail(ParseCode::kBadUnit, "unit " + Quoted(rest) + " is not the suffix of " + Quoted(name));
      return;
    }
    family_.unit = std::string(unit);
  }
}

bool Parser::StartFamily(std::string_view name) {
  if (++families_ > limits_.max_series) {
    return Fail(ParseCode::kTooManySeries,
                "more than " + std::to_string(limits_.max_series) + " families");
  }
  if (!InsertHash(&seen_families_, &seen_families_used_, Mix(Hash(name)))) {
    return Fail(
        ParseCode::kFamilyNotContiguous,
        "metric family " + Quoted(name) + " appears a second time (its lines must be one group)");
  }
  family_.name.assign(name);
  family_.type = MetricType::kUnknown;
  family_.typed = false;
  family_.help.reset();
  family_.unit.reset();
  family_.samples = 0;
  in_family_ = true;
  return true;
}

void Parser::EndFamily() {
  if (!in_family_) return;
  in_family_ = false;
  sink_->OnFamilyEnd(family_);
  if (family_series_used_ > 0) {  // keep a small table, give a large one back
    if (family_series_.size() > 1024) {
      std::vector<uint64_t>().swap(family_series_);
    } else {
      std::fill(family_series_.begin(), family_series_.end(), 0);
    }
    family_series_used_ = 0;
  }
}

}  // namespace zabitan::prom_bridge
