#include "zabitan/vsphere/perf.h"

#include <charconv>
#include <cstdio>
#include <ctime>

#include "zabitan/common/log.h"
#include "zabitan/vsphere/xml.h"

namespace zabitan::vsphere {

const std::map<std::string, std::vector<std::string>> kDefaultCounters = {
    {"VirtualMachine",
     {"cpu.usage.average", "cpu.ready.summation", "mem.consumed.average", "mem.active.average",
      "net.received.average", "net.transmitted.average", "virtualDisk.read.average",
      "virtualDisk.write.average"}},
    {"HostSystem",
     {"cpu.usage.average", "cpu.utilization.average", "mem.usage.average", "net.received.average",
      "net.transmitted.average", "power.power.average"}},
};

namespace {

std::string This(const ManagedObject& mo) {
  return "<_this type=\"" + Escape(mo.type) + "\">" + Escape(mo.value) + "</_this>";
}

std::string Format(int64_t raw, const std::string& unit) {
  if (unit != "percent") return std::to_string(raw);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%02lld", static_cast<long long>(raw / 100),
                static_cast<long long>(raw % 100));
  return buf;
}

}  // namespace

bool ParseTimestamp(const std::string& text, uint32_t* clock, uint32_t* ns) {
  std::tm tm{};
  int frac_start = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &frac_start) != 6) {
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
  if (i >= text.size() || text[i] != 'Z') return false;
  *clock = static_cast<uint32_t>(t);
  *ns = frac;
  return true;
}

Status ReadCounters(SoapClient& client, const ServiceContent& sc, std::map<std::string, Counter>* by_path) {
  SoapResult r;
  Status s = client.Call(
      "<RetrievePropertiesEx xmlns=\"urn:vim25\">" + This(sc.property_collector) +
          "<specSet><propSet><type>PerformanceManager</type><pathSet>perfCounter</pathSet></propSet>"
          "<objectSet><obj type=\"" + Escape(sc.perf_manager.type) + "\">" + Escape(sc.perf_manager.value) +
          "</obj></objectSet></specSet><options/></RetrievePropertiesEx>",
      &r);
  if (!s.ok()) return s.Prefixed("perfCounter");
  pugi::xml_node val = Child(Child(Child(Child(r.body, "returnval"), "objects"), "propSet"), "val");
  for (pugi::xml_node c = val.first_child(); c; c = c.next_sibling()) {
    Counter counter;
    counter.key = std::atoi(ChildText(c, "key").c_str());
    std::string group = ChildText(Child(c, "groupInfo"), "key");
    std::string name = ChildText(Child(c, "nameInfo"), "key");
    std::string rollup = ChildText(c, "rollupType");
    counter.unit = ChildText(Child(c, "unitInfo"), "key");
    if (group.empty() || name.empty()) continue;
    counter.path = group + "." + name + "." + rollup;
    (*by_path)[counter.path] = counter;
  }
  if (by_path->empty()) return Status::Error("perfCounter: the catalogue is empty");
  return Status::Ok();
}

Status QueryRealtime(SoapClient& client, const ServiceContent& sc, const std::vector<const Entity*>& entities,
                     const std::vector<const Counter*>& counters, int max_sample,
                     std::vector<Sample>* samples, size_t per_call) {
  std::map<std::string, const Entity*> by_moref;
  std::map<int, const Counter*> by_key;
  for (const Counter* c : counters) by_key[c->key] = c;
  std::string metrics;
  for (const Counter* c : counters) {
    metrics += "<metricId><counterId>" + std::to_string(c->key) + "</counterId><instance></instance></metricId>";
  }
  for (size_t begin = 0; begin < entities.size(); begin += per_call) {
    std::string specs;
    for (size_t i = begin; i < std::min(entities.size(), begin + per_call); ++i) {
      const Entity* e = entities[i];
      by_moref[e->moref.value] = e;
      specs += "<querySpec><entity type=\"" + Escape(e->moref.type) + "\">" + Escape(e->moref.value) +
               "</entity><maxSample>" + std::to_string(max_sample) + "</maxSample>" + metrics +
               "<intervalId>20</intervalId></querySpec>";
    }
    SoapResult r;
    Status s = client.Call("<QueryPerf xmlns=\"urn:vim25\">" + This(sc.perf_manager) + specs + "</QueryPerf>", &r);
    if (!s.ok()) return s.Prefixed("QueryPerf");
    for (pugi::xml_node em = r.body.first_child(); em; em = em.next_sibling()) {
      if (LocalName(em.name()) != "returnval") continue;
      auto entity = by_moref.find(ChildText(em, "entity"));
      if (entity == by_moref.end()) continue;
      std::vector<std::pair<uint32_t, uint32_t>> times;
      for (pugi::xml_node si = em.first_child(); si; si = si.next_sibling()) {
        if (LocalName(si.name()) != "sampleInfo") continue;
        uint32_t clock, ns;
        if (!ParseTimestamp(ChildText(si, "timestamp"), &clock, &ns)) return Status::Error("QueryPerf: bad timestamp");
        times.push_back({clock, ns});
      }
      for (pugi::xml_node series = em.first_child(); series; series = series.next_sibling()) {
        if (LocalName(series.name()) != "value") continue;
        pugi::xml_node id = Child(series, "id");
        auto counter = by_key.find(std::atoi(ChildText(id, "counterId").c_str()));
        if (counter == by_key.end()) continue;  // a counter we did not ask for: ignore
        std::vector<int64_t> raw;
        for (pugi::xml_node v = series.first_child(); v; v = v.next_sibling()) {
          if (LocalName(v.name()) != "value") continue;
          int64_t n = 0;
          std::string text = v.text().get();
          std::from_chars(text.data(), text.data() + text.size(), n);
          raw.push_back(n);
        }
        if (raw.size() != times.size()) {
          // Cannot tell which sample a value belongs to (the simulator drops zeros): skip.
          log::Debug("QueryPerf: " + counter->second->path + " of " + entity->second->name + ": " +
                     std::to_string(raw.size()) + " values for " + std::to_string(times.size()) + " samples, skipped");
          continue;
        }
        for (size_t i = 0; i < raw.size(); ++i) {
          if (raw[i] < 0) continue;  // -1: no data for that sample
          samples->push_back({entity->second, counter->second, times[i].first, times[i].second,
                              Format(raw[i], counter->second->unit)});
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace zabitan::vsphere
