#include "pool.h"

#include <catch2/catch.hpp>

#include "zabitan/remote_cmd/error.h"

using namespace zabitan::remote_cmd;
using zabitan::vsphere::VmPower;

namespace {

VmPower Vm(const std::string& moref, const std::string& name, const std::string& state) {
  return {{"VirtualMachine", moref}, name, state};
}

}  // namespace

TEST_CASE("pool: a name two VMs share outside the folder is refused, not the last one taken",
          "[remote][pool]") {
  // Before: the loop kept the last match, so "web-1" meant vm-9 (on), and a scale-up or
  // scale-down acted on whichever vSphere happened to list last.
  const std::vector<VmPower> vms = {Vm("vm-1", "web-1", "poweredOff"),
                                    Vm("vm-9", "web-1", "poweredOn"),
                                    Vm("vm-2", "web-2", "poweredOff")};
  std::vector<PoolMember> pool;
  std::map<std::string, zabitan::vsphere::ManagedObject> morefs;
  const auto s = MatchPool({"web-2", "web-1"}, {}, vms, &pool, &morefs);
  CHECK(s.code() == zabitan::remote_cmd::Errc::kAmbiguousVm);
  CHECK(s.message() ==
        "pool VM \"web-1\" names 2 VMs in vSphere: refusing to guess which (rename one, or use "
        "pool_folder)");
}

TEST_CASE("pool: the folder's VM wins over a namesake elsewhere; unknown names have no state",
          "[remote][pool]") {
  const std::vector<VmPower> in_folder = {Vm("vm-5", "web-1", "poweredOff")};
  const std::vector<VmPower> vms = {Vm("vm-5", "web-1", "poweredOff"),
                                    Vm("vm-9", "web-1", "poweredOn"),
                                    Vm("vm-2", "web-2", "poweredOn")};
  std::vector<PoolMember> pool;
  std::map<std::string, zabitan::vsphere::ManagedObject> morefs;
  REQUIRE(MatchPool({"web-1", "web-2", "web-3"}, in_folder, vms, &pool, &morefs).ok());
  REQUIRE(pool.size() == 3);
  CHECK(pool[0].power_state == "poweredOff");
  CHECK(morefs.at("web-1").value == "vm-5");
  CHECK(pool[1].power_state == "poweredOn");
  CHECK(morefs.at("web-2").value == "vm-2");
  CHECK(pool[2].name == "web-3");
  CHECK(pool[2].power_state.empty());
  CHECK(morefs.count("web-3") == 0);
}
