#include "zabitan/vsphere/inventory.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "zabitan/common/log.h"
#include "zabitan/vsphere/xml.h"

namespace zabitan::vsphere {

namespace {

std::string This(const ManagedObject& mo) {
  return "<_this type=\"" + Escape(mo.type) + "\">" + Escape(mo.value) + "</_this>";
}

ManagedObject Returned(const SoapResult& r) {
  pugi::xml_node rv = Child(r.body, "returnval");
  return {rv.attribute("type").value(), rv.text().get()};
}

// The first update set of a large vCenter holds every VM: in pages of this many objects
// (truncated sets) rather than one reply of hundreds of megabytes.
constexpr int kMaxObjectUpdates = 1000;

// One WaitForUpdatesEx after another until the endpoint has no more (truncated sets).
// *fault names the SOAP fault of a call that failed with one.
Status Poll(SoapClient& client, Inventory* inv, std::string* fault) {
  for (;;) {
    SoapResult r;
    Status s = client.Call(
        "<WaitForUpdatesEx xmlns=\"urn:vim25\">" + This(inv->collector) +
            (inv->version.empty() ? "" : "<version>" + Escape(inv->version) + "</version>") +
            "<options><maxWaitSeconds>0</maxWaitSeconds><maxObjectUpdates>" +
            std::to_string(kMaxObjectUpdates) + "</maxObjectUpdates></options></WaitForUpdatesEx>",
        &r);
    if (!s.ok()) {
      *fault = r.fault;
      return s.Prefixed("WaitForUpdatesEx");
    }
    bool truncated = false;
    ApplyUpdates(r.body, inv, &truncated);
    if (!truncated) return Status::Ok();
  }
}

// Best effort: the collector (with its filter) and the view are the session's until it ends.
void Forget(SoapClient& client, const Inventory& inv) {
  SoapResult ignored;
  if (!inv.collector.empty()) {
    client
        .Call("<DestroyPropertyCollector xmlns=\"urn:vim25\">" + This(inv.collector) +
                  "</DestroyPropertyCollector>",
              &ignored)
        .ok();
  }
  if (!inv.view.empty()) {
    client.Call("<DestroyView xmlns=\"urn:vim25\">" + This(inv.view) + "</DestroyView>", &ignored)
        .ok();
  }
}

Status ReadWhole(SoapClient& client, const ServiceContent& sc, Inventory* inv) {
  SoapResult r;
  Status s = client.Call("<CreatePropertyCollector xmlns=\"urn:vim25\">" +
                             This(sc.property_collector) + "</CreatePropertyCollector>",
                         &r);
  if (!s.ok()) return s.Prefixed("CreatePropertyCollector");
  inv->collector = Returned(r);
  std::string types;
  for (const auto& [type, props] : kInventoryProperties) types += "<type>" + type + "</type>";
  s = client.Call("<CreateContainerView xmlns=\"urn:vim25\">" + This(sc.view_manager) +
                      "<container type=\"" + Escape(sc.root_folder.type) + "\">" +
                      Escape(sc.root_folder.value) + "</container>" + types +
                      "<recursive>true</recursive></CreateContainerView>",
                  &r);
  if (!s.ok()) return s.Prefixed("CreateContainerView");
  inv->view = Returned(r);
  std::string prop_sets;
  for (const auto& [type, props] : kInventoryProperties) {
    prop_sets += "<propSet><type>" + type + "</type><pathSet>name</pathSet>";
    for (const std::string& p : props) prop_sets += "<pathSet>" + p + "</pathSet>";
    prop_sets += "</propSet>";
  }
  s = client.Call(
      "<CreateFilter xmlns=\"urn:vim25\">" + This(inv->collector) + "<spec>" + prop_sets +
          "<objectSet><obj type=\"" + Escape(inv->view.type) + "\">" + Escape(inv->view.value) +
          "</obj><skip>true</skip><selectSet xsi:type=\"TraversalSpec\"><name>view</name>"
          "<type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet>"
          "</spec><partialUpdates>false</partialUpdates></CreateFilter>",
      &r);
  if (!s.ok()) return s.Prefixed("CreateFilter");
  std::string fault;
  return Poll(client, inv, &fault);
}

}  // namespace

Status UpdateInventory(SoapClient& client, const ServiceContent& sc, std::chrono::seconds refresh,
                       int64_t now, Inventory* inv, bool* full) {
  *full = false;
  const std::string session = StateKey(client.cookie());
  const bool ours = !inv->collector.empty() && inv->session == session;
  if (ours && inv->full_read > 0 && now >= inv->full_read &&
      now - inv->full_read < refresh.count()) {
    std::string fault;
    Status s = Poll(client, inv, &fault);
    if (s.ok() || fault.empty())
      return s;  // a failed transport is the run's failure, not a reason to read whole
    log::Debug("inventory: " + s.message() + ": reading it whole");
  }
  if (ours) Forget(client, *inv);
  Inventory fresh;
  fresh.session = session;
  fresh.full_read = now;
  if (Status s = ReadWhole(client, sc, &fresh); !s.ok()) {
    Forget(client, fresh);
    return s;
  }
  *inv = std::move(fresh);
  *full = true;
  return Status::Ok();
}

Status LoadInventory(const std::string& path, Inventory* inv) {
  *inv = Inventory{};
  std::ifstream in(path);
  if (!in) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) return Status::Ok();
    return Status::Error(path + ": " + std::strerror(errno));
  }
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  auto moref = [](const nlohmann::json& m, ManagedObject* out) {
    if (!m.is_array() || m.size() != 2 || !m[0].is_string() || !m[1].is_string()) return false;
    *out = {m[0].get<std::string>(), m[1].get<std::string>()};
    return true;
  };
  Inventory loaded;
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
      Entity e;
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
      loaded.entities[Inventory::Key(e.moref)] = std::move(e);
    }
  }
  if (!ok) {
    log::Warning(path + ": damaged; the inventory is read whole");
    return Status::Ok();
  }
  *inv = std::move(loaded);
  return Status::Ok();
}

Status SaveInventory(const std::string& path, const Inventory& inv) {
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
  return WriteStateFile(path,
                        j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace zabitan::vsphere
