#include "perf_replies.h"

#include <charconv>
#include <cstdio>
#include <ctime>

#include "xml.h"
#include "zabitan/common/printable.h"
#include "zabitan/vsphere/error.h"

// The reply shapes read here (elements by local name; prefixes and xsi:type spellings vary):
//
//   RetrievePropertiesExResponse/returnval := objects := obj(type attr, moref text) propSet := name
//   val QueryPerfResponse/returnval* := entity sampleInfo* value*
//     sampleInfo := timestamp interval                  value := id(counterId instance) value*
//   QueryOptionsResponse/returnval* := key value

namespace zabitan::vsphere {
namespace {

bool ParseInt(std::string_view text, int64_t* out) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\n' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\t'))
    text.remove_suffix(1);
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

Status ParseCounters(pugi::xml_node response, std::map<std::string, Counter>* by_path) {
  pugi::xml_node val =
      Child(Child(Child(Child(response, "returnval"), "objects"), "propSet"), "val");
  for (pugi::xml_node c = val.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    Counter counter;
    int64_t key = 0;
    if (!ParseInt(ChildText(c, "key"), &key) || key < INT32_MIN || key > INT32_MAX) continue;
    counter.key = static_cast<int>(key);
    std::string group = ChildText(Child(c, "groupInfo"), "key");
    std::string name = ChildText(Child(c, "nameInfo"), "key");
    std::string rollup = ChildText(c, "rollupType");
    counter.unit = ChildText(Child(c, "unitInfo"), "key");
    // Looked up as "group.name.rollup": a part that is empty or has a dot of its own would
    // make that ambiguous (no real counter has one).
    bool usable = true;
    for (const std::string* part : {&group, &name, &rollup}) {
      usable &= !part->empty() && part->find('.') == std::string::npos;
    }
    if (!usable) continue;
    counter.path = group + "." + name + "." + rollup;
    (*by_path)[counter.path] = counter;
  }
  if (by_path->empty())
    return Status::Error("perfCounter: the catalogue is empty", Error::kBadReply);
  return Status::Ok();
}

Status ParsePerf(pugi::xml_node response, const std::map<std::string, const Entity*>& by_moref,
                 const std::map<int, const Counter*>& by_key, PerfResult* result) {
  for (pugi::xml_node em = response.first_child(); em; em = em.next_sibling()) {
    if (LocalName(em.name()) != "returnval") continue;
    auto entity = by_moref.find(ChildText(em, "entity"));
    if (entity == by_moref.end()) continue;
    std::vector<std::pair<uint32_t, uint32_t>> times;
    for (pugi::xml_node si = em.first_child(); si; si = si.next_sibling()) {
      if (LocalName(si.name()) != "sampleInfo") continue;
      uint32_t clock, ns;
      std::string text = ChildText(si, "timestamp");
      if (!ParseTimestamp(text, &clock, &ns)) {
        return Status::Error("QueryPerf: bad timestamp \"" + Printable(text, 60) + "\"",
                             Error::kBadReply);
      }
      times.push_back({clock, ns});
    }
    for (pugi::xml_node series = em.first_child(); series; series = series.next_sibling()) {
      if (LocalName(series.name()) != "value") continue;
      pugi::xml_node id = Child(series, "id");
      int64_t key = 0;
      if (!ParseInt(ChildText(id, "counterId"), &key)) continue;
      auto counter =
          key >= INT32_MIN && key <= INT32_MAX ? by_key.find(static_cast<int>(key)) : by_key.end();
      if (counter == by_key.end()) continue;  // a counter we did not ask for: ignore
      std::string instance = ChildText(id, "instance");
      result->series.push_back({entity->second, counter->second, instance});
      std::vector<int64_t> raw;
      bool bad = false;
      for (pugi::xml_node v = series.first_child(); v; v = v.next_sibling()) {
        if (LocalName(v.name()) != "value") continue;
        int64_t n = 0;
        bad |= !ParseInt(v.text().get(), &n);
        raw.push_back(n);
      }
      // A series must have one value per timestamp, or which value belongs to which sample
      // cannot be told (stock vcsim drops zeros): skipped whole, as is one with a malformed value.
      if (bad || raw.size() != times.size()) continue;
      for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] < 0) continue;  // -1: no data for that sample
        result->samples.push_back({entity->second, counter->second, instance, times[i].first,
                                   times[i].second, FormatValue(raw[i], counter->second->unit)});
      }
    }
  }
  return Status::Ok();
}

bool ParseMaxQueryMetrics(pugi::xml_node response, int64_t* limit) {
  for (pugi::xml_node rv = response.first_child(); rv; rv = rv.next_sibling()) {
    if (LocalName(rv.name()) != "returnval") continue;
    if (ChildText(rv, "key") != "config.vpxd.stats.maxQueryMetrics") continue;
    int64_t v = 0;
    if (!ParseInt(ChildText(rv, "value"), &v)) return false;
    *limit = v;
    return true;
  }
  return false;
}

bool ParseTimestamp(std::string_view view, uint32_t* clock, uint32_t* ns) {
  std::string text(view.substr(0, 64));
  std::tm tm{};
  int frac_start = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &frac_start) != 6) {
    return false;
  }
  if (tm.tm_year < 1970 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
      tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 || tm.tm_sec < 0 ||
      tm.tm_sec > 60) {
    return false;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  time_t t = timegm(&tm);
  if (t < 0 || t > 0x7fffffff) return false;
  uint32_t frac = 0;
  size_t i = static_cast<size_t>(frac_start);
  if (i < text.size() && text[i] == '.') {
    uint32_t scale = 100000000;
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      frac += static_cast<uint32_t>(text[i] - '0') * scale;
      scale /= 10;
    }
  }
  // Only UTC ("Z") is what vSphere sends; an offset would shift every sample.
  if (i >= text.size() || text[i] != 'Z' || i + 1 != view.size()) return false;
  *clock = static_cast<uint32_t>(t);
  *ns = frac;
  return true;
}

std::string FormatValue(int64_t raw, std::string_view unit) {
  if (unit != "percent") return std::to_string(raw);
  char buf[32];
  const char* sign = raw < 0 ? "-" : "";
  uint64_t magnitude = raw < 0 ? 0 - static_cast<uint64_t>(raw) : static_cast<uint64_t>(raw);
  std::snprintf(buf, sizeof buf, "%s%llu.%02llu", sign,
                static_cast<unsigned long long>(magnitude / 100),
                static_cast<unsigned long long>(magnitude % 100));
  return buf;
}

}  // namespace zabitan::vsphere
