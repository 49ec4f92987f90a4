// zabitan — the inventory: every ESXi host, VM and datastore an endpoint knows, kept current
// across runs by a PropertyCollector of the collector's own.
//
// Reading 10,000 VMs whole every minute costs vCenter more than the performance queries do.
// So the inventory is read whole once: a PropertyCollector of our own (so nobody else's
// WaitForUpdates sees or steals our versions), a ContainerView over the root folder
// (recursive) and a PropertyFilter over the view, then WaitForUpdatesEx from version "".
// Those objects live as long as the session, and the session outlives the run (session.h):
// the next run asks WaitForUpdatesEx only for what changed since the saved version (one call,
// maxWaitSeconds 0): power states, uptimes, datastore sizes, VMs that came or went. The
// inventory is read whole again when the session is new, when the endpoint no longer knows the
// collector, or `refresh` after the last full read (default an hour: an update the endpoint
// folded into a parent property is never missed for long). Entities are identified by UUID,
// which survives re-registration, and named for people. The Inventory is a value (types.h):
// keeping it between runs is the caller's (zabitan/vmware_collector/inventory_file.h).
// Not thread-safe: the calls use the client's connection (soap_client.h).
//
// Example:
//   #include <cstdio>
//   #include <ctime>
//   #include "zabitan/vsphere/session.h"
//   namespace zv = zabitan::vsphere;
//   zv::Credentials credentials{"monitor@vsphere.local", "the password, read from a file"};
//   zv::Connection vc;  // session.h
//   zabitan::Status s = zv::Connect({.url = "https://vcenter.example.com/sdk"}, &credentials,
//                                   "/var/lib/zabitan/vmware", &vc);
//   zv::Inventory inventory;  // or the one the last run kept
//   bool full = false;
//   if (s.ok())
//     s = zv::UpdateInventory(*vc.client, vc.content, std::chrono::hours(1), std::time(nullptr),
//                             &inventory, &full);
//   for (const zv::Entity& e : inventory.List()) std::printf("%s\n", e.name.c_str());
#ifndef ZABITAN_VSPHERE_INVENTORY_H_
#define ZABITAN_VSPHERE_INVENTORY_H_

#include <chrono>
#include <cstdint>

#include "zabitan/common/status.h"
#include "zabitan/vsphere/session.h"
#include "zabitan/vsphere/soap_client.h"
#include "zabitan/vsphere/types.h"

namespace zabitan::vsphere {

// Brings *inventory up to date: the changes since its version when it belongs to the client's
// session and was read whole less than `refresh` ago (zero: read whole every time), otherwise
// (or when the endpoint has forgotten the collector) a full read, which *full reports.
Status UpdateInventory(SoapClient& client, const ServiceContent& content,
                       std::chrono::seconds refresh, int64_t now, Inventory* inventory, bool* full);

}  // namespace zabitan::vsphere

#endif  // ZABITAN_VSPHERE_INVENTORY_H_
