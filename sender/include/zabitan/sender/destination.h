// zabitan — where values go: zabbix_sender's -z / ServerActive syntax.
//
//   list    := cluster ("," cluster)*     independent destinations: each gets every value
//   cluster := node (";" node)*           nodes of one HA cluster: the first that answers
//   node    := host | host ":" port | "[" ipv6 "]" [":" port] | ipv6   (no port without [])
//
// The same address twice anywhere in the list is an error, as in zabbix_sender.
//
// Thread-safety: plain values and pure functions, safe from any thread.
//
// Example:
//   std::vector<zabitan::sender::Destination> d;
//   zabitan::Status s = zabitan::sender::ParseDestinations("zbx1;zbx2,[::1]:10052", 10051, &d);
//   // d[0].nodes = {zbx1:10051, zbx2:10051}, d[1].nodes = {::1:10052}
#ifndef ZABITAN_SENDER_DESTINATION_H_
#define ZABITAN_SENDER_DESTINATION_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "zabitan/common/status.h"

namespace zabitan::sender {

inline constexpr uint16_t kDefaultPort = 10051;

struct Endpoint {
  std::string host;  // a name or an address, without brackets
  uint16_t port = kDefaultPort;

  // "host:port", the form zabbix_sender prints in its "Response from" lines.
  std::string ToString() const { return host + ":" + std::to_string(port); }
  bool operator==(const Endpoint&) const = default;
};

struct Destination {
  std::vector<Endpoint> nodes;  // tried in order; at least one

  // The destination in -z syntax ("a:10051;[::1]:10051"), parseable again: names its spool.
  std::string ToString() const;
};

Status ParseDestinations(std::string_view spec, uint16_t default_port,
                         std::vector<Destination>* destinations);

// Parses a port number 1..65535.
Status ParsePort(std::string_view text, uint16_t* port);

}  // namespace zabitan::sender

#endif  // ZABITAN_SENDER_DESTINATION_H_
