// zabitan — escapes of label values and HELP texts, and the names of parse codes (parser.h).
#include <string>

#include "zabitan/prom_bridge/parser.h"

namespace zabitan::prom_bridge {

std::string Unescape(std::string_view raw, bool quote) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\\' && i + 1 < raw.size()) {
      char e = raw[i + 1];
      if (e == '\\' || e == 'n' || (quote && e == '"')) {
        out += e == 'n' ? '\n' : e;
        ++i;
        continue;
      }
    }
    out += c;
  }
  return out;
}

std::string Escape(std::string_view text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Label::Value() const { return escaped ? Unescape(raw) : std::string(raw); }

std::string_view CodeName(ParseCode code) {
  switch (code) {
    case ParseCode::kOk:
      return "ok";
    case ParseCode::kLineTooLong:
      return "line-too-long";
    case ParseCode::kTooManySeries:
      return "too-many-series";
    case ParseCode::kTooManyLabels:
      return "too-many-labels";
    case ParseCode::kLabelTooLong:
      return "label-too-long";
    case ParseCode::kSyntax:
      return "syntax";
    case ParseCode::kBadMetricName:
      return "bad-metric-name";
    case ParseCode::kBadLabelName:
      return "bad-label-name";
    case ParseCode::kBadEscape:
      return "bad-escape";
    case ParseCode::kBadValue:
      return "bad-value";
    case ParseCode::kBadTimestamp:
      return "bad-timestamp";
    case ParseCode::kInvalidUtf8:
      return "invalid-utf8";
    case ParseCode::kBadType:
      return "bad-type";
    case ParseCode::kDuplicateMetadata:
      return "duplicate-metadata";
    case ParseCode::kMetadataAfterSamples:
      return "metadata-after-samples";
    case ParseCode::kFamilyNotContiguous:
      return "family-not-contiguous";
    case ParseCode::kWrongType:
      return "wrong-type";
    case ParseCode::kDuplicateSeries:
      return "duplicate-series";
    case ParseCode::kDuplicateLabel:
      return "duplicate-label";
    case ParseCode::kMissingLabel:
      return "missing-label";
    case ParseCode::kBadExemplar:
      return "bad-exemplar";
    case ParseCode::kBadUnit:
      return "bad-unit";
    case ParseCode::kMissingEof:
      return "missing-eof";
    case ParseCode::kAfterEof:
      return "after-eof";
  }
  return "unknown";
}

}  // namespace zabitan::prom_bridge
