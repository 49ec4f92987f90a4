// zabitan — the inventory's state file: what zabitan-vmware keeps of the inventory between runs
// (the entities, and the PropertyCollector, view and version that keep them current).
//
// JSON, mode 0600, written whole and renamed into place (common's WriteFileWhole). A missing or
// damaged file loads as an empty inventory, which is then read whole: only a file that cannot
// be read at all is an error. Functions of their arguments, thread-safe for different paths;
// two processes writing one file leave the one or the other's.
//
// Example:
//   const std::string path = "/var/lib/zabitan/vmware/inventory-x.json";
//   zabitan::vsphere::Inventory inventory;
//   zabitan::Status s = zabitan::vmware_collector::LoadInventory(path, &inventory);
//   if (s.ok()) s = zabitan::vmware_collector::SaveInventory(path, inventory);
#ifndef ZABITAN_VMWARE_COLLECTOR_INVENTORY_FILE_H_
#define ZABITAN_VMWARE_COLLECTOR_INVENTORY_FILE_H_

#include <string>

#include "zabitan/common/status.h"
#include "zabitan/vsphere/types.h"

namespace zabitan::vmware_collector {

Status LoadInventory(const std::string& path, vsphere::Inventory* inventory);
Status SaveInventory(const std::string& path, const vsphere::Inventory& inventory);

}  // namespace zabitan::vmware_collector

#endif  // ZABITAN_VMWARE_COLLECTOR_INVENTORY_FILE_H_
