#include "zabitan/vmware_collector/inventory_file.h"

#include <sys/stat.h>

#include <fstream>

#include <catch2/catch.hpp>

#include "../temp_files.h"
#include "../vsphere/captured.h"

using namespace zabitan::vsphere;
using zabitan::testing::Apply;
using zabitan::testing::Captured;
using zabitan::vmware_collector::LoadInventory;
using zabitan::vmware_collector::SaveInventory;

TEST_CASE("vmware-collector/inventory file: the state file", "[vmware-collector]") {
  zabitan::testing::TempDir dir;
  const std::string path = dir.path() + "/inventory.json";
  Inventory inv;
  REQUIRE(LoadInventory(path, &inv).ok());  // none yet: empty, to be read whole
  CHECK(inv.collector.empty());
  CHECK(inv.full_read == 0);

  Apply(Captured("updates_initial.xml"), &inv);
  inv.session = "0123456789abcdef";
  inv.collector = {"PropertyCollector", "session[x]y"};
  inv.view = {"ContainerView", "session[x]z"};
  inv.full_read = 1764000000;
  inv.max_query_metrics = 64;
  inv.entities.at("VirtualMachine:vm-57").name =
      "caf\xc3\xa9 \xff";  // not UTF-8: replaced, not refused
  REQUIRE(SaveInventory(path, inv).ok());
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  Inventory loaded;
  REQUIRE(LoadInventory(path, &loaded).ok());
  CHECK(loaded.session == inv.session);
  CHECK(loaded.collector.value == "session[x]y");
  CHECK(loaded.view.type == "ContainerView");
  CHECK(loaded.version == "-");
  CHECK(loaded.full_read == 1764000000);
  CHECK(loaded.max_query_metrics == 64);
  REQUIRE(loaded.entities.size() == 9);
  CHECK(loaded.entities.at("VirtualMachine:vm-57").name == "caf\xc3\xa9 \xef\xbf\xbd");
  CHECK(loaded.entities.at("VirtualMachine:vm-57").uuid == "b4689bed-97f0-5bcd-8a4c-07477cc8f06f");
  CHECK(loaded.entities.at("HostSystem:host-21").properties ==
        inv.entities.at("HostSystem:host-21").properties);

  std::ofstream(path) << "{\"session\": 1}";  // damaged: empty (read whole), not an error
  REQUIRE(LoadInventory(path, &loaded).ok());
  CHECK(loaded.entities.empty());
  CHECK(loaded.collector.empty());
}
