#include "inventory_updates.h"

#include <catch2/catch.hpp>

#include "captured.h"
#include "soap_reply.h"

using namespace zabitan::vsphere;
using zabitan::testing::Apply;
using zabitan::testing::Captured;
using zabitan::testing::Envelope;

namespace {

std::string Update(const std::string& returnval) {
  return Envelope("<WaitForUpdatesExResponse xmlns=\"urn:vim25\">" + returnval +
                  "</WaitForUpdatesExResponse>");
}

}  // namespace

TEST_CASE("vsphere/inventory updates: the first update set holds everything", "[vsphere]") {
  Inventory inv;
  CHECK_FALSE(Apply(Captured("updates_initial.xml"), &inv));
  CHECK(inv.version == "-");  // the simulator's only version
  std::vector<Entity> entities = inv.List();
  REQUIRE(entities.size() == 9);
  std::map<std::string, int> types;
  for (const Entity& e : entities) types[e.moref.type]++;
  CHECK(types ==
        std::map<std::string, int>{{"Datastore", 1}, {"HostSystem", 4}, {"VirtualMachine", 4}});

  const Entity& vm = inv.entities.at("VirtualMachine:vm-57");
  CHECK(vm.name == "DC0_H0_VM0");
  CHECK(vm.uuid == "b4689bed-97f0-5bcd-8a4c-07477cc8f06f");
  CHECK(vm.properties.at("runtime.host") == "host-21");  // a moref: its value
  CHECK(vm.properties.at("runtime.powerState") == "poweredOn");
  const Entity& host = inv.entities.at("HostSystem:host-21");
  CHECK(host.uuid == "dcf7fb3c-4a1c-5a05-b730-5e09f3704e2f");
  CHECK(host.properties.count("summary.quickStats.uptime") == 1);
  const Entity& ds = entities.front();  // by moref: datastores first
  CHECK(ds.moref.type == "Datastore");
  CHECK(ds.name == "LocalDS_0");
  CHECK(ds.uuid.starts_with("/tmp/govcsim-DC0-LocalDS_0-"));
  CHECK(std::stoll(ds.properties.at("summary.capacity")) > 0);
}

TEST_CASE("vsphere/inventory updates: later sets change only what they name", "[vsphere]") {
  Inventory inv;
  Apply(Captured("updates_initial.xml"), &inv);
  const Entity before = inv.entities.at("VirtualMachine:vm-57");

  CHECK_FALSE(Apply(Captured("updates_none.xml"), &inv));  // no returnval: nothing changed
  CHECK(inv.version == "-");
  CHECK(inv.entities.size() == 9);

  CHECK_FALSE(Apply(Captured("updates_modify.xml"), &inv));  // vm-power off DC0_H0_VM0
  const Entity& after = inv.entities.at("VirtualMachine:vm-57");
  CHECK(after.properties.at("runtime.powerState") == "poweredOff");
  CHECK(after.name == before.name);
  CHECK(after.uuid == before.uuid);
  CHECK(after.properties.size() == before.properties.size());
}

TEST_CASE("vsphere/inventory updates: vCenter's versions, truncation, removals and leaving objects",
          "[vsphere]") {
  Inventory inv;
  CHECK(Apply(
      Update(
          R"(<returnval><version>1</version><filterSet><filter type="PropertyFilter">session[1]2</filter>)"
          R"(<objectSet><kind>enter</kind><obj type="VirtualMachine">vm-1</obj>)"
          R"(<changeSet><name>name</name><op>assign</op><val xsi:type="xsd:string">web01</val></changeSet>)"
          R"(<changeSet><name>config.instanceUuid</name><op>assign</op><val xsi:type="xsd:string">5001-aa</val></changeSet>)"
          R"(<changeSet><name>runtime.host</name><op>assign</op><val type="HostSystem" xsi:type="ManagedObjectReference">host-9</val></changeSet>)"
          R"(</objectSet><objectSet><kind>enter</kind><obj type="Folder">group-v3</obj></objectSet>)"
          R"(</filterSet><truncated>true</truncated></returnval>)"),
      &inv));
  CHECK(inv.version == "1");
  REQUIRE(inv.entities.size() == 1);  // a Folder is not collected
  CHECK(inv.entities.at("VirtualMachine:vm-1").uuid == "5001-aa");

  CHECK_FALSE(Apply(
      Update(
          R"(<returnval><version>2</version><filterSet><filter type="PropertyFilter">session[1]2</filter>)"
          R"(<objectSet><kind>modify</kind><obj type="VirtualMachine">vm-1</obj>)"
          R"(<changeSet><name>runtime.host</name><op>indirectRemove</op></changeSet>)"
          R"(<changeSet><name>name</name><op>assign</op><val xsi:type="xsd:string">web01-old</val></changeSet>)"
          R"(</objectSet><objectSet><kind>enter</kind><obj type="VirtualMachine">vm-2</obj>)"
          R"(<changeSet><name>config.instanceUuid</name><op>assign</op><val xsi:type="xsd:string">5001-bb</val></changeSet>)"
          R"(</objectSet></filterSet><truncated>false</truncated></returnval>)"),
      &inv));
  const Entity& vm1 = inv.entities.at("VirtualMachine:vm-1");
  CHECK(vm1.name == "web01-old");
  CHECK(vm1.properties.count("runtime.host") == 0);
  CHECK(vm1.uuid == "5001-aa");
  CHECK(inv.entities.at("VirtualMachine:vm-2").uuid == "5001-bb");

  Apply(
      Update(
          R"(<returnval><version>3</version><filterSet><filter type="PropertyFilter">session[1]2</filter>)"
          R"(<objectSet><kind>leave</kind><obj type="VirtualMachine">vm-1</obj></objectSet>)"
          R"(</filterSet></returnval>)"),
      &inv);
  CHECK(inv.version == "3");
  CHECK(inv.entities.count("VirtualMachine:vm-1") == 0);
  CHECK(inv.entities.size() == 1);
}
