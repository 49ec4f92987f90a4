#include "zabitan/vsphere/discovery.h"

#include <map>
#include <nlohmann/json.hpp>

namespace zabitan::vsphere {

std::vector<sender::Value> DiscoveryValues(const std::string& endpoint, const std::vector<Entity>& entities,
                                           uint32_t clock) {
  std::map<std::string, std::string> host_uuid;  // HostSystem moref -> uuid, for {#VM.HV.UUID}
  for (const Entity& e : entities) {
    if (e.moref.type == "HostSystem") host_uuid[e.moref.value] = e.uuid;
  }
  nlohmann::json hvs = nlohmann::json::array(), vms = nlohmann::json::array(),
                 datastores = nlohmann::json::array();
  std::vector<sender::Value> values;
  auto value = [&values, clock](const std::string& host, const std::string& key, const std::string& v) {
    values.push_back({host, key, v, clock, 0u});  // with ns: --dry-run prints one format, -T -N
  };
  auto prop = [](const Entity& e, const std::string& path) {
    auto it = e.properties.find(path);
    return it == e.properties.end() ? std::string() : it->second;
  };
  for (const Entity& e : entities) {
    if (e.uuid.empty()) continue;  // not identifiable across runs: skipped
    if (e.moref.type == "HostSystem") {
      hvs.push_back({{"{#HV.UUID}", e.uuid}, {"{#HV.NAME}", e.name}});
    } else if (e.moref.type == "VirtualMachine") {
      auto hv = host_uuid.find(prop(e, "runtime.host"));
      vms.push_back({{"{#VM.UUID}", e.uuid},
                     {"{#VM.NAME}", e.name},
                     {"{#VM.HV.UUID}", hv == host_uuid.end() ? "" : hv->second}});
    } else if (e.moref.type == "Datastore") {
      datastores.push_back(
          {{"{#DATASTORE.UUID}", e.uuid}, {"{#DATASTORE.NAME}", e.name}, {"{#DATASTORE.TYPE}", prop(e, "summary.type")}});
    }
  }
  value(endpoint, "zabitan.vmware.hv.discovery", hvs.dump());
  value(endpoint, "zabitan.vmware.vm.discovery", vms.dump());
  value(endpoint, "zabitan.vmware.datastore.discovery", datastores.dump());
  for (const Entity& e : entities) {
    if (e.uuid.empty()) continue;
    if (e.moref.type == "Datastore") {
      value(endpoint, "zabitan.vmware.datastore.size[" + e.uuid + ",total]", prop(e, "summary.capacity"));
      value(endpoint, "zabitan.vmware.datastore.size[" + e.uuid + ",free]", prop(e, "summary.freeSpace"));
    } else if (e.moref.type == "HostSystem") {
      value(e.uuid, "zabitan.vmware.hv.powerstate", prop(e, "runtime.powerState"));
    } else if (e.moref.type == "VirtualMachine") {
      value(e.uuid, "zabitan.vmware.vm.powerstate", prop(e, "runtime.powerState"));
    }
  }
  return values;
}

}  // namespace zabitan::vsphere
