// Fuzz target: a vSphere endpoint's HTTP reply body, as zabitan-vmware reads it.
//
//   bytes → ParseSoapReply (envelope, SOAP fault) → the body element given to every reply
//   parser: ApplyUpdates (an inventory's update set) → DiscoveryValues; ParseCounters; ParsePerf
//   (with every entity moref and counterId the reply names) → PerfKey, InstanceDiscoveryValues;
//   ParseMaxQueryMetrics; remote-cmd's ParseTaskReply, ParseFolderReply, AppendFolderVms
//
// Properties (a violation aborts):
//  - ParseSoapReply succeeds exactly when it returns a body element, and every failure has a
//    code of the vSphere library's (a fault's, or a bad reply's); every error is a non-empty
//    message of one line;
//  - an entity's uuid is the property its type takes it from;
//  - a catalogue that parsed is not empty, and every counter is keyed by its "group.name.rollup"
//    path with three non-empty parts;
//  - every sample belongs to an entity and counter that were asked for, has a UTC clock within
//    uint31 and ns below 10^9, and a value that is a non-negative decimal number (two decimals
//    for percentages);
//  - a task or folder parsed has a moref (a folder's type is Folder), a refusal is one line, and
//    a folder's VMs are VirtualMachines;
//  - every key sent is zabitan.vmware.… and ends in ']', every LLD value is valid JSON (names
//    from the endpoint that are not UTF-8 are replaced, never thrown about).
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz_check.h"
#include "inventory_updates.h"
#include "perf_replies.h"
#include "soap_reply.h"
#include "vm_replies.h"
#include "xml.h"
#include "zabitan/vmware_collector/discovery.h"
#include "zabitan/vmware_collector/metrics.h"
#include "zabitan/vsphere/error.h"

