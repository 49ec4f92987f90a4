#include "xml.h"

namespace zabitan::vsphere {

std::string_view LocalName(std::string_view qualified) {
  size_t colon = qualified.find(':');
  return colon == std::string_view::npos ? qualified : qualified.substr(colon + 1);
}

pugi::xml_node Child(pugi::xml_node parent, std::string_view local_name) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && LocalName(c.name()) == local_name) return c;
  }
  return {};
}

std::string ChildText(pugi::xml_node parent, std::string_view local_name) {
  return Child(parent, local_name).text().get();
}

std::string XsiType(pugi::xml_node node) {
  for (pugi::xml_attribute a = node.first_attribute(); a; a = a.next_attribute()) {
    std::string_view name = a.name();
    // xsi:type or XMLSchema-instance:type: a prefixed attribute whose local name is "type".
    if (name.find(':') != std::string_view::npos && LocalName(name) == "type" &&
        !name.starts_with("xmlns")) {
      return std::string(LocalName(a.value()));
    }
  }
  return "";
}

std::string Escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace zabitan::vsphere
