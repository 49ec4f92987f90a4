// zabitan — sample lines and label sets of the Prometheus parser (parser.h); the grammar is
// at the top of parser.cpp.
#include <span>
#include <string>

#include "lexing.h"
#include "zabitan/common/utf8.h"
#include "zabitan/prom_bridge/numbers.h"
#include "zabitan/prom_bridge/parser.h"

namespace zabitan::prom_bridge {

using namespace lexing;

namespace {

const Label* Find(std::span<const Label> labels, std::string_view name) {
  for (const Label& l : labels) {
    if (l.name == name) return &l;
  }
  return nullptr;
}

}  // namespace

std::string_view Parser::SuffixIn(std::string_view sample_name) const {
  static constexpr std::string_view kNone = "?";  // not in this family
  if (!in_family_ || !sample_name.starts_with(family_.name)) return kNone;
  std::string_view suffix = sample_name.substr(family_.name.size());
  bool om = format_ == Format::kOpenMetrics;
  auto any = [&](std::initializer_list<std::string_view> allowed) {
    for (std::string_view a : allowed) {
      if (suffix == a) return true;
    }
    return false;
  };
  bool ok = false;
  switch (family_.type) {
    case MetricType::kUnknown:
    case MetricType::kGauge:
    case MetricType::kStateSet:
      ok = suffix.empty();
      break;
    case MetricType::kCounter:
      ok = om ? any({"_total", "_created"}) : suffix.empty();
      break;
    case MetricType::kHistogram:
      ok = any({"_bucket", "_count", "_sum"}) || (om && suffix == "_created");
      break;
    case MetricType::kGaugeHistogram:
      ok = any({"_bucket", "_gcount", "_gsum"});
      break;
    case MetricType::kSummary:
      ok = any({"", "_count", "_sum"}) || (om && suffix == "_created");
      break;
    case MetricType::kInfo:
      ok = suffix == "_info";
      break;
  }
  return ok ? suffix : kNone;
}

void Parser::SampleLine(std::string_view line) {
  bool om = format_ == Format::kOpenMetrics;
  size_t p = 0;
  std::string_view name = Name(line, &p, kMetricStart, kMetricChar);
  if (name.empty()) {
    Fail(ParseCode::kBadMetricName, "expected a metric name at " + Quoted(line));
    return;
  }
  auto blanks = [&] {
    size_t from = p;
    if (om) {
      if (p < line.size() && line[p] == ' ') ++p;
    } else {
      while (p < line.size() && IsBlank(line[p])) ++p;
    }
    return p > from;
  };
  auto token = [&] {
    size_t from = p;
    while (p < line.size() && line[p] != ' ' && (om || line[p] != '\t')) ++p;
    return line.substr(from, p - from);
  };
  labels_.clear();
  size_t after_name = p;
  if (!om) blanks();  // 0.0.4 allows blanks before '{'
  if (p < line.size() && line[p] == '{') {
    if (!Labels(line, &p, &labels_, false)) return;
  } else {
    p = after_name;
  }
  if (!blanks() || p == line.size()) {
    Fail(ParseCode::kSyntax, "expected a value after " + Quoted(line.substr(0, p)));
    return;
  }
  std::string_view value_text = token();
  double value;
  if (!ParseValue(value_text, &value)) {
    Fail(ParseCode::kBadValue, "bad value " + Quoted(value_text) + " of " + Quoted(name));
    return;
  }
  std::optional<Timestamp> timestamp;
  bool has_exemplar = false;
  auto read_timestamp = [&](std::optional<Timestamp>* out) {
    std::string_view text = token();
    Timestamp ts;
    if (!(om ? ParseSeconds(text, &ts) : ParseMillis(text, &ts))) {
      return Fail(ParseCode::kBadTimestamp,
                  "bad timestamp " + Quoted(text) + " of " + Quoted(name));
    }
    *out = ts;
    return true;
  };
  if (blanks()) {
    if (p == line.size() && om) {
      Fail(ParseCode::kSyntax, "a space at the end of the line");
      return;
    }
    if (p < line.size() && !(om && line[p] == '#') && !read_timestamp(&timestamp)) return;
    if (om && (line.substr(p, 3) == " # " || line.substr(p, 2) == "# ")) {
      p += line[p] == ' ' ? 3 : 2;
      has_exemplar = true;
      exemplar_labels_.clear();
      if (p >= line.size() || line[p] != '{') {
        Fail(ParseCode::kBadExemplar, "expected the exemplar's labels in " + Quoted(line));
        return;
      }
      if (!Labels(line, &p, &exemplar_labels_, true)) return;
      std::string_view text = (blanks(), token());
      if (!ParseValue(text, &exemplar_.value)) {
        Fail(ParseCode::kBadExemplar, "bad exemplar value " + Quoted(text) + " of " + Quoted(name));
        return;
      }
      exemplar_.timestamp.reset();
      if (blanks() && !read_timestamp(&exemplar_.timestamp)) return;
      exemplar_.labels = exemplar_labels_;
    }
    if (!om) blanks();
  }
  if (p != line.size()) {
    Fail(ParseCode::kSyntax,
         "unexpected " + Quoted(line.substr(p)) + " after the value of " + Quoted(name));
    return;
  }

  std::string_view suffix = SuffixIn(name);
  if (suffix == "?") {
    if (in_family_ && name == family_.name) {
      Fail(ParseCode::kWrongType, "sample " + Quoted(name) + " does not fit its family's TYPE " +
                                      std::string(TypeWord(family_.type, format_)));
      return;
    }
    EndFamily();
    if (!StartFamily(name)) return;
    suffix = {};
  }
  if (++series_ > limits_.max_series) {
    Fail(ParseCode::kTooManySeries, "more than " + std::to_string(limits_.max_series) + " series");
    return;
  }
  MetricType type = family_.type;
  std::string_view required;
  if (suffix == "_bucket") required = "le";
  if (type == MetricType::kSummary && suffix.empty()) required = "quantile";
  if (type == MetricType::kStateSet) required = family_.name;
  if (!required.empty()) {
    const Label* l = Find(labels_, required);
    double bound;
    if (!l) {
      Fail(ParseCode::kMissingLabel, Quoted(name) + " without its label " + Quoted(required));
      return;
    }
    if (type != MetricType::kStateSet && !ParseValue(l->raw, &bound)) {
      Fail(ParseCode::kBadValue,
           "bad " + std::string(required) + " " + Quoted(l->raw) + " of " + Quoted(name));
      return;
    }
  }
  if (has_exemplar) {
    bool allowed = (type == MetricType::kCounter && suffix == "_total") ||
                   ((type == MetricType::kHistogram || type == MetricType::kGaugeHistogram) &&
                    suffix == "_bucket");
    size_t chars = 0;
    for (const Label& l : exemplar_labels_) chars += l.name.size() + l.raw.size();
    if (!allowed || chars > kExemplarMaxChars) {
      Fail(ParseCode::kBadExemplar,
           allowed ? "exemplar labels longer than 128 characters in " + Quoted(name)
                   : "an exemplar on " + Quoted(name) + ", which allows none");
      return;
    }
  }
  if (limits_.check_duplicate_series) {
    uint64_t sum = 0;  // order-free: {a,b} and {b,a} are one label set
    for (const Label& l : labels_) sum += Mix(Hash(l.name) * 31 + Hash(l.raw));
    uint64_t h = Mix(Hash(name) ^ sum);
    if (timestamp)
      h = Mix(h ^ static_cast<uint64_t>(timestamp->seconds) * 1'000'000'007ULL ^ timestamp->nanos);
    if (!InsertHash(&family_series_, &family_series_used_, h)) {
      Fail(ParseCode::kDuplicateSeries,
           "series " + Quoted(labels_.empty() ? name : line.substr(0, line.find('}') + 1)) +
               " appears twice");
      return;
    }
  }
  ++family_.samples;
  Sample sample;
  sample.name = name;
  sample.suffix = suffix;
  sample.labels = labels_;
  sample.value = value;
  sample.timestamp = timestamp;
  sample.exemplar = has_exemplar ? &exemplar_ : nullptr;
  sample.line = line_no_;
  sink_->OnSample(family_, sample);
}

bool Parser::Labels(std::string_view line, size_t* pos, std::vector<Label>* out, bool exemplar) {
  bool om = format_ == Format::kOpenMetrics;
  size_t p = *pos + 1;  // after '{'
  auto blanks = [&] {
    while (!om && p < line.size() && IsBlank(line[p])) ++p;
  };
  const char* what = exemplar ? "exemplar label" : "label";
  blanks();
  if (p < line.size() && line[p] == '}') {
    *pos = p + 1;
    return true;
  }
  for (;;) {
    blanks();
    if (!om && p < line.size() && line[p] == '}') break;  // 0.0.4: a trailing comma
    std::string_view name = Name(line, &p, kLabelStart, kLabelChar);
    if (name.empty())
      return Fail(ParseCode::kBadLabelName,
                  std::string("bad ") + what + " name at " + Quoted(line.substr(p)));
    blanks();
    if (p >= line.size() || line[p] != '=')
      return Fail(ParseCode::kSyntax, "expected '=' after " + Quoted(name));
    ++p;
    blanks();
    if (p >= line.size() || line[p] != '"')
      return Fail(ParseCode::kSyntax, "expected '\"' after " + Quoted(name) + "=");
    size_t begin = ++p;
    bool escaped = false, ascii = true;
    for (;; ++p) {
      if (p >= line.size())
        return Fail(ParseCode::kSyntax, "unterminated value of " + Quoted(name));
      char c = line[p];
      if (c == '"') break;
      if (c == '\\') {
        char e = p + 1 < line.size() ? line[p + 1] : '\0';
        if (e != '\\' && e != '"' && e != 'n')
          return Fail(ParseCode::kBadEscape, "bad escape in the value of " + Quoted(name));
        escaped = true;
        ++p;
      } else if (static_cast<unsigned char>(c) >= 0x80) {
        ascii = false;
      }
    }
    std::string_view raw = line.substr(begin, p - begin);
    ++p;
    if (name.size() > limits_.max_label_bytes || raw.size() > limits_.max_label_bytes) {
      return Fail(ParseCode::kLabelTooLong, std::string(what) + " " + Quoted(name) +
                                                " longer than " +
                                                std::to_string(limits_.max_label_bytes) + " bytes");
    }
    if (!ascii && !IsValidUtf8(raw))
      return Fail(ParseCode::kInvalidUtf8, "the value of " + Quoted(name) + " is not UTF-8");
    if (out->size() >= limits_.max_labels) {
      return Fail(ParseCode::kTooManyLabels,
                  "more than " + std::to_string(limits_.max_labels) + " labels");
    }
    if (Find(*out, name))
      return Fail(ParseCode::kDuplicateLabel, std::string(what) + " " + Quoted(name) + " twice");
    out->push_back({name, raw, escaped});
    blanks();
    if (p < line.size() && line[p] == ',') {
      ++p;
      continue;
    }
    if (p < line.size() && line[p] == '}') break;
    return Fail(ParseCode::kSyntax, "expected ',' or '}' at " + Quoted(line.substr(p)));
  }
  *pos = p + 1;
  return true;
}

}  // namespace zabitan::prom_bridge
