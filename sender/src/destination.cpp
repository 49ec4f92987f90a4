#include "zabitan/sender/destination.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "zabitan/common/printable.h"
#include "zabitan/sender/error.h"

namespace zabitan::sender {
namespace {

// Addresses come from the command line and config files: quote them printable, one line.
std::string Quoted(std::string_view text) { return "\"" + Printable(text, 200) + "\""; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Status ParseNode(std::string_view text, uint16_t default_port, Endpoint* node) {
  std::string_view host = text;
  std::string_view port;
  if (text.starts_with('[')) {
    size_t close = text.find(']');
    if (close == std::string_view::npos)
      return Status::Error(Quoted(text) + ": missing ']'", Errc::kBadDestination);
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (!rest.starts_with(':'))
        return Status::Error(Quoted(text) + ": junk after ']'", Errc::kBadDestination);
      port = rest.substr(1);
      if (port.empty()) return Status::Error(Quoted(text) + ": empty port", Errc::kBadDestination);
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    size_t colon = text.find(':');
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (port.empty()) return Status::Error(Quoted(text) + ": empty port", Errc::kBadDestination);
  }
  // Two or more colons without brackets: an IPv6 address, which cannot carry a port.
  if (host.empty()) return Status::Error(Quoted(text) + ": empty host", Errc::kBadDestination);
  node->host = std::string(host);
  node->port = default_port;
  if (!port.empty()) {
    if (Status s = ParsePort(port, &node->port); !s.ok()) {
      return s.Prefixed(Quoted(text));
    }
  }
  return Status::Ok();
}

}  // namespace

std::string Destination::ToString() const {
  std::string text;
  for (const Endpoint& node : nodes) {
    if (!text.empty()) text += ';';
    bool v6 = node.host.find(':') != std::string::npos;
    text += (v6 ? "[" + node.host + "]" : node.host) + ":" + std::to_string(node.port);
  }
  return text;
}

Status ParsePort(std::string_view text, uint16_t* port) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1 || value > 65535) {
    return Status::Error("invalid port " + Quoted(text) + " (1-65535)", Errc::kBadDestination);
  }
  *port = static_cast<uint16_t>(value);
  return Status::Ok();
}

Status ParseDestinations(std::string_view spec, uint16_t default_port,
                         std::vector<Destination>* destinations) {
  destinations->clear();
  std::set<std::string> seen;  // Endpoint::ToString() of every node so far
  size_t pos = 0;
  while (pos <= spec.size()) {
    size_t comma = spec.find(',', pos);
    if (comma == std::string_view::npos) comma = spec.size();
    std::string_view cluster = spec.substr(pos, comma - pos);
    Destination dest;
    size_t npos = 0;
    while (npos <= cluster.size()) {
      size_t semi = cluster.find(';', npos);
      if (semi == std::string_view::npos) semi = cluster.size();
      std::string_view text = Trim(cluster.substr(npos, semi - npos));
      if (text.empty())
        return Status::Error("empty address in " + Quoted(spec), Errc::kBadDestination);
      Endpoint node;
      if (Status s = ParseNode(text, default_port, &node); !s.ok()) return s;
      if (!seen.insert(node.ToString()).second) {
        return Status::Error("address " + Quoted(node.ToString()) + " specified more than once",
                             Errc::kBadDestination);
      }
      dest.nodes.push_back(std::move(node));
      npos = semi + 1;
    }
    destinations->push_back(std::move(dest));
    pos = comma + 1;
  }
  return Status::Ok();
}

}  // namespace zabitan::sender
