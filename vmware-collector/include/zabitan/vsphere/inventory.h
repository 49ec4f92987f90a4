// zabitan — the inventory: every ESXi host, VM and datastore an endpoint knows, in one pass.
//
// A ContainerView over the root folder (recursive) and one RetrievePropertiesEx with a property
// set per type, paged with ContinueRetrievePropertiesEx until no token is left (vCenter pages
// at about 100 objects), then the view is destroyed (views live as long as the session).
// Entities are identified by UUID, which survives re-registration, and named for people.
//
//   std::vector<zabitan::vsphere::Entity> entities;
//   zabitan::Status s = zabitan::vsphere::RetrieveInventory(*client, service_content, &entities);
#ifndef ZABITAN_VSPHERE_INVENTORY_H_
#define ZABITAN_VSPHERE_INVENTORY_H_

#include <map>
#include <string>
#include <vector>

#include "zabitan/common/status.h"
#include "zabitan/vsphere/session.h"
#include "zabitan/vsphere/soap_client.h"

namespace zabitan::vsphere {

struct Entity {
  ManagedObject moref;  // type is HostSystem, VirtualMachine or Datastore
  std::string name;
  std::string uuid;  // host: hardware.systemInfo.uuid; VM: config.instanceUuid; datastore: summary.url
  std::map<std::string, std::string> properties;  // the other properties read, by path
};

// The properties read per type (besides name).
extern const std::map<std::string, std::vector<std::string>> kInventoryProperties;

Status RetrieveInventory(SoapClient& client, const ServiceContent& content,
                         std::vector<Entity>* entities, size_t page_size = 100);

}  // namespace zabitan::vsphere

#endif  // ZABITAN_VSPHERE_INVENTORY_H_
