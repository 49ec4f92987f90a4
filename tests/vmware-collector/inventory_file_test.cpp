#include "zabitan/vmware_collector/inventory_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <system_error>

#include <catch2/catch.hpp>

#include "../temp_files.h"
#include "../vsphere/captured.h"

using namespace zabitan::vsphere;
using zabitan::testing::Apply;
using zabitan::testing::Captured;
using zabitan::vmware_collector::Errc;
using zabitan::vmware_collector::LoadInventory;
using zabitan::vmware_collector::SaveInventory;

TEST_CASE("vmware-collector/inventory file: the state file", "[vmware-collector]") {
  zabitan::testing::TempDir dir;
  const std::string path = dir.path() + "/inventory.json";
  Inventory inv;
  REQUIRE(LoadInventory(path, &inv).code() == Errc::kNotFound);  // none yet: read whole
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
}

TEST_CASE("vmware-collector/inventory file: absent, unreadable and damaged have their codes",
          "[vmware-collector]") {
  zabitan::testing::TempDir dir;
  const std::string path = dir.path() + "/inventory.json";
  Inventory inv;
  inv.session = "left from before";
  zabitan::Status s = LoadInventory(path, &inv);
  CHECK(s.code() == Errc::kNotFound);  // a first run
  CHECK(inv.session.empty());

  Inventory good;
  good.session = "0123456789abcdef";
  good.collector = {"PropertyCollector", "session[x]y"};
  good.view = {"ContainerView", "session[x]z"};
  REQUIRE(SaveInventory(path, good).ok());
  REQUIRE(LoadInventory(path, &inv).ok());
  CHECK(inv.session == good.session);

  for (const char* text : {"", "{\"session\": ", "{\"session\": 1}", "[1, 2]"}) {
    INFO("file: " << text);
    std::ofstream(path, std::ios::trunc) << text;
    s = LoadInventory(path, &inv);
    CHECK(s.code() == Errc::kDamaged);  // empty, cut short, not an inventory: no first run
    CHECK(s.message().rfind(path + ": damaged (", 0) == 0);
    CHECK(inv.session.empty());
    CHECK(inv.entities.empty());
  }

  // Unreadable: a folder in the file's place (denies even root, unlike chmod 000).
  std::filesystem::remove(path);
  std::filesystem::create_directory(path);
  s = LoadInventory(path, &inv);
  CHECK(s.code() == Errc::kUnreadable);
  CHECK(s.message() == path + ": Is a directory");
  std::filesystem::remove(path);
  if (::geteuid() != 0) {  // root reads a file of mode 000
    REQUIRE(SaveInventory(path, good).ok());
    REQUIRE(::chmod(path.c_str(), 0) == 0);
    s = LoadInventory(path, &inv);
    CHECK(s.code() == Errc::kUnreadable);
    CHECK(s.message() == path + ": Permission denied");
  }

  // A save that fails carries its errno.
  s = SaveInventory(dir.path() + "/no-such-folder/inventory.json", good);
  CHECK(s.code() == std::errc::no_such_file_or_directory);
}
