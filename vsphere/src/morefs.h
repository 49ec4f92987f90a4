// zabitan — managed object references in requests and replies (internal to the vSphere library).
//
// Every call names its object as <_this type="T">value</_this> and every reply returns one the
// same way. Pure functions.
//
//   std::string body = "<Logout xmlns=\"urn:vim25\">" + This(sc.session_manager) + "</Logout>";
#ifndef ZABITAN_VSPHERE_MOREFS_H_
#define ZABITAN_VSPHERE_MOREFS_H_

#include <string>

#include <pugixml.hpp>

#include "xml.h"
#include "zabitan/vsphere/types.h"

namespace zabitan::vsphere {

// <tag type="T">value</tag>
inline std::string Obj(const char* tag, const ManagedObject& mo) {
  return std::string("<") + tag + " type=\"" + Escape(mo.type) + "\">" + Escape(mo.value) + "</" +
         tag + ">";
}
inline std::string This(const ManagedObject& mo) { return Obj("_this", mo); }
// The moref an element holds (its type attribute and text).
inline ManagedObject Moref(pugi::xml_node node) {
  return {node.attribute("type").value(), node.text().get()};
}

}  // namespace zabitan::vsphere

#endif  // ZABITAN_VSPHERE_MOREFS_H_
