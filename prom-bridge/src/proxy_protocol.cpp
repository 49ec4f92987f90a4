// zabitan — PROXY protocol v1/v2 headers (proxy_protocol.h). Layout, from the specification:
//
//   v1 := "PROXY " ("TCP4" | "TCP6") SP src-address SP dst-address SP src-port SP dst-port CRLF
//   v2 := sig[12] = \r\n\r\n\0\r\nQUIT\n, ver_cmd = 0x21 (version 2, PROXY), fam = 0x11 (TCP/IPv4)
//         or 0x21 (TCP/IPv6), len (u16 big-endian) = 12 or 36,
//         src_addr dst_addr (4 or 16 bytes each, network order), src_port dst_port (u16 BE)
#include "zabitan/prom_bridge/proxy_protocol.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace zabitan::prom_bridge {
namespace {

constexpr char kSignature[] = "\r\n\r\n\0\r\nQUIT\n";
constexpr size_t kSignatureSize = 12;
constexpr unsigned char kVersion2Proxy = 0x21;
constexpr unsigned char kTcp4 = 0x11, kTcp6 = 0x21;

void Append16(uint16_t network_order, std::string* out) {
  out->append(reinterpret_cast<const char*>(&network_order), 2);
}

}  // namespace

std::string ProxyHeader(int version, const sockaddr* source, const sockaddr* destination) {
  if ((version != 1 && version != 2) || source->sa_family != destination->sa_family) return {};
  bool v6 = source->sa_family == AF_INET6;
  if (!v6 && source->sa_family != AF_INET) return {};
  const void *src_addr, *dst_addr;
  uint16_t src_port, dst_port;  // network order
  size_t addr_size = v6 ? 16 : 4;
  if (v6) {
    auto s = reinterpret_cast<const sockaddr_in6*>(source);
    auto d = reinterpret_cast<const sockaddr_in6*>(destination);
    src_addr = &s->sin6_addr, dst_addr = &d->sin6_addr, src_port = s->sin6_port,
    dst_port = d->sin6_port;
  } else {
    auto s = reinterpret_cast<const sockaddr_in*>(source);
    auto d = reinterpret_cast<const sockaddr_in*>(destination);
    src_addr = &s->sin_addr, dst_addr = &d->sin_addr, src_port = s->sin_port,
    dst_port = d->sin_port;
  }
  std::string out;
  if (version == 1) {
    char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
    inet_ntop(source->sa_family, src_addr, src, sizeof src);
    inet_ntop(source->sa_family, dst_addr, dst, sizeof dst);
    out = std::string("PROXY ") + (v6 ? "TCP6 " : "TCP4 ") + src + " " + dst + " " +
          std::to_string(ntohs(src_port)) + " " + std::to_string(ntohs(dst_port)) + "\r\n";
    return out;
  }
  out.assign(kSignature, kSignatureSize);
  out += static_cast<char>(kVersion2Proxy);
  out += static_cast<char>(v6 ? kTcp6 : kTcp4);
  Append16(htons(static_cast<uint16_t>(2 * addr_size + 4)), &out);
  out.append(static_cast<const char*>(src_addr), addr_size);
  out.append(static_cast<const char*>(dst_addr), addr_size);
  Append16(src_port, &out);
  Append16(dst_port, &out);
  return out;
}

}  // namespace zabitan::prom_bridge
