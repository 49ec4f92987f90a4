// zabitan — the PROXY protocol header (HAProxy's doc/proxy-protocol.txt, versions 1 and 2)
// that zabitan-prom writes first on a scrape connection, for exporters behind a balancer
// that requires it (`bind ... accept-proxy`). The scraper's side only: the sender never sends it
// (Zabbix's trapper does not accept it).
//
//   std::string h = zabitan::prom::ProxyHeader(2, local, peer);   // empty: family not TCP
#ifndef ZABITAN_PROM_PROXY_PROTOCOL_H_
#define ZABITAN_PROM_PROXY_PROTOCOL_H_

#include <sys/socket.h>

#include <string>

namespace zabitan::prom {

// The header announcing a TCP connection from `source` to `destination` (both AF_INET or both
// AF_INET6): version 1 "PROXY TCP4 192.0.2.1 192.0.2.2 51000 9100\r\n", version 2 the 12-byte
// signature, 0x21 (v2, PROXY), 0x11/0x21 (TCP over IPv4/IPv6), a big-endian length and the
// addresses and ports. Empty for any other version or family, or mixed families.
std::string ProxyHeader(int version, const sockaddr* source, const sockaddr* destination);

}  // namespace zabitan::prom

#endif  // ZABITAN_PROM_PROXY_PROTOCOL_H_
