#include "zabitan/vsphere/types.h"

// No I/O here: the fuzz target links it without libcurl.

namespace zabitan::vsphere {

const std::map<std::string, std::vector<std::string>> kInventoryProperties = {
    {"HostSystem",
     {"hardware.systemInfo.uuid", "runtime.powerState", "runtime.connectionState",
      "summary.quickStats.uptime"}},
    {"VirtualMachine",
     {"config.instanceUuid", "runtime.powerState", "runtime.host",
      "summary.quickStats.uptimeSeconds"}},
    {"Datastore",
     {"summary.url", "summary.capacity", "summary.freeSpace", "summary.uncommitted",
      "summary.type"}},
};

namespace {

const std::map<std::string, std::string> kUuidProperty = {
    {"HostSystem", "hardware.systemInfo.uuid"},
    {"VirtualMachine", "config.instanceUuid"},
    {"Datastore", "summary.url"},
};

}  // namespace

std::string Inventory::Key(const ManagedObject& mo) { return mo.type + ":" + mo.value; }

void Entity::Set(const std::string& path, std::string value) {
  if (path == "name") {
    name = std::move(value);
    return;
  }
  if (auto it = kUuidProperty.find(moref.type); it != kUuidProperty.end() && it->second == path)
    uuid = value;
  properties[path] = std::move(value);
}

void Entity::Unset(const std::string& path) {
  if (path == "name") name.clear();
  if (auto it = kUuidProperty.find(moref.type); it != kUuidProperty.end() && it->second == path)
    uuid.clear();
  properties.erase(path);
}

std::vector<Entity> Inventory::List() const {
  std::vector<Entity> list;
  list.reserve(entities.size());
  for (const auto& [key, e] : entities) list.push_back(e);
  return list;
}

}  // namespace zabitan::vsphere
