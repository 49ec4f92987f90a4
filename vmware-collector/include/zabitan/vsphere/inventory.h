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
// folded into a parent property is never missed for long).
// Entities are identified by UUID, which survives re-registration, and named for people.
//
//   zabitan::vsphere::Inventory inventory;
//   zabitan::vsphere::LoadInventory(path, &inventory);  // none or damaged: read whole
//   bool full = false;
//   zabitan::Status s = zabitan::vsphere::UpdateInventory(*client, sc, std::chrono::hours(1),
//                                                        std::time(nullptr), &inventory, &full);
//   for (const zabitan::vsphere::Entity& e : inventory.List()) ...
//   s = zabitan::vsphere::SaveInventory(path, inventory);
#ifndef ZABITAN_VSPHERE_INVENTORY_H_
#define ZABITAN_VSPHERE_INVENTORY_H_

#include <chrono>
#include <cstdint>
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
  std::string
      uuid;  // host: hardware.systemInfo.uuid; VM: config.instanceUuid; datastore: summary.url
  std::map<std::string, std::string> properties;  // the other properties read, by path

  // Sets one property as an update or a page names it ("name" and the uuid's property too).
  void Set(const std::string& path, std::string value);
  void Unset(const std::string& path);
};

// The properties read per type (besides name).
extern const std::map<std::string, std::vector<std::string>> kInventoryProperties;

// The inventory and what keeps it current; what the state file holds.
struct Inventory {
  std::string session;      // StateKey of the session cookie the collector belongs to
  ManagedObject collector;  // our PropertyCollector ("" when none)
  ManagedObject view;       // the ContainerView its filter watches
  std::string version;      // of the last update set applied
  int64_t full_read = 0;    // when it was last read whole (unix seconds); 0: read it next time
  // config.vpxd.stats.maxQueryMetrics (perf.h), read by the collector with every full read: it
  // changes as rarely as the inventory. 0: not read yet.
  int64_t max_query_metrics = 0;
  std::map<std::string, Entity> entities;  // by Key(moref)

  static std::string Key(const ManagedObject& moref);  // "type:value"
  std::vector<Entity> List() const;
};

// Applies one WaitForUpdatesExResponse (enter, modify, leave; "no changes" is a response
// without returnval) to *inventory and its version; *truncated says that more is waiting.
// Objects of other types than kInventoryProperties' are ignored. No I/O (unit-tested, fuzzed).
void ApplyUpdates(pugi::xml_node response, Inventory* inventory, bool* truncated);

// Brings *inventory up to date: the changes since its version when it belongs to the client's
// session and was read whole less than `refresh` ago (zero: read whole every time), otherwise
// (or when the endpoint has forgotten the collector) a full read, which *full reports.
Status UpdateInventory(SoapClient& client, const ServiceContent& content,
                       std::chrono::seconds refresh, int64_t now, Inventory* inventory, bool* full);

// The state file (mode 0600). A missing or damaged file loads as an empty inventory (which is
// then read whole); only a file that cannot be read at all is an error.
Status LoadInventory(const std::string& path, Inventory* inventory);
Status SaveInventory(const std::string& path, const Inventory& inventory);

}  // namespace zabitan::vsphere

#endif  // ZABITAN_VSPHERE_INVENTORY_H_
