#include "zabitan/vsphere/inventory.h"

#include "zabitan/vsphere/replies.h"
#include "zabitan/vsphere/xml.h"

namespace zabitan::vsphere {

const std::map<std::string, std::vector<std::string>> kInventoryProperties = {
    {"HostSystem",
     {"hardware.systemInfo.uuid", "runtime.powerState", "runtime.connectionState", "summary.quickStats.uptime"}},
    {"VirtualMachine",
     {"config.instanceUuid", "runtime.powerState", "runtime.host", "summary.quickStats.uptimeSeconds"}},
    {"Datastore",
     {"summary.url", "summary.capacity", "summary.freeSpace", "summary.uncommitted", "summary.type"}},
};

namespace {

std::string This(const ManagedObject& mo) {
  return "<_this type=\"" + Escape(mo.type) + "\">" + Escape(mo.value) + "</_this>";
}

}  // namespace

Status RetrieveInventory(SoapClient& client, const ServiceContent& sc, std::vector<Entity>* entities,
                         size_t page_size) {
  entities->clear();
  std::string types;
  for (const auto& [type, props] : kInventoryProperties) types += "<type>" + type + "</type>";
  SoapResult r;
  Status s = client.Call("<CreateContainerView xmlns=\"urn:vim25\">" + This(sc.view_manager) +
                             "<container type=\"" + Escape(sc.root_folder.type) + "\">" +
                             Escape(sc.root_folder.value) + "</container>" + types +
                             "<recursive>true</recursive></CreateContainerView>",
                         &r);
  if (!s.ok()) return s.Prefixed("CreateContainerView");
  pugi::xml_node rv = Child(r.body, "returnval");
  ManagedObject view{rv.attribute("type").value(), rv.text().get()};

  std::string prop_sets;
  for (const auto& [type, props] : kInventoryProperties) {
    prop_sets += "<propSet><type>" + type + "</type><pathSet>name</pathSet>";
    for (const std::string& p : props) prop_sets += "<pathSet>" + p + "</pathSet>";
    prop_sets += "</propSet>";
  }
  s = client.Call("<RetrievePropertiesEx xmlns=\"urn:vim25\">" + This(sc.property_collector) +
                      "<specSet>" + prop_sets + "<objectSet><obj type=\"" + Escape(view.type) + "\">" +
                      Escape(view.value) +
                      "</obj><skip>true</skip><selectSet xsi:type=\"TraversalSpec\"><name>view</name>"
                      "<type>ContainerView</type><path>view</path><skip>false</skip></selectSet>"
                      "</objectSet></specSet><options><maxObjects>" +
                      std::to_string(page_size) + "</maxObjects></options></RetrievePropertiesEx>",
                  &r);
  std::string token;
  if (s.ok()) ParseInventoryPage(r.body, entities, &token);
  while (s.ok() && !token.empty()) {
    s = client.Call("<ContinueRetrievePropertiesEx xmlns=\"urn:vim25\">" + This(sc.property_collector) +
                        "<token>" + Escape(token) + "</token></ContinueRetrievePropertiesEx>",
                    &r);
    if (s.ok()) ParseInventoryPage(r.body, entities, &token);
  }
  if (!s.ok() && !token.empty()) {
    SoapResult ignored;  // best effort: free the server-side result set
    client.Call("<CancelRetrievePropertiesEx xmlns=\"urn:vim25\">" + This(sc.property_collector) +
                    "<token>" + Escape(token) + "</token></CancelRetrievePropertiesEx>",
                &ignored).ok();
  }
  SoapResult destroyed;
  Status d = client.Call("<DestroyView xmlns=\"urn:vim25\">" + This(view) + "</DestroyView>", &destroyed);
  if (!s.ok()) return s.Prefixed("RetrievePropertiesEx (inventory)");
  return d.ok() ? d : d.Prefixed("DestroyView");
}

}  // namespace zabitan::vsphere
