#include "inventory_updates.h"

#include "xml.h"

// What an inventory is made of, and the reply that changes it (elements by local name):
//   WaitForUpdatesExResponse/returnval? := version filterSet* truncated?
//     filterSet := filter objectSet*     objectSet := kind(enter|modify|leave) obj changeSet*
//     changeSet := name op(assign|add|remove|indirectRemove) val?
// No I/O here: the fuzz target links it without libcurl.

namespace zabitan::vsphere {

void ApplyUpdates(pugi::xml_node response, Inventory* inv, bool* truncated) {
  *truncated = false;
  pugi::xml_node set = Child(response, "returnval");
  if (!set) return;  // nothing changed
  for (pugi::xml_node fs = set.first_child(); fs; fs = fs.next_sibling()) {
    if (LocalName(fs.name()) != "filterSet") continue;
    for (pugi::xml_node os = fs.first_child(); os; os = os.next_sibling()) {
      if (LocalName(os.name()) != "objectSet") continue;
      pugi::xml_node obj = Child(os, "obj");
      ManagedObject mo{obj.attribute("type").value(), obj.text().get()};
      if (kInventoryProperties.count(mo.type) == 0 || mo.value.empty()) continue;
      const std::string kind = ChildText(os, "kind");
      if (kind == "leave") {
        inv->entities.erase(Inventory::Key(mo));
        continue;
      }
      if (kind != "enter" && kind != "modify") continue;
      Entity& e = inv->entities[Inventory::Key(mo)];
      if (kind == "enter") e = Entity{mo, {}, {}, {}};  // all of it follows
      e.moref = mo;
      for (pugi::xml_node cs = os.first_child(); cs; cs = cs.next_sibling()) {
        if (LocalName(cs.name()) != "changeSet") continue;
        const std::string name = ChildText(cs, "name");
        const std::string op = ChildText(cs, "op");
        if (op == "remove" || op == "indirectRemove") {
          e.Unset(name);
        } else {
          e.Set(name, ChildText(cs, "val"));  // assign (add only names arrays: none is read)
        }
      }
    }
  }
  inv->version = ChildText(set, "version");
  *truncated = ChildText(set, "truncated") == "true";
}

}  // namespace zabitan::vsphere
