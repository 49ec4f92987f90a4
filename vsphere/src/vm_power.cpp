#include "zabitan/vsphere/vm_power.h"

#include <algorithm>
#include <functional>
#include <map>
#include <thread>

#include "morefs.h"
#include "soap_reply.h"
#include "vm_replies.h"
#include "xml.h"
#include "zabitan/vsphere/error.h"

namespace zabitan::vsphere {
namespace {

// One object's properties `paths` (RetrievePropertiesEx on a single object), into `props`.
Status ReadObjectProperties(SoapClient& client, const ServiceContent& sc, const ManagedObject& obj,
                            const std::vector<std::string>& paths, SoapResult* r,
                            std::map<std::string, pugi::xml_node>* props) {
  std::string path_set;
  for (const std::string& p : paths) path_set += "<pathSet>" + Escape(p) + "</pathSet>";
  Status s =
      client.Call("<RetrievePropertiesEx xmlns=\"urn:vim25\">" + This(sc.property_collector) +
                      "<specSet><propSet><type>" + Escape(obj.type) + "</type>" + path_set +
                      "</propSet><objectSet>" + Obj("obj", obj) +
                      "</objectSet></specSet><options/>"
                      "</RetrievePropertiesEx>",
                  r);
  if (!s.ok()) return s;
  props->clear();
  ForEachObject(r->body, [&](const ManagedObject&, const std::map<std::string, pugi::xml_node>& p) {
    *props = p;
  });
  return Status::Ok();
}

Status TaskCall(SoapClient& client, const std::string& method, const std::string& request,
                ManagedObject* task) {
  SoapResult r;
  Status s = client.Call(request, &r);
  if (!s.ok()) return s.Prefixed(method);
  return ParseTaskReply(method, r.body, task);
}

Status TaskCall(SoapClient& client, const std::string& method, const ManagedObject& vm,
                ManagedObject* task) {
  return TaskCall(client, method,
                  "<" + method + " xmlns=\"urn:vim25\">" + This(vm) + "</" + method + ">", task);
}

// A specSet for the properties `paths` of the objects of `type` that `from` leads to through
// its property `path` (`from` itself skipped): a ContainerView's view, a Folder's childEntity.
std::string TraversalSpec(const std::string& type, const std::vector<std::string>& paths,
                          const ManagedObject& from, const char* from_type, const char* path) {
  std::string path_set;
  for (const std::string& p : paths) path_set += "<pathSet>" + Escape(p) + "</pathSet>";
  return "<specSet><propSet><type>" + Escape(type) + "</type>" + path_set +
         "</propSet><objectSet>" + Obj("obj", from) +
         "<skip>true</skip><selectSet xsi:type=\"TraversalSpec\"><name>traverse</name><type>" +
         from_type + "</type><path>" + path +
         "</path><skip>false</skip></selectSet></objectSet></specSet>";
}

// RetrievePropertiesEx of `spec`, then ContinueRetrievePropertiesEx while the reply has a
// token: `page` sees each reply body.
Status RetrieveAll(SoapClient& client, const ServiceContent& sc, const std::string& spec,
                   const std::function<void(pugi::xml_node)>& page) {
  SoapResult r;
  Status s = client.Call(
      "<RetrievePropertiesEx xmlns=\"urn:vim25\">" + This(sc.property_collector) + spec +
          "<options><maxObjects>1000</maxObjects></options></RetrievePropertiesEx>",
      &r);
  std::string token;
  auto take = [&](pugi::xml_node body) {
    page(body);
    token = ChildText(Child(body, "returnval"), "token");
  };
  if (s.ok()) take(r.body);
  while (s.ok() && !token.empty()) {
    s = client.Call("<ContinueRetrievePropertiesEx xmlns=\"urn:vim25\">" +
                        This(sc.property_collector) + "<token>" + Escape(token) +
                        "</token></ContinueRetrievePropertiesEx>",
                    &r);
    if (s.ok()) take(r.body);
  }
  return s.ok() ? s : s.Prefixed("RetrievePropertiesEx");
}

// Name and the given properties of every object of `type` under the root folder.
Status ListObjects(SoapClient& client, const ServiceContent& sc, const std::string& type,
                   const std::vector<std::string>& paths,
                   const std::function<void(const ManagedObject&,
                                            const std::map<std::string, pugi::xml_node>&)>& fn) {
  SoapResult r;
  Status s = client.Call("<CreateContainerView xmlns=\"urn:vim25\">" + This(sc.view_manager) +
                             Obj("container", sc.root_folder) + "<type>" + Escape(type) +
                             "</type><recursive>true</recursive></CreateContainerView>",
                         &r);
  if (!s.ok()) return s.Prefixed("CreateContainerView");
  pugi::xml_node rv = Child(r.body, "returnval");
  ManagedObject view{rv.attribute("type").value(), rv.text().get()};
  s = RetrieveAll(client, sc, TraversalSpec(type, paths, view, "ContainerView", "view"),
                  [&](pugi::xml_node body) { ForEachObject(body, fn); });
  SoapResult ignored;
  client.Call("<DestroyView xmlns=\"urn:vim25\">" + This(view) + "</DestroyView>", &ignored);
  return s;
}

}  // namespace

std::string CloneVmRequest(const ManagedObject& vm, const CloneTarget& t) {
  // The location's elements are in the order of vim25's VirtualMachineRelocateSpec (datastore
  // before pool): vCenter rejects a sequence out of order.
  std::string location;
  if (!t.datastore.value.empty()) location += Obj("datastore", t.datastore);
  if (!t.pool.value.empty()) location += Obj("pool", t.pool);
  return "<CloneVM_Task xmlns=\"urn:vim25\">" + This(vm) + Obj("folder", t.folder) + "<name>" +
         Escape(t.name) + "</name><spec><location>" + location +
         "</location><template>false</template><powerOn>false</powerOn></spec></CloneVM_Task>";
}

Status CloneVirtualMachine(SoapClient& client, const ManagedObject& vm, const CloneTarget& target,
                           ManagedObject* task) {
  return TaskCall(client, "CloneVM_Task", CloneVmRequest(vm, target), task);
}

Status FindByName(SoapClient& client, const ServiceContent& sc, const std::string& type,
                  const std::string& name, ManagedObject* object) {
  int found = 0;
  Status s = ListObjects(
      client, sc, type, {"name"},
      [&](const ManagedObject& mo, const std::map<std::string, pugi::xml_node>& props) {
        if (auto it = props.find("name"); it != props.end() && name == it->second.text().get()) {
          *object = mo;
          ++found;
        }
      });
  if (!s.ok()) return s;
  if (found == 0) return Status::Error("no " + type + " named \"" + name + "\"", Error::kNotFound);
  if (found > 1) {
    return Status::Error(
        std::to_string(found) + " objects of type " + type + " are named \"" + name + "\"",
        Error::kAmbiguous);
  }
  return Status::Ok();
}

Status ReadPlacement(SoapClient& client, const ServiceContent& sc, const ManagedObject& vm,
                     ManagedObject* folder, ManagedObject* pool) {
  SoapResult r;
  std::map<std::string, pugi::xml_node> props;
  if (Status s = ReadObjectProperties(client, sc, vm, {"parent", "resourcePool"}, &r, &props);
      !s.ok()) {
    return s.Prefixed("RetrievePropertiesEx");
  }
  auto moref = [&](const char* path) {
    auto it = props.find(path);
    return it == props.end()
               ? ManagedObject{}
               : ManagedObject{it->second.attribute("type").value(), it->second.text().get()};
  };
  *folder = moref("parent");
  *pool = moref("resourcePool");
  if (folder->value.empty()) return Status::Error("no folder for " + vm.value, Error::kBadReply);
  return Status::Ok();
}

Status ListFolderVirtualMachines(SoapClient& client, const ServiceContent& sc,
                                 const std::string& inventory_path, std::vector<VmPower>* vms) {
  vms->clear();
  if (sc.search_index.empty())
    return Status::Error("the endpoint has no SearchIndex", Error::kBadReply);
  SoapResult r;
  Status s = client.Call("<FindByInventoryPath xmlns=\"urn:vim25\">" + This(sc.search_index) +
                             "<inventoryPath>" + Escape(inventory_path) +
                             "</inventoryPath></FindByInventoryPath>",
                         &r);
  if (!s.ok()) return s.Prefixed("FindByInventoryPath");
  ManagedObject folder;
  if (s = ParseFolderReply(inventory_path, r.body, &folder); !s.ok()) return s;
  // Folder.childEntity holds the folder's own children only: the VMs of its subfolders are
  // one traversal further, which this spec does not take.
  s = RetrieveAll(client, sc,
                  TraversalSpec("VirtualMachine", {"name", "runtime.powerState", "config.template"},
                                folder, "Folder", "childEntity"),
                  [&](pugi::xml_node body) { AppendFolderVms(body, vms); });
  if (!s.ok()) return s;
  std::sort(vms->begin(), vms->end(),
            [](const VmPower& a, const VmPower& b) { return a.name < b.name; });
  return Status::Ok();
}

Status ListVirtualMachines(SoapClient& client, const ServiceContent& sc,
                           std::vector<VmPower>* vms) {
  vms->clear();
  return ListObjects(
      client, sc, "VirtualMachine", {"name", "runtime.powerState"},
      [&](const ManagedObject& mo, const std::map<std::string, pugi::xml_node>& props) {
        VmPower vm{mo, {}, {}};
        if (auto it = props.find("name"); it != props.end()) vm.name = it->second.text().get();
        if (auto it = props.find("runtime.powerState"); it != props.end()) {
          vm.power_state = it->second.text().get();
        }
        vms->push_back(std::move(vm));
      });
}

Status ReadPowerState(SoapClient& client, const ServiceContent& sc, const ManagedObject& vm,
                      std::string* state) {
  SoapResult r;
  std::map<std::string, pugi::xml_node> props;
  if (Status s = ReadObjectProperties(client, sc, vm, {"runtime.powerState"}, &r, &props);
      !s.ok()) {
    return s.Prefixed("RetrievePropertiesEx");
  }
  state->clear();
  if (auto it = props.find("runtime.powerState"); it != props.end())
    *state = it->second.text().get();
  if (state->empty()) return Status::Error("no power state for " + vm.value, Error::kBadReply);
  return Status::Ok();
}

Status PowerOn(SoapClient& client, const ManagedObject& vm, ManagedObject* task) {
  return TaskCall(client, "PowerOnVM_Task", vm, task);
}

Status PowerOff(SoapClient& client, const ManagedObject& vm, ManagedObject* task) {
  return TaskCall(client, "PowerOffVM_Task", vm, task);
}

Status ShutdownGuest(SoapClient& client, const ManagedObject& vm) {
  SoapResult r;
  Status s = client.Call("<ShutdownGuest xmlns=\"urn:vim25\">" + This(vm) + "</ShutdownGuest>", &r);
  return s.ok() ? s : s.Prefixed("ShutdownGuest");
}

Status WaitForTask(SoapClient& client, const ServiceContent& sc, const ManagedObject& task,
                   std::chrono::steady_clock::time_point deadline) {
  auto pause = std::chrono::milliseconds(50);
  for (;;) {
    SoapResult r;
    std::map<std::string, pugi::xml_node> props;
    if (Status s = ReadObjectProperties(client, sc, task, {"info.state", "info.error"}, &r, &props);
        !s.ok()) {
      return s.Prefixed("task " + task.value);
    }
    std::string state, error;
    if (auto it = props.find("info.state"); it != props.end()) state = it->second.text().get();
    if (auto it = props.find("info.error"); it != props.end()) {
      error = ChildText(it->second, "localizedMessage");
      if (error.empty()) error = XsiType(Child(it->second, "fault"));
      if (error.empty()) error = "failed";
    }
    if (state == "success") return Status::Ok();
    if (state == "error")
      return Status::Error("task " + task.value + ": " + error, Error::kTaskFailed);
    if (std::chrono::steady_clock::now() + pause > deadline) {
      return Status::Error("task " + task.value + " still " + (state.empty() ? "unknown" : state) +
                               " at the deadline",
                           Error::kTimedOut);
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(500));
  }
}

}  // namespace zabitan::vsphere