namespace {

using zabitan::Status;
using namespace zabitan::vsphere;
using namespace zabitan::vmware_collector;

void CheckOneLine(const Status& s) {
  CHECK(!s.ok());
  CHECK(!s.message().empty());
  CHECK(s.message().find('\n') == std::string::npos && s.message().find('\r') == std::string::npos);
}

void CheckValues(const std::vector<zabitan::sender::Value>& values) {
  for (const auto& v : values) {
    CHECK(v.key.starts_with("zabitan.vmware."));
    if (v.key.ends_with("discovery")) {
      CHECK(nlohmann::json::accept(v.value));
      CHECK(nlohmann::json::parse(v.value).is_array());
    }
  }
}

bool IsNumber(std::string_view v, bool percent) {
  size_t digits = 0;
  while (digits < v.size() && v[digits] >= '0' && v[digits] <= '9') ++digits;
  if (digits == 0) return false;
  if (!percent) return digits == v.size();
  return v.size() == digits + 3 && v[digits] == '.' && v[digits + 1] >= '0' &&
         v[digits + 1] <= '9' && v[digits + 2] >= '0' && v[digits + 2] <= '9';
}

// Every element of the tree with this local name, in document order (iteratively: no recursion
// on a deep tree).
std::vector<pugi::xml_node> All(pugi::xml_node root, std::string_view local_name) {
  std::vector<pugi::xml_node> out;
  pugi::xml_node n = root.first_child();
  while (n) {
    if (n.type() == pugi::node_element && LocalName(n.name()) == local_name) out.push_back(n);
    if (n.first_child()) {
      n = n.first_child();
      continue;
    }
    while (n && n != root && !n.next_sibling()) n = n.parent();
    if (!n || n == root) break;
    n = n.next_sibling();
  }
  return out;
}

void FuzzPerf(pugi::xml_node body) {
  // Entities and counters as asked for: every moref and counterId the reply mentions.
  std::vector<std::unique_ptr<Entity>> entities;
  std::map<std::string, const Entity*> by_moref;
  for (pugi::xml_node e : All(body, "entity")) {
    auto entity = std::make_unique<Entity>();
    entity->moref = {e.attribute("type").value(), e.text().get()};
    entity->uuid = "uuid-" + entity->moref.value;
    if (by_moref.emplace(entity->moref.value, entity.get()).second)
      entities.push_back(std::move(entity));
  }
  const std::vector<MetricSpec> vm_specs = DefaultMetrics("VirtualMachine");
  std::vector<std::unique_ptr<Counter>> counters;
  std::map<int, const Counter*> by_key;
  for (pugi::xml_node c : All(body, "counterId")) {
    int key = static_cast<int>(c.text().as_llong());
    if (by_key.contains(key)) continue;
    auto counter = std::make_unique<Counter>();
    counter->key = key;
    counter->path = vm_specs[static_cast<unsigned>(key) % vm_specs.size()].path;
    counter->unit = key % 2 ? "percent" : "kiloBytes";
    by_key[key] = counter.get();
    counters.push_back(std::move(counter));
  }
  PerfResult result;
  Status s = ParsePerf(body, by_moref, by_key, &result);
  if (!s.ok()) {
    CheckOneLine(s);
    return;
  }
  for (const Sample& smp : result.samples) {
    CHECK(smp.entity && by_moref.at(smp.entity->moref.value) == smp.entity);
    CHECK(smp.counter && by_key.at(smp.counter->key) == smp.counter);
    CHECK(smp.clock <= 0x7fffffffu);
    CHECK(smp.ns <= 999999999u);
    CHECK(IsNumber(smp.value, smp.counter->unit == "percent"));
    for (const MetricSpec& spec : vm_specs) {
      if (spec.path != smp.counter->path) continue;
      std::string key = PerfKey("VirtualMachine", spec, smp.instance);
      CHECK(key.empty() ||
            (key.starts_with("zabitan.vmware.vm.perf[" + spec.path) && key.ends_with("]")));
    }
  }
  for (const Series& series : result.series) CHECK(series.entity && series.counter);
  std::vector<Entity> datastores;
  CheckValues(InstanceDiscoveryValues("VirtualMachine", vm_specs, result.series, datastores, 1));
  CheckValues(InstanceDiscoveryValues("HostSystem", DefaultMetrics("HostSystem"), result.series,
                                      datastores, 1));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view reply(reinterpret_cast<const char*>(data), size);
  SoapResult r;
  Status s = ParseSoapReply(reply, size % 2 ? 500 : 200, &r);
  if (!s.ok()) {
    CheckOneLine(s);
    CHECK(!r.body);
    CHECK(s.code().category() == ErrorCategory());  // a fault's code, or a bad reply's
    return 0;
  }
  CHECK(r.body);
  CHECK(!s.code());

  Inventory inventory;
  bool truncated = false;
  ApplyUpdates(r.body, &inventory, &truncated);
  const std::vector<Entity> entities = inventory.List();
  for (const Entity& e : entities) {
    if (e.moref.type != "VirtualMachine") continue;
    auto uuid = e.properties.find("config.instanceUuid");
    CHECK(e.uuid == (uuid == e.properties.end() ? "" : uuid->second));
  }
  CheckValues(DiscoveryValues("vc", entities, 1));

  std::map<std::string, Counter> catalogue;
  s = ParseCounters(r.body, &catalogue);
  if (s.ok()) {
    CHECK(!catalogue.empty());
    for (const auto& [path, counter] : catalogue) {
      CHECK(path == counter.path);
      size_t a = path.find('.'), b = path.rfind('.');
      CHECK(a != std::string::npos && a > 0 && b > a + 1 && b + 1 < path.size());
      CHECK(path.find('.', a + 1) == b);  // exactly three parts
    }
  } else {
    CheckOneLine(s);
  }

  FuzzPerf(r.body);

  int64_t limit = 12345;
  if (!ParseMaxQueryMetrics(r.body, &limit)) CHECK(limit == 12345);

  // remote-cmd's replies (vm_power.h): a task, a folder, a folder's VMs.
  ManagedObject mo;
  if (Status t = ParseTaskReply("PowerOnVM_Task", r.body, &mo); t.ok()) {
    CHECK(!mo.value.empty());
  } else {
    CheckOneLine(t);
  }
  if (Status f = ParseFolderReply("DC0/vm/pool\n", r.body, &mo); f.ok()) {
    CHECK(mo.type == "Folder" && !mo.value.empty());
  } else {
    CheckOneLine(f);
  }
  std::vector<VmPower> vms;
  AppendFolderVms(r.body, &vms);
  for (const VmPower& vm : vms) CHECK(vm.moref.type == "VirtualMachine");
  return 0;
}
