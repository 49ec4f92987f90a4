#include "zabitan/vmware_collector/discovery.h"

#include <algorithm>
#include <charconv>
#include <map>

#include <nlohmann/json.hpp>

#include "zabitan/common/log.h"
#include "zabitan/common/printable.h"
#include "zabitan/common/utf8.h"
#include "zabitan/vmware_collector/metrics.h"

namespace zabitan::vmware_collector {
namespace {

bool ParseBytes(const std::string& text, int64_t* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

// LLD JSON; text from the endpoint that is not UTF-8 is replaced, not thrown about.
std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// `text` cut to at most `max` characters (code points; a byte that starts no UTF-8 sequence
// counts as one), never inside a character.
std::string CutToCharacters(const std::string& text, size_t max) {
  size_t i = 0;
  for (size_t chars = 0; i < text.size() && chars < max; ++chars) {
    i += std::max<size_t>(Utf8SequenceLength(text, i), 1);
  }
  return text.substr(0, i);
}

size_t Characters(const std::string& text) {
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++chars)
    i += std::max<size_t>(Utf8SequenceLength(text, i), 1);
  return chars;
}

}  // namespace

std::map<std::string, std::string> VisibleNames(const std::vector<vsphere::Entity>& entities,
                                                const std::string& name_suffix) {
  // Zabbix refuses a second host of one visible name, whatever the hosts are, so a name two
  // hypervisors or VMs of this endpoint share (a VM may be named like a host) is made unique with
  // the start of each one's UUID (all holders: which came first is not known, and a rule that
  // needs no order gives the same names every run).
  auto counted = [](const vsphere::Entity& e) {
    return !e.uuid.empty() && (e.moref.type == "HostSystem" || e.moref.type == "VirtualMachine");
  };
  std::map<std::string, std::vector<const vsphere::Entity*>> by_name;
  for (const vsphere::Entity& e : entities) {
    if (counted(e)) by_name[e.name].push_back(&e);
  }
  std::map<std::string, std::string> visible;
  const std::string tail = name_suffix.empty() ? "" : " (" + name_suffix + ")";
  for (const auto& [plain, holders] : by_name) {
    std::map<std::string, int> short_ids;  // two holders whose UUIDs start alike get the whole UUID
    for (const vsphere::Entity* e : holders) ++short_ids[e->uuid.substr(0, kShortUuid)];
    for (const vsphere::Entity* e : holders) {
      std::string id_part;
      if (holders.size() > 1) {
        const std::string id = e->uuid.substr(0, kShortUuid);
        id_part = " (" + (short_ids[id] > 1 ? e->uuid : id) + ")";
      }
      // Zabbix stores kMaxVisibleName characters: the plain part gives way, the parts that make
      // the name unique stay whole.
      const std::string ending = id_part + tail;
      const size_t room = kMaxVisibleName - std::min(kMaxVisibleName, Characters(ending));
      visible[e->uuid] = CutToCharacters(plain, room) + ending;
    }
  }
  return visible;
}

std::optional<uint32_t> PowerStateValue(std::string_view type, std::string_view state) {
  if (type == "HostSystem") {
    if (state == "poweredOff") return 0;
    if (state == "poweredOn") return 1;
    if (state == "standBy") return 2;
    return 3;  // "unknown", and whatever a newer vSphere may add: the host's state is not known
  }
  if (type == "VirtualMachine") {
    if (state == "poweredOff") return 0;
    if (state == "poweredOn") return 1;
    if (state == "suspended") return 2;
  }
  return std::nullopt;
}

std::vector<sender::Value> DiscoveryValues(const std::string& endpoint,
                                           const std::vector<vsphere::Entity>& entities,
                                           uint32_t clock, const std::string& name_suffix) {
  const std::map<std::string, std::string> visible = VisibleNames(entities, name_suffix);
  std::map<std::string, std::string> host_uuid;  // HostSystem moref -> uuid, for {#VM.HV.UUID}
  for (const vsphere::Entity& e : entities) {
    if (e.moref.type == "HostSystem") host_uuid[e.moref.value] = e.uuid;
  }
  nlohmann::json hvs = nlohmann::json::array(), vms = nlohmann::json::array(),
                 datastores = nlohmann::json::array();
  std::vector<sender::Value> values;
  auto value = [&values, clock](const std::string& host, const std::string& key,
                                const std::string& v) {
    values.push_back({host, key, v, clock, 0u});  // with ns: --dry-run prints one format, -T -N
  };
  auto prop = [](const vsphere::Entity& e, const std::string& path) {
    auto it = e.properties.find(path);
    return it == e.properties.end() ? std::string() : it->second;
  };
  for (const vsphere::Entity& e : entities) {
    if (e.uuid.empty()) continue;  // not identifiable across runs: skipped
    if (e.moref.type == "HostSystem") {
      hvs.push_back({{"{#HV.UUID}", e.uuid},
                     {"{#HV.NAME}", e.name},
                     {"{#HV.VISIBLE.NAME}", visible.at(e.uuid)}});
    } else if (e.moref.type == "VirtualMachine") {
      auto hv = host_uuid.find(prop(e, "runtime.host"));
      vms.push_back({{"{#VM.UUID}", e.uuid},
                     {"{#VM.NAME}", e.name},
                     {"{#VM.VISIBLE.NAME}", visible.at(e.uuid)},
                     {"{#VM.HV.UUID}", hv == host_uuid.end() ? "" : hv->second}});
    } else if (e.moref.type == "Datastore") {
      datastores.push_back({{"{#DATASTORE.UUID}", e.uuid},
                            {"{#DATASTORE.NAME}", e.name},
                            {"{#DATASTORE.TYPE}", prop(e, "summary.type")}});
    }
  }
  value(endpoint, "zabitan.vmware.hv.discovery", Dump(hvs));
  value(endpoint, "zabitan.vmware.vm.discovery", Dump(vms));
  value(endpoint, "zabitan.vmware.datastore.discovery", Dump(datastores));
  for (const vsphere::Entity& e : entities) {
    if (e.uuid.empty()) continue;
    if (e.moref.type == "Datastore") {
      std::string uuid;
      if (!QuoteKeyParam(e.uuid, &uuid)) continue;
      auto size = [&](const char* what, const std::string& v) {
        value(endpoint, "zabitan.vmware.datastore.size[" + uuid + "," + what + "]", v);
      };
      // provisioned = what the VMs may grow to: capacity - free + uncommitted (0 when absent).
      int64_t capacity = 0, free = 0, uncommitted = 0;
      bool have_capacity = ParseBytes(prop(e, "summary.capacity"), &capacity);
      bool have_free = ParseBytes(prop(e, "summary.freeSpace"), &free);
      if (!ParseBytes(prop(e, "summary.uncommitted"), &uncommitted)) uncommitted = 0;
      if (have_capacity) size("total", std::to_string(capacity));
      if (have_free) size("free", std::to_string(free));
      int64_t provisioned = 0;
      if (have_capacity && have_free && !__builtin_sub_overflow(capacity, free, &provisioned) &&
          !__builtin_add_overflow(provisioned, uncommitted, &provisioned)) {
        size("provisioned", std::to_string(provisioned));
      }
      size("uncommitted", std::to_string(uncommitted));
    } else if (e.moref.type == "HostSystem") {
      value(e.uuid, "zabitan.vmware.hv.powerstate",
            std::to_string(*PowerStateValue(e.moref.type, prop(e, "runtime.powerState"))));
      if (std::string up = prop(e, "summary.quickStats.uptime"); !up.empty())
        value(e.uuid, "zabitan.vmware.hv.uptime", up);
    } else if (e.moref.type == "VirtualMachine") {
      // A VM has no "unknown" in its value map: a state it does not hold is left out (the item
      // keeps its last value) rather than sent as a number that says something else.
      const std::string state = prop(e, "runtime.powerState");
      if (std::optional<uint32_t> n = PowerStateValue(e.moref.type, state)) {
        value(e.uuid, "zabitan.vmware.vm.powerstate", std::to_string(*n));
      } else {
        log::Warning("VM " + Printable(e.name, 100) + " (" + Printable(e.uuid, 60) +
                     "): power state \"" + Printable(state, 60) +
                     "\" is not poweredOff, poweredOn or suspended: not sent");
      }
      if (std::string up = prop(e, "summary.quickStats.uptimeSeconds"); !up.empty()) {
        value(e.uuid, "zabitan.vmware.vm.uptime", up);
      }
    }
  }
  return values;
}

}  // namespace zabitan::vmware_collector
