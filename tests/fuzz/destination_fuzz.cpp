// Fuzz target: zabbix_sender's -z / ServerActive destination list.
//
// The whole input is the list, parsed with the default port 10051 (and 1 and 65535 when it is
// short); the whole input is also tried as a port.
//
// Properties (a violation aborts):
//  - on success there is one destination per ',' + 1 and one node per ',' + ';' + 1; every
//    destination has a node; every node has a non-empty host without ',' or ';' and a port in
//    1..65535; no two nodes anywhere in the list are equal;
//  - ParsePort accepts exactly the decimal numbers 1..65535 and returns their value;
//  - an error has a non-empty message.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "zabitan/sender/destination.h"

namespace {

using zabitan::Status;
using namespace zabitan::sender;

void CheckList(std::string_view spec, uint16_t default_port) {
  std::vector<Destination> destinations;
  Status s = ParseDestinations(spec, default_port, &destinations);
  if (!s.ok()) {
    CHECK(!s.message().empty());
    return;
  }
  const size_t commas = static_cast<size_t>(std::count(spec.begin(), spec.end(), ','));
  const size_t semis = static_cast<size_t>(std::count(spec.begin(), spec.end(), ';'));
  CHECK(destinations.size() == commas + 1);
  std::vector<Endpoint> all;
  for (const Destination& d : destinations) {
    CHECK(!d.nodes.empty());
    for (const Endpoint& node : d.nodes) {
      CHECK(!node.host.empty());
      CHECK(node.host.find_first_of(",;") == std::string::npos);
      CHECK(node.port >= 1 && node.port <= 65535);
      all.push_back(node);
    }
  }
  CHECK(all.size() == commas + semis + 1);
  std::sort(all.begin(), all.end(), [](const Endpoint& a, const Endpoint& b) {
    return a.host != b.host ? a.host < b.host : a.port < b.port;
  });
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // In its own allocation, so that ASan sees any read past the end.
  const std::string spec(reinterpret_cast<const char*>(data), size);
  CheckList(spec, kDefaultPort);
  // Other default ports matter for duplicates like "a:1,a"; short lists show them, and long
  // ones would only triple the time of ParseDestinations' quadratic duplicate check.
  if (spec.size() <= 256) {
    CheckList(spec, 1);
    CheckList(spec, 65535);
  }

  uint16_t port = 0;
  Status s = ParsePort(spec, &port);
  bool digits = !spec.empty() &&
                std::all_of(spec.begin(), spec.end(), [](char c) { return c >= '0' && c <= '9'; });
  uint64_t value = 0;
  for (char c : spec) {
    if (!digits || value > 65535) break;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  const bool valid = digits && value >= 1 && value <= 65535;
  CHECK(s.ok() == valid);
  if (s.ok()) {
    CHECK(port == value);
  } else {
    CHECK(!s.message().empty());
  }
  return 0;
}
