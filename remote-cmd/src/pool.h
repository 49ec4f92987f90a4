// zabitan — which vSphere VM each member of a scaling group is.
//
// Members are named: the group's `pool` list, the VMs of its pool_folder, the clones it made.
// A name is looked up in the folder first (a VM of the folder is the folder's object, not a
// namesake elsewhere), then across the whole inventory, where it must name exactly one VM: a
// name two VMs share would power on or shut down whichever vSphere listed last, so it is
// refused (rename one, or put the group's VMs in its pool_folder). A pure function: safe from
// any thread.
//
//   std::vector<zabitan::vsphere::VmPower> all_vms;  // the inventory's VMs and power states
//   std::vector<zabitan::remote_cmd::PoolMember> pool;
//   std::map<std::string, zabitan::vsphere::ManagedObject> morefs;
//   zabitan::Status s = zabitan::remote_cmd::MatchPool({"web-03"}, {}, all_vms, &pool, &morefs);
#ifndef ZABITAN_REMOTE_CMD_SRC_POOL_H_
#define ZABITAN_REMOTE_CMD_SRC_POOL_H_

#include <map>
#include <string>
#include <vector>

#include "decision.h"
#include "zabitan/common/status.h"
#include "zabitan/vsphere/types.h"

namespace zabitan::remote_cmd {

// One PoolMember per name of `members`, in order (power state "" for a name vSphere does not
// know), and its moref in `morefs`. An error naming the member when a name outside the folder
// names more than one VM.
Status MatchPool(const std::vector<std::string>& members,
                 const std::vector<vsphere::VmPower>& in_folder,
                 const std::vector<vsphere::VmPower>& vms, std::vector<PoolMember>* pool,
                 std::map<std::string, vsphere::ManagedObject>* morefs);

}  // namespace zabitan::remote_cmd

#endif  // ZABITAN_REMOTE_CMD_SRC_POOL_H_
