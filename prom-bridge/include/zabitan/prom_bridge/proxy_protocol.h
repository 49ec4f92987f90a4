// zabitan — the PROXY protocol header (HAProxy's doc/proxy-protocol.txt, versions 1 and 2)
// that zabitan-prom writes first on a scrape connection, for exporters behind a balancer
// that requires it (`bind ... accept-proxy`). The scraper's side only: the sender never sends it
// (Zabbix's trapper does not accept it).
// A pure function: thread-safe.
//
// Example:
//   #include <arpa/inet.h>
//   #include <netinet/in.h>
//   sockaddr_in local{}, peer{};
//   local.sin_family = peer.sin_family = AF_INET;
//   inet_pton(AF_INET, "192.0.2.1", &local.sin_addr);
//   inet_pton(AF_INET, "192.0.2.2", &peer.sin_addr);
//   local.sin_port = htons(51000);
//   peer.sin_port = htons(9100);
//   std::string h = zabitan::prom_bridge::ProxyHeader(1, reinterpret_cast<const sockaddr*>(&local),
//                                              reinterpret_cast<const sockaddr*>(&peer));
//   // "PROXY TCP4 192.0.2.1 192.0.2.2 51000 9100\r\n"; empty: a family other than TCP
#ifndef ZABITAN_PROM_BRIDGE_PROXY_PROTOCOL_H_
#define ZABITAN_PROM_BRIDGE_PROXY_PROTOCOL_H_

#include <sys/socket.h>

#include <string>

namespace zabitan::prom_bridge {

// The header announcing a TCP connection from `source` to `destination` (both AF_INET or both
// AF_INET6): version 1 "PROXY TCP4 192.0.2.1 192.0.2.2 51000 9100\r\n", version 2 the 12-byte
// signature, 0x21 (v2, PROXY), 0x11/0x21 (TCP over IPv4/IPv6), a big-endian length and the
// addresses and ports. Empty for any other version or family, or mixed families.
std::string ProxyHeader(int version, const sockaddr* source, const sockaddr* destination);

}  // namespace zabitan::prom_bridge

#endif  // ZABITAN_PROM_BRIDGE_PROXY_PROTOCOL_H_
