// zabitan — reading vim25 SOAP XML regardless of namespace prefixes.
//
// vCenter writes xsi:type, the govmomi simulator writes XMLSchema-instance:type, and element
// prefixes vary (soapenv:, soap:, none): these helpers match on local names only.
//
//   pugi::xml_node ret = zabitan::vsphere::Child(body, "RetrieveServiceContentResponse");
//   std::string root = zabitan::vsphere::ChildText(ret.first_child(), "rootFolder");
#ifndef ZABITAN_VSPHERE_XML_H_
#define ZABITAN_VSPHERE_XML_H_

#include <string>
#include <string_view>

#include <pugixml.hpp>

namespace zabitan::vsphere {

// The local part of a qualified name ("soapenv:Body" -> "Body").
std::string_view LocalName(std::string_view qualified);

// The first child element with this local name, or an empty node.
pugi::xml_node Child(pugi::xml_node parent, std::string_view local_name);

// The text of that child ("" when absent).
std::string ChildText(pugi::xml_node parent, std::string_view local_name);

// The value of the element's xsi:type attribute, whatever its prefix, without the type's own
// prefix ("xsd:int" -> "int"); "" when absent.
std::string XsiType(pugi::xml_node node);

// Escapes text for an XML element or attribute value.
std::string Escape(std::string_view text);

}  // namespace zabitan::vsphere

#endif  // ZABITAN_VSPHERE_XML_H_
