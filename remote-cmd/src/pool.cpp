#include "pool.h"

#include <algorithm>

#include "zabitan/remote_cmd/error.h"

namespace zabitan::remote_cmd {

Status MatchPool(const std::vector<std::string>& members,
                 const std::vector<vsphere::VmPower>& in_folder,
                 const std::vector<vsphere::VmPower>& vms, std::vector<PoolMember>* pool,
                 std::map<std::string, vsphere::ManagedObject>* morefs) {
  pool->clear();
  for (const std::string& name : members) {
    PoolMember m{name, {}};
    auto same = [&](const vsphere::VmPower& vm) { return vm.name == name; };
    const vsphere::VmPower* found = nullptr;
    if (auto it = std::find_if(in_folder.begin(), in_folder.end(), same); it != in_folder.end()) {
      found = &*it;
    } else {
      const auto count = std::count_if(vms.begin(), vms.end(), same);
      if (count > 1) {
        return Status::Error(
            "pool VM \"" + name + "\" names " + std::to_string(count) +
                " VMs in vSphere: refusing to guess which (rename one, or use pool_folder)",
            Errc::kAmbiguousVm);
      }
      if (auto it = std::find_if(vms.begin(), vms.end(), same); it != vms.end()) found = &*it;
    }
    if (found != nullptr) {
      m.power_state = found->power_state;
      (*morefs)[name] = found->moref;
    }
    pool->push_back(std::move(m));
  }
  return Status::Ok();
}

}  // namespace zabitan::remote_cmd
