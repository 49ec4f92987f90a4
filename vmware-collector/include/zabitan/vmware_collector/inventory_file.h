// zabitan — the inventory's state file: what zabitan-vmware keeps of the inventory between runs
// (the entities, and the PropertyCollector, view and version that keep them current).
//
// JSON, mode 0600, written whole and renamed into place (common's WriteFileWhole). Whatever
// LoadInventory says, the inventory it leaves is usable: empty unless ok, and then read whole
// from the endpoint; the code tells a first run from a file to complain of (error.h).
// Functions of their arguments, thread-safe for different paths; two processes writing one
// file leave the one or the other's.
//
// Example:
//   namespace vc = zabitan::vmware_collector;
//   const std::string path = "/var/lib/zabitan/vmware/inventory-x.json";
//   zabitan::vsphere::Inventory inventory;
//   zabitan::Status s = vc::LoadInventory(path, &inventory);
//   if (s.code() == vc::Errc::kNotFound) s = zabitan::Status::Ok();  // a first run
//   if (s.ok()) s = vc::SaveInventory(path, inventory);
#ifndef ZABITAN_VMWARE_COLLECTOR_INVENTORY_FILE_H_
#define ZABITAN_VMWARE_COLLECTOR_INVENTORY_FILE_H_

#include <string>

#include "zabitan/common/status.h"
#include "zabitan/vmware_collector/error.h"
#include "zabitan/vsphere/types.h"

namespace zabitan::vmware_collector {

// Ok: *inventory is the saved one. Otherwise *inventory is empty and the code says why:
// Errc::kNotFound (none saved yet: not a failure), kUnreadable (permission, a folder in its
// place, I/O), kDamaged (empty, not JSON, or not the fields SaveInventory writes).
Status LoadInventory(const std::string& path, vsphere::Inventory* inventory);
// Writes it whole (mode 0600); a failure carries the write's errno (std::errc).
Status SaveInventory(const std::string& path, const vsphere::Inventory& inventory);

}  // namespace zabitan::vmware_collector

#endif  // ZABITAN_VMWARE_COLLECTOR_INVENTORY_FILE_H_
