#include "zabitan/vmware_collector/inventory_file.h"

#include <nlohmann/json.hpp>

#include "state_file.h"
#include "zabitan/common/whole_file.h"

namespace zabitan::vmware_collector {

Status LoadInventory(const std::string& path, vsphere::Inventory* inv) {
  *inv = vsphere::Inventory{};
  nlohmann::json j;
  if (Status s = ReadStateJson(path, &j); !s.ok()) return s;
  auto moref = [](const nlohmann::json& m, vsphere::ManagedObject* out) {
    if (!m.is_array() || m.size() != 2 || !m[0].is_string() || !m[1].is_string()) return false;
    *out = {m[0].get<std::string>(), m[1].get<std::string>()};
    return true;
  };
  vsphere::Inventory loaded;
  bool ok = j.is_object() && j.value("session", nlohmann::json()).is_string() &&
            j.value("version", nlohmann::json()).is_string() &&
            j.value("full_read", nlohmann::json()).is_number_integer() &&
            j.value("max_query_metrics", nlohmann::json()).is_number_integer() &&
            j.value("entities", nlohmann::json()).is_array() &&
            moref(j["collector"], &loaded.collector) && moref(j["view"], &loaded.view);
  if (ok) {
    loaded.session = j["session"].get<std::string>();
    loaded.version = j["version"].get<std::string>();
    loaded.full_read = j["full_read"].get<int64_t>();
    loaded.max_query_metrics = j["max_query_metrics"].get<int64_t>();
    for (const auto& row : j["entities"]) {
      vsphere::Entity e;
      ok = row.is_object() && moref(row.value("moref", nlohmann::json()), &e.moref) &&
           row.value("properties", nlohmann::json()).is_object() &&
           row.value("name", nlohmann::json()).is_string();
      if (!ok) break;
      e.name = row["name"].get<std::string>();
      for (const auto& [k, v] : row["properties"].items()) {
        if (!v.is_string())
          ok = false;
        else
          e.Set(k, v.get<std::string>());
      }
      if (!ok) break;
      loaded.entities[vsphere::Inventory::Key(e.moref)] = std::move(e);
    }
  }
  if (!ok) return Damaged(path, "not an inventory");
  *inv = std::move(loaded);
  return Status::Ok();
}

Status SaveInventory(const std::string& path, const vsphere::Inventory& inv) {
  nlohmann::json j{{"session", inv.session},
                   {"collector", {inv.collector.type, inv.collector.value}},
                   {"view", {inv.view.type, inv.view.value}},
                   {"version", inv.version},
                   {"full_read", inv.full_read},
                   {"max_query_metrics", inv.max_query_metrics},
                   {"entities", nlohmann::json::array()}};
  for (const auto& [key, e] : inv.entities) {
    j["entities"].push_back(
        {{"moref", {e.moref.type, e.moref.value}}, {"name", e.name}, {"properties", e.properties}});
  }
  // Names of VMs and hosts can be anything: invalid UTF-8 is replaced rather than refused.
  return WriteFileWhole(path,
                        j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace zabitan::vmware_collector
