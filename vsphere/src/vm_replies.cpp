#include "vm_replies.h"

#include "xml.h"
#include "zabitan/common/printable.h"
#include "zabitan/vsphere/error.h"

// The replies remote-cmd's vSphere calls read; no I/O here: the fuzz target links it without
// libcurl (tests/fuzz/vsphere_xml_fuzz.cpp).

namespace zabitan::vsphere {

void ForEachObject(pugi::xml_node body,
                   const std::function<void(const ManagedObject&,
                                            const std::map<std::string, pugi::xml_node>&)>& fn) {
  pugi::xml_node rv = Child(body, "returnval");
  for (pugi::xml_node object : rv.children()) {
    if (LocalName(object.name()) != "objects") continue;
    pugi::xml_node obj = Child(object, "obj");
    ManagedObject mo{obj.attribute("type").value(), obj.text().get()};
    std::map<std::string, pugi::xml_node> props;
    for (pugi::xml_node p : object.children()) {
      if (LocalName(p.name()) == "propSet") props[ChildText(p, "name")] = Child(p, "val");
    }
    fn(mo, props);
  }
}

Status ParseTaskReply(const std::string& method, pugi::xml_node body, ManagedObject* task) {
  pugi::xml_node rv = Child(body, "returnval");
  *task = ManagedObject{rv.attribute("type").value(), rv.text().get()};
  if (task->value.empty())
    return Status::Error(method + ": no task in the reply", Error::kBadReply);
  return Status::Ok();
}

Status ParseFolderReply(const std::string& inventory_path, pugi::xml_node body,
                        ManagedObject* folder) {
  pugi::xml_node rv = Child(body, "returnval");
  *folder = ManagedObject{rv.attribute("type").value(), rv.text().get()};
  const std::string quoted = "\"" + Printable(inventory_path, 200) + "\"";
  if (folder->value.empty()) return Status::Error("no folder at " + quoted, Error::kNotFound);
  if (folder->type != "Folder") {
    return Status::Error(quoted + " is a " + Printable(folder->type, 60) + ", not a Folder",
                         Error::kNotFound);
  }
  return Status::Ok();
}

void AppendFolderVms(pugi::xml_node body, std::vector<VmPower>* vms) {
  ForEachObject(body,
                [&](const ManagedObject& mo, const std::map<std::string, pugi::xml_node>& props) {
                  if (mo.type != "VirtualMachine") return;
                  auto text = [&](const char* path) {
                    auto it = props.find(path);
                    return it == props.end() ? std::string() : std::string(it->second.text().get());
                  };
                  if (text("config.template") == "true") return;
                  vms->push_back(VmPower{mo, text("name"), text("runtime.powerState")});
                });
}

}  // namespace zabitan::vsphere
