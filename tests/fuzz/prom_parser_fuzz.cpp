// Fuzz target: the Prometheus text 0.0.4 / OpenMetrics parser of prom-bridge (zabitan-prom).
//
// First byte: bit 0 selects OpenMetrics, bit 1 the generated mode; the next byte picks where the
// input is cut in two chunks. The rest is the exposition text (or, in generated mode, the
// bytes a document is built from).
//
// Properties (a violation aborts):
//  - round trip: a text that parses prints canonically (Print) to a text that parses to the
//    same families, and whose canonical print is the same text again;
//  - chunks: fed in two chunks cut anywhere, the verdict and the families are the same;
//  - an independent count: every sample line gives one sample (a line that is not empty and
//    does not start with '#' after 0.0.4's leading blanks);
//  - an error is one line starting "line N: " with N at most the number of lines + 1;
//  - generated mode, an independent oracle: a document built here from the bytes (distinct
//    families, every type's sample names, label values with quotes, backslashes, newlines
//    and UTF-8, any double) and written by this file's own printer parses to exactly it.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "zabitan/prom_bridge/exposition.h"
#include "zabitan/prom_bridge/numbers.h"

namespace {

using namespace zabitan::prom_bridge;

size_t SampleLines(std::string_view text, Format format) {
  size_t n = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (format == Format::kText004) {
      while (!line.empty() && (line[0] == ' ' || line[0] == '\t')) line.remove_prefix(1);
    }
    if (!line.empty() && line[0] != '#') ++n;
  }
  return n;
}

size_t Samples(const std::vector<OwnedFamily>& doc) {
  size_t n = 0;
  for (const OwnedFamily& f : doc) n += f.samples.size();
  return n;
}

void CheckError(const ParseResult& r, std::string_view text) {
  CHECK(!r.message.empty() && r.message.find('\n') == std::string::npos);
  CHECK(r.message.starts_with("line " + std::to_string(r.line) + ": "));
  size_t lines = 1 + static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
  CHECK(r.line >= 1 && r.line <= lines + 1);
}

// Reads bytes off the front of the input; zeros when it runs out.
struct Bytes {
  std::string_view data;
  uint8_t Next() {
    if (data.empty()) return 0;
    uint8_t b = static_cast<uint8_t>(data[0]);
    data.remove_prefix(1);
    return b;
  }
};

// An independent writer of label values (the grammar's three escapes).
std::string Quote(const std::string& v) {
  std::string out = "\"";
  for (char c : v)
    out += c == '"'    ? std::string("\\\"")
           : c == '\\' ? std::string("\\\\")
           : c == '\n' ? std::string("\\n")
                       : std::string(1, c);
  return out + "\"";
}

void Generated(Bytes in, Format format) {
  bool om = format == Format::kOpenMetrics;
  static const char* const kPieces[] = {"a", "\"", "\\", "\n", " ",    "#",   "{",
                                        "}", ",",  "=",  "é",  "日本", "\\n", "x"};
  std::vector<OwnedFamily> want;
  std::string text;
  int families = 1 + in.Next() % 5;
  for (int f = 0; f < families; ++f) {
    uint8_t kind = in.Next() % (om ? 5 : 3);  // gauge, counter, untyped, (OM) info, histogram
    OwnedFamily fam;
    fam.name = "f" + std::to_string(f) + "_x";
    fam.typed = kind != 2;
    fam.type = kind == 0   ? MetricType::kGauge
               : kind == 1 ? MetricType::kCounter
               : kind == 3 ? MetricType::kInfo
               : kind == 4 ? MetricType::kHistogram
                           : MetricType::kUnknown;
    std::string suffix = kind == 1 && om ? "_total"
                         : kind == 3     ? "_info"
                         : kind == 4     ? "_count"
                                         : "";
    if (fam.typed)
      text += "# TYPE " + fam.name + " " + std::string(TypeWord(fam.type, format)) + "\n";
    int samples = in.Next() % 4;
    if (samples == 0 || in.Next() % 2) {  // HELP (a family with no sample and no HELP is no family)
      std::string help = "h", written = "h";
      for (int k = in.Next() % 6; k > 0; --k) {
        std::string piece = kPieces[in.Next() % std::size(kPieces)];
        help += piece;
        for (char c : piece)
          written += c == '\\'        ? "\\\\"
                     : c == '\n'      ? "\\n"
                     : c == '"' && om ? "\\\""
                                      : std::string(1, c);
      }
      fam.help = help;
      text += "# HELP " + fam.name + " " + written + "\n";
    }
    for (int s = 0; s < samples; ++s) {
      OwnedSample sample;
      sample.name = fam.name + suffix;
      sample.labels.emplace_back("i", std::to_string(s));  // keeps the series distinct
      int extra = in.Next() % 3;
      for (int l = 0; l < extra; ++l) {
        std::string value;
        for (int k = in.Next() % 6; k > 0; --k) value += kPieces[in.Next() % std::size(kPieces)];
        sample.labels.emplace_back("l" + std::to_string(l), value);
      }
      uint64_t bits = 0;
      for (int k = 0; k < 8; ++k) bits = bits << 8 | in.Next();
      std::memcpy(&sample.value, &bits, sizeof bits);
      if (std::isnan(sample.value)) sample.value = std::nan("");
      text += sample.name + "{";
      for (size_t l = 0; l < sample.labels.size(); ++l) {
        text += (l ? "," : "") + sample.labels[l].first + "=" + Quote(sample.labels[l].second);
      }
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", sample.value);
      std::string v = std::isnan(sample.value)   ? "NaN"
                      : std::isinf(sample.value) ? (sample.value > 0 ? "+Inf" : "-Inf")
                                                 : buf;
      text += "} " + v + "\n";
      fam.samples.push_back(std::move(sample));
    }
    want.push_back(std::move(fam));
  }
  if (om) text += "# EOF\n";
  std::vector<OwnedFamily> got;
  ParseResult r = ParseText(text, format, {}, &got);
  if (!r.ok()) std::fprintf(stderr, "%s\n---\n%s", r.message.c_str(), text.c_str());
  CHECK(r.ok());
  CHECK(SameFamilies(got, want));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2 || size > 64 * 1024) return 0;
  Format format = data[0] & 1 ? Format::kOpenMetrics : Format::kText004;
  std::string_view text(reinterpret_cast<const char*>(data) + 2, size - 2);
  if (data[0] & 2) {
    Generated(Bytes{text}, format);
    return 0;
  }
  std::vector<OwnedFamily> doc;
  ParseResult r = ParseText(text, format, {}, &doc);

  // The same text in two chunks.
  struct Count : Sink {
    void OnSample(const Family&, const Sample&) override { ++n; }
    size_t n = 0;
  } count;
  Parser chunked(format, {}, &count);
  size_t cut = data[1] * text.size() / 255;
  chunked.Feed(text.substr(0, cut));
  chunked.Feed(text.substr(cut));
  const ParseResult& r2 = chunked.Finish();
  CHECK(r2.code == r.code && r2.line == r.line && r2.message == r.message);

  if (!r.ok()) {
    CheckError(r, text);
    return 0;
  }
  CHECK(count.n == Samples(doc));
  CHECK(Samples(doc) == SampleLines(text, format));
  std::string printed = Print(doc, format);
  std::vector<OwnedFamily> again;
  ParseResult r3 = ParseText(printed, format, {}, &again);
  if (!r3.ok()) std::fprintf(stderr, "reparse: %s\n---\n%s", r3.message.c_str(), printed.c_str());
  CHECK(r3.ok());
  CHECK(SameFamilies(doc, again));
  CHECK(Print(again, format) == printed);
  return 0;
}
