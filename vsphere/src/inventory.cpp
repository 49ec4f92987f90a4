#include "zabitan/vsphere/inventory.h"

#include "inventory_updates.h"
#include "morefs.h"
#include "soap_reply.h"
#include "xml.h"
#include "zabitan/common/log.h"
#include "zabitan/vsphere/error.h"

namespace zabitan::vsphere {

namespace {

ManagedObject Returned(const SoapResult& r) {
  pugi::xml_node rv = Child(r.body, "returnval");
  return {rv.attribute("type").value(), rv.text().get()};
}

// The first update set of a large vCenter holds every VM: in pages of this many objects
// (truncated sets) rather than one reply of hundreds of megabytes.
constexpr int kMaxObjectUpdates = 1000;

// One WaitForUpdatesEx after another until the endpoint has no more (truncated sets).
Status Poll(SoapClient& client, Inventory* inv) {
  for (;;) {
    SoapResult r;
    Status s = client.Call(
        "<WaitForUpdatesEx xmlns=\"urn:vim25\">" + This(inv->collector) +
            (inv->version.empty() ? "" : "<version>" + Escape(inv->version) + "</version>") +
            "<options><maxWaitSeconds>0</maxWaitSeconds><maxObjectUpdates>" +
            std::to_string(kMaxObjectUpdates) + "</maxObjectUpdates></options></WaitForUpdatesEx>",
        &r);
    if (!s.ok()) return s.Prefixed("WaitForUpdatesEx");
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
  return Poll(client, inv);
}

}  // namespace

Status UpdateInventory(SoapClient& client, const ServiceContent& sc, std::chrono::seconds refresh,
                       int64_t now, Inventory* inv, bool* full) {
  *full = false;
  const std::string session = StateKey(client.cookie());
  const bool ours = !inv->collector.empty() && inv->session == session;
  if (ours && inv->full_read > 0 && now >= inv->full_read &&
      now - inv->full_read < refresh.count()) {
    Status s = Poll(client, inv);
    // A fault (the endpoint forgot the collector) means reading whole; a failed transport is
    // the run's failure, not a reason to read whole.
    if (s.ok() || !IsFault(s.code())) return s;
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

}  // namespace zabitan::vsphere
