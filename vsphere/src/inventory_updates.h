// zabitan — applying a WaitForUpdatesEx reply to an inventory (internal to the vSphere library).
//
// No I/O: unit-tested with captured replies and fuzzed (tests/fuzz/vsphere_xml_fuzz.cpp).
// Pure function of its arguments.
//
//   bool truncated = false;
//   zabitan::vsphere::ApplyUpdates(reply.body, &inventory, &truncated);
#ifndef ZABITAN_VSPHERE_INVENTORY_UPDATES_H_
#define ZABITAN_VSPHERE_INVENTORY_UPDATES_H_

#include <pugixml.hpp>

#include "zabitan/vsphere/types.h"

namespace zabitan::vsphere {

// Applies one WaitForUpdatesExResponse (enter, modify, leave; "no changes" is a response
// without returnval) to *inventory and its version; *truncated says that more is waiting.
// Objects of other types than kInventoryProperties' are ignored.
void ApplyUpdates(pugi::xml_node response, Inventory* inventory, bool* truncated);

}  // namespace zabitan::vsphere

#endif  // ZABITAN_VSPHERE_INVENTORY_UPDATES_H_
