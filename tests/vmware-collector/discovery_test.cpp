#include "zabitan/vmware_collector/discovery.h"

#include <map>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace zabitan::vmware_collector;
using namespace zabitan::vsphere;

namespace {

Entity Make(const std::string& type, const std::string& moref, const std::string& name,
            const std::string& uuid, std::map<std::string, std::string> properties) {
  Entity e;
  e.moref = {type, moref};
  e.name = name;
  e.uuid = uuid;
  e.properties = std::move(properties);
  return e;
}

// host + " " + key -> value
std::map<std::string, std::string> ByKey(const std::vector<zabitan::sender::Value>& values) {
  std::map<std::string, std::string> out;
  for (const auto& v : values) out[v.host + " " + v.key] = v.value;
  return out;
}

}  // namespace

TEST_CASE("vmware-collector/discovery: LLD, sizes, power states and uptimes",
          "[vmware-collector]") {
  std::vector<Entity> entities = {
      Make("HostSystem", "host-1", "esx01", "hv-uuid",
           {{"runtime.powerState", "poweredOn"}, {"summary.quickStats.uptime", "77229"}}),
      Make("VirtualMachine", "vm-1", "web01", "vm-uuid",
           {{"runtime.powerState", "poweredOff"},
            {"runtime.host", "host-1"},
            {"summary.quickStats.uptimeSeconds", "42"}}),
      Make("VirtualMachine", "vm-2", "no-uuid", "", {{"runtime.powerState", "poweredOn"}}),
      Make("Datastore", "datastore-1", "ssd01", "ds:///vmfs/volumes/5a7c1f-e2/",
           {{"summary.url", "ds:///vmfs/volumes/5a7c1f-e2/"},
            {"summary.capacity", "1000"},
            {"summary.freeSpace", "300"},
            {"summary.uncommitted", "250"},
            {"summary.type", "VMFS"}}),
      Make("Datastore", "datastore-2", "nfs,01", "ds:///vmfs/volumes/a,b/",
           {{"summary.capacity", "500"}, {"summary.freeSpace", "100"}}),
  };
  auto values = DiscoveryValues("vc01", entities, 1700000000);
  for (const auto& v : values) CHECK(v.clock == 1700000000u);
  auto by_key = ByKey(values);
  CHECK(nlohmann::json::parse(by_key.at("vc01 zabitan.vmware.hv.discovery")) ==
        nlohmann::json::parse(
            R"([{"{#HV.UUID}":"hv-uuid","{#HV.NAME}":"esx01","{#HV.VISIBLE.NAME}":"esx01"}])"));
  CHECK(nlohmann::json::parse(by_key.at("vc01 zabitan.vmware.vm.discovery")) ==
        nlohmann::json::parse(
            R"([{"{#VM.UUID}":"vm-uuid","{#VM.NAME}":"web01","{#VM.VISIBLE.NAME}":"web01",)"
            R"("{#VM.HV.UUID}":"hv-uuid"}])"));
  CHECK(nlohmann::json::parse(by_key.at("vc01 zabitan.vmware.datastore.discovery")).size() == 2);

  const std::string ds = "vc01 zabitan.vmware.datastore.size[ds:///vmfs/volumes/5a7c1f-e2/,";
  CHECK(by_key.at(ds + "total]") == "1000");
  CHECK(by_key.at(ds + "free]") == "300");
  CHECK(by_key.at(ds + "provisioned]") == "950");  // 1000 - 300 + 250
  CHECK(by_key.at(ds + "uncommitted]") == "250");
  // No uncommitted: 0; a UUID with a comma is quoted as Zabbix quotes {#DATASTORE.UUID}.
  const std::string ds2 = "vc01 zabitan.vmware.datastore.size[\"ds:///vmfs/volumes/a,b/\",";
  CHECK(by_key.at(ds2 + "provisioned]") == "400");
  CHECK(by_key.at(ds2 + "uncommitted]") == "0");

  CHECK(by_key.at("hv-uuid zabitan.vmware.hv.powerstate") == "1");  // poweredOn
  CHECK(by_key.at("hv-uuid zabitan.vmware.hv.uptime") == "77229");
  CHECK(by_key.at("vm-uuid zabitan.vmware.vm.powerstate") == "0");  // poweredOff
  CHECK(by_key.at("vm-uuid zabitan.vmware.vm.uptime") == "42");
  CHECK(values.size() == 3 + 8 + 4);  // LLD, sizes, power states and uptimes; nothing for vm-2
}

TEST_CASE("vmware-collector/discovery: power states are the numbers of Zabbix's VMware value maps",
          "[vmware-collector]") {
  // VMware HostSystemPowerState
  CHECK(PowerStateValue("HostSystem", "poweredOff") == 0u);
  CHECK(PowerStateValue("HostSystem", "poweredOn") == 1u);
  CHECK(PowerStateValue("HostSystem", "standBy") == 2u);
  CHECK(PowerStateValue("HostSystem", "unknown") == 3u);
  CHECK(PowerStateValue("HostSystem", "") == 3u);  // not said: not known
  CHECK(PowerStateValue("HostSystem", "hibernating") == 3u);
  // VMware VirtualMachinePowerState
  CHECK(PowerStateValue("VirtualMachine", "poweredOff") == 0u);
  CHECK(PowerStateValue("VirtualMachine", "poweredOn") == 1u);
  CHECK(PowerStateValue("VirtualMachine", "suspended") == 2u);
  CHECK_FALSE(PowerStateValue("VirtualMachine", "unknown").has_value());
  CHECK_FALSE(PowerStateValue("VirtualMachine", "").has_value());
  CHECK_FALSE(PowerStateValue("VirtualMachine", "PoweredOn")
                  .has_value());  // vSphere's enum is case-sensitive
  CHECK_FALSE(PowerStateValue("Datastore", "poweredOn").has_value());
}

TEST_CASE("vmware-collector/discovery: a VM power state outside the value map is not sent",
          "[vmware-collector]") {
  std::vector<Entity> entities = {
      Make("HostSystem", "host-1", "esx01", "hv-uuid", {{"runtime.powerState", "standBy"}}),
      Make("HostSystem", "host-2", "esx02", "hv2-uuid", {{"runtime.powerState", "unknown"}}),
      Make("VirtualMachine", "vm-1", "web01", "vm-uuid",
           {{"runtime.powerState", "unknown"}, {"summary.quickStats.uptimeSeconds", "42"}}),
      Make("VirtualMachine", "vm-2", "web02", "vm2-uuid", {{"runtime.powerState", "suspended"}}),
  };
  auto by_key = ByKey(DiscoveryValues("vc01", entities, 1));
  CHECK(by_key.at("hv-uuid zabitan.vmware.hv.powerstate") == "2");
  CHECK(by_key.at("hv2-uuid zabitan.vmware.hv.powerstate") == "3");
  CHECK_FALSE(by_key.contains("vm-uuid zabitan.vmware.vm.powerstate"));
  CHECK(by_key.at("vm-uuid zabitan.vmware.vm.uptime") == "42");  // the rest of the VM still goes
  CHECK(by_key.at("vm2-uuid zabitan.vmware.vm.powerstate") == "2");
}

TEST_CASE("vmware-collector/discovery: what the endpoint did not say is not sent",
          "[vmware-collector]") {
  std::vector<Entity> entities = {
      Make("HostSystem", "host-1", "esx01", "hv-uuid", {{"runtime.powerState", "poweredOn"}}),
      Make("Datastore", "datastore-1", "ssd01", "ds-url", {{"summary.capacity", "1000"}}),
  };
  auto by_key = ByKey(DiscoveryValues("vc01", entities, 1));
  CHECK_FALSE(by_key.contains("hv-uuid zabitan.vmware.hv.uptime"));
  CHECK(by_key.at("vc01 zabitan.vmware.datastore.size[ds-url,total]") == "1000");
  CHECK_FALSE(by_key.contains("vc01 zabitan.vmware.datastore.size[ds-url,free]"));
  CHECK_FALSE(by_key.contains("vc01 zabitan.vmware.datastore.size[ds-url,provisioned]"));
  CHECK(by_key.at("vc01 zabitan.vmware.datastore.size[ds-url,uncommitted]") == "0");
}

TEST_CASE("vmware-collector/discovery: sizes that do not add up are not sent",
          "[vmware-collector]") {
  std::vector<Entity> entities = {Make("Datastore", "datastore-1", "ssd01", "ds-url",
                                       {{"summary.capacity", "9223372036854775807"},
                                        {"summary.freeSpace", "-1"},
                                        {"summary.uncommitted", "12"}})};
  auto by_key = ByKey(DiscoveryValues("vc01", entities, 1));
  CHECK(by_key.at("vc01 zabitan.vmware.datastore.size[ds-url,total]") == "9223372036854775807");
  CHECK_FALSE(by_key.contains(
      "vc01 zabitan.vmware.datastore.size[ds-url,provisioned]"));  // overflows int64
}

TEST_CASE("vmware-collector/discovery: names that are not UTF-8 do not stop the run",
          "[vmware-collector]") {
  std::vector<Entity> entities = {Make("HostSystem", "host-1", "esx\xff", "hv-uuid", {})};
  auto by_key = ByKey(DiscoveryValues("vc01", entities, 1));
  CHECK(nlohmann::json::parse(by_key.at("vc01 zabitan.vmware.hv.discovery"))[0]["{#HV.NAME}"] ==
        "esx\xef\xbf\xbd");
}

TEST_CASE(
    "vmware-collector/discovery: a visible name longer than Zabbix keeps gives way at its "
    "plain part",
    "[vmware-collector]") {
  // Two hypervisors of one 80-character name (vSphere's limit) whose UUIDs start alike, as Dell's
  // all start 4c4c4544: the whole UUID and a 32-byte suffix make 155 characters.
  std::string long_name;
  for (int i = 0; i < 80; ++i) long_name += "\xe4\xbb\xae";  // 仮, three bytes
  std::vector<Entity> entities = {
      Make("HostSystem", "host-1", long_name, "4c4c4544-0031-3010-8044-b4c04f564d32", {}),
      Make("HostSystem", "host-2", long_name, "4c4c4544-0051-4210-8034-c3c04f4e4b32", {}),
  };
  const std::string suffix(32, 's');
  auto names = VisibleNames(entities, suffix);
  REQUIRE(names.size() == 2);
  for (const auto& [uuid, name] : names) {
    const std::string ending = " (" + uuid + ") (" + suffix + ")";
    CHECK(name.ends_with(ending));
    const std::string plain = name.substr(0, name.size() - ending.size());
    CHECK(plain.size() % 3 == 0);  // cut between characters, never inside one
    CHECK(plain.size() / 3 + ending.size() == kMaxVisibleName);
    CHECK(long_name.starts_with(plain));
  }
  CHECK(names.begin()->second != std::next(names.begin())->second);
  // Short enough: untouched.
  CHECK(VisibleNames({Make("HostSystem", "host-1", long_name, "aaaa", {})}, "").at("aaaa") ==
        long_name);
}

TEST_CASE("vmware-collector/discovery: visible names are unique, plain where the name is",
          "[vmware-collector]") {
  std::vector<Entity> entities = {
      Make("HostSystem", "host-1", "esx01", "aaaa1111-0000", {}),
      // A VM named like a hypervisor: Zabbix compares all hosts' visible names.
      Make("VirtualMachine", "vm-1", "esx01", "bbbb2222-0000", {}),
      Make("VirtualMachine", "vm-2", "web01", "cccc3333-0001", {}),
      Make("VirtualMachine", "vm-3", "web01", "dddd4444-0002", {}),
      Make("VirtualMachine", "vm-4", "db01", "eeee5555-0000-1", {}),
      Make("VirtualMachine", "vm-5", "db01", "eeee5555-0000-2", {}),  // UUIDs alike in 8 chars
      Make("VirtualMachine", "vm-6", "web01", "", {}),                // no UUID: not counted
      Make("Datastore", "ds-1", "web01", "ds:///x/", {}),             // not a host
  };
  const std::map<std::string, std::string> want = {
      {"aaaa1111-0000", "esx01 (aaaa1111)"},         {"bbbb2222-0000", "esx01 (bbbb2222)"},
      {"cccc3333-0001", "web01 (cccc3333)"},         {"dddd4444-0002", "web01 (dddd4444)"},
      {"eeee5555-0000-1", "db01 (eeee5555-0000-1)"}, {"eeee5555-0000-2", "db01 (eeee5555-0000-2)"}};
  CHECK(VisibleNames(entities, "") == want);
  // The order the endpoint lists them in does not matter: the same names every run.
  std::vector<Entity> reversed(entities.rbegin(), entities.rend());
  CHECK(VisibleNames(reversed, "") == want);
  auto suffixed = VisibleNames(entities, "vc-b");
  CHECK(suffixed.at("aaaa1111-0000") == "esx01 (aaaa1111) (vc-b)");
  CHECK(suffixed.at("cccc3333-0001") == "web01 (cccc3333) (vc-b)");
  auto rows = nlohmann::json::parse(
      ByKey(DiscoveryValues("vc01", entities, 1, "vc-b")).at("vc01 zabitan.vmware.vm.discovery"));
  REQUIRE(rows.size() == 5);
  for (const auto& row : rows) {
    CHECK(row["{#VM.VISIBLE.NAME}"] == suffixed.at(row["{#VM.UUID}"].get<std::string>()));
    CHECK(row["{#VM.VISIBLE.NAME}"].get<std::string>().rfind(row["{#VM.NAME}"].get<std::string>(),
                                                             0) == 0);  // NAME stays plain
  }
}
