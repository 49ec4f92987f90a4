// zabitan — whole expositions in memory and their canonical text (exposition.h).
#include "zabitan/prom_bridge/exposition.h"

#include <cmath>

#include "zabitan/prom_bridge/numbers.h"

namespace zabitan::prom_bridge {
namespace {

OwnedLabels Own(std::span<const Label> labels) {
  OwnedLabels out;
  out.reserve(labels.size());
  for (const Label& l : labels) out.emplace_back(std::string(l.name), l.Value());
  return out;
}

class Collector : public Sink {
 public:
  explicit Collector(std::vector<OwnedFamily>* out) : out_(out) {}

  void OnSample(const Family& family, const Sample& sample) override {
    if (!open_) Open(family);
    OwnedSample s{std::string(sample.name), Own(sample.labels), sample.value, sample.timestamp, {}};
    if (sample.exemplar) {
      s.exemplar = OwnedExemplar{Own(sample.exemplar->labels), sample.exemplar->value,
                                 sample.exemplar->timestamp};
    }
    out_->back().samples.push_back(std::move(s));
  }
  void OnFamilyEnd(const Family& family) override {
    if (!open_) Open(family);
    open_ = false;
  }

 private:
  void Open(const Family& family) {
    out_->push_back({family.name, family.type, family.typed, family.help, family.unit, {}});
    open_ = true;
  }
  std::vector<OwnedFamily>* out_;
  bool open_ = false;
};

void PrintLabels(const OwnedLabels& labels, std::string* out) {
  *out += '{';
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) *out += ',';
    *out += labels[i].first + "=\"" + Escape(labels[i].second) + "\"";
  }
  *out += '}';
}

bool SameValue(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || (a == b && std::signbit(a) == std::signbit(b));
}

bool SameSample(const OwnedSample& a, const OwnedSample& b) {
  if (a.name != b.name || a.labels != b.labels || !SameValue(a.value, b.value) ||
      a.timestamp != b.timestamp || a.exemplar.has_value() != b.exemplar.has_value()) {
    return false;
  }
  return !a.exemplar || (a.exemplar->labels == b.exemplar->labels &&
                         SameValue(a.exemplar->value, b.exemplar->value) &&
                         a.exemplar->timestamp == b.exemplar->timestamp);
}

}  // namespace

ParseResult ParseText(std::string_view text, Format format, const ParseLimits& limits,
                      std::vector<OwnedFamily>* out) {
  Collector collector(out);
  Parser parser(format, limits, &collector);
  parser.Feed(text);
  return parser.Finish();
}

std::string Print(const std::vector<OwnedFamily>& families, Format format) {
  bool om = format == Format::kOpenMetrics;
  auto ts = [&](const Timestamp& t) { return om ? FormatSeconds(t) : FormatMillis(t); };
  std::string out;
  for (const OwnedFamily& f : families) {
    if (f.typed) out += "# TYPE " + f.name + " " + std::string(TypeWord(f.type, format)) + "\n";
    if (f.unit) out += "# UNIT " + f.name + " " + *f.unit + "\n";
    if (f.help) out += "# HELP " + f.name + " " + Escape(*f.help, om) + "\n";
    for (const OwnedSample& s : f.samples) {
      out += s.name;
      if (!s.labels.empty()) PrintLabels(s.labels, &out);
      out += " " + FormatValue(s.value);
      if (s.timestamp) out += " " + ts(*s.timestamp);
      if (s.exemplar) {
        out += " # ";
        PrintLabels(s.exemplar->labels, &out);
        out += " " + FormatValue(s.exemplar->value);
        if (s.exemplar->timestamp) out += " " + ts(*s.exemplar->timestamp);
      }
      out += '\n';
    }
  }
  if (om) out += "# EOF\n";
  return out;
}

bool SameFamilies(const std::vector<OwnedFamily>& a, const std::vector<OwnedFamily>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const OwnedFamily& x = a[i];
    const OwnedFamily& y = b[i];
    if (x.name != y.name || x.type != y.type || x.typed != y.typed || x.help != y.help ||
        x.unit != y.unit || x.samples.size() != y.samples.size()) {
      return false;
    }
    for (size_t k = 0; k < x.samples.size(); ++k) {
      if (!SameSample(x.samples[k], y.samples[k])) return false;
    }
  }
  return true;
}

}  // namespace zabitan::prom_bridge
