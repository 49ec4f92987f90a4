// zabitan — the replies of remote-cmd's vSphere calls, parsed (internal to the vSphere library).
//
// No I/O: unit-tested with replies captured from the simulator and fuzzed
// (tests/fuzz/vsphere_xml_fuzz.cpp). Pure functions.
//
//   zabitan::vsphere::ManagedObject folder;
//   zabitan::Status s = zabitan::vsphere::ParseFolderReply("DC0/vm/pool", reply.body, &folder);
#ifndef ZABITAN_VSPHERE_VM_REPLIES_H_
#define ZABITAN_VSPHERE_VM_REPLIES_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <pugixml.hpp>

#include "zabitan/common/status.h"
#include "zabitan/vsphere/types.h"

namespace zabitan::vsphere {

// ParseFolderReply: the Folder of a FindByInventoryPath reply body; nothing there, or not a
// Folder, is an error naming the path. AppendFolderVms: the VMs (name, runtime.powerState,
// config.template) of a RetrievePropertiesEx reply body, templates left out, added to `vms`.
Status ParseFolderReply(const std::string& inventory_path, pugi::xml_node body,
                        ManagedObject* folder);
void AppendFolderVms(pugi::xml_node body, std::vector<VmPower>* vms);
// The properties of each object in a RetrievePropertiesEx reply body: fn(object, {path: val}).
void ForEachObject(pugi::xml_node body,
                   const std::function<void(const ManagedObject&,
                                            const std::map<std::string, pugi::xml_node>&)>& fn);
// The task moref of a ...VM_Task reply body.
Status ParseTaskReply(const std::string& method, pugi::xml_node body, ManagedObject* task);

}  // namespace zabitan::vsphere

#endif  // ZABITAN_VSPHERE_VM_REPLIES_H_
