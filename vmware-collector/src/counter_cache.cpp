#include "zabitan/vmware_collector/counter_cache.h"

#include <set>

#include <nlohmann/json.hpp>

#include "state_file.h"
#include "zabitan/common/whole_file.h"
#include "zabitan/vmware_collector/error.h"

// The file: {"counters": [[key, "group.name.rollup", "unit"], ...], "absent": ["path", ...]}.

namespace zabitan::vmware_collector {

CounterCache::CounterCache(const std::string& state_dir, const vsphere::ServiceContent& sc)
    : path_(state_dir + "/counters-" + vsphere::StateKey(sc.instance_uuid + "@" + sc.api_version) +
            ".json") {}

Status CounterCache::Lookup(const std::vector<std::string>& wanted,
                            std::map<std::string, vsphere::Counter>* catalogue) const {
  catalogue->clear();
  nlohmann::json j;
  if (Status s = ReadStateJson(path_, &j); !s.ok()) return s;
  if (!j.is_object() || !j["counters"].is_array() || !j["absent"].is_array())
    return Damaged(path_, "not a counter catalogue");
  for (const auto& c : j["counters"]) {
    if (!c.is_array() || c.size() != 3 || !c[0].is_number_integer() || !c[1].is_string() ||
        !c[2].is_string()) {
      catalogue->clear();
      return Damaged(path_, "a counter that is not [key, path, unit]");
    }
    vsphere::Counter counter{c[0].get<int>(), c[1].get<std::string>(), c[2].get<std::string>()};
    (*catalogue)[counter.path] = counter;
  }
  std::set<std::string> absent;
  for (const auto& a : j["absent"]) {
    if (a.is_string()) absent.insert(a.get<std::string>());
  }
  for (const std::string& p : wanted) {
    if (catalogue->count(p) == 0 && absent.count(p) == 0) {
      catalogue->clear();
      return Status::Error(path_ + ": " + p + " not cached", Errc::kCacheMiss);
    }
  }
  return Status::Ok();
}

Status CounterCache::Store(const std::map<std::string, vsphere::Counter>& catalogue,
                           const std::vector<std::string>& wanted) const {
  std::set<std::string> absent;
  for (const std::string& p : wanted) {
    if (catalogue.count(p) == 0) absent.insert(p);
  }
  nlohmann::json j{{"counters", nlohmann::json::array()}, {"absent", absent}};
  for (const auto& [path, c] : catalogue) j["counters"].push_back({c.key, c.path, c.unit});
  return WriteFileWhole(path_, j.dump() + "\n");
}

}  // namespace zabitan::vmware_collector
