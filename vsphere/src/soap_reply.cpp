#include "soap_reply.h"

#include "xml.h"
#include "zabitan/common/printable.h"
#include "zabitan/vsphere/error.h"

// The envelope (elements by local name; prefixes and xsi:type spellings vary):
//   Envelope/Body/<Method>Response/returnval...          success
//   Envelope/Body/Fault/{faultstring, detail/<X>Fault}   failure, X from xsi:type or the name

namespace zabitan::vsphere {

Status ParseSoapReply(std::string_view reply, long http, SoapResult* result) {
  result->body = pugi::xml_node();
  const auto bad = [http](const std::string& what) {
    return Status::Error("HTTP " + std::to_string(http) + what, Error::kBadReply);
  };
  pugi::xml_parse_result parsed = result->doc.load_buffer(reply.data(), reply.size());
  if (!parsed) {
    return bad(std::string(", reply is not XML (") + parsed.description() + ")");
  }
  pugi::xml_node soap_body = Child(Child(result->doc, "Envelope"), "Body");
  pugi::xml_node first;
  for (pugi::xml_node c = soap_body.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element) {
      first = c;
      break;
    }
  }
  if (!first) return bad(", no SOAP body");
  if (LocalName(first.name()) == "Fault") {
    pugi::xml_node detail = Child(first, "detail");
    pugi::xml_node fault;
    for (pugi::xml_node c = detail.first_child(); c; c = c.next_sibling()) {
      if (c.type() == pugi::node_element) {
        fault = c;
        break;
      }
    }
    std::string type = fault ? XsiType(fault) : "";
    if (fault && type.empty()) type = std::string(LocalName(fault.name()));
    if (type.ends_with("Fault") && type.size() > 5)
      type.resize(type.size() - 5);  // NotAuthenticatedFault
    const std::string name = Printable(type, 100);
    std::string text = Printable(ChildText(first, "faultstring"), 300);
    return Status::Error((name.empty() ? "SOAP fault" : name) + (text.empty() ? "" : ": " + text),
                         FaultCode(type));
  }
  if (http != 200) return bad("");
  result->body = first;
  return Status::Ok();
}

}  // namespace zabitan::vsphere
