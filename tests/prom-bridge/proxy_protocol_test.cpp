#include "zabitan/prom_bridge/proxy_protocol.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string>

#include <catch2/catch.hpp>

using namespace zabitan::prom_bridge;

namespace {

// An IPv6 address when `text` holds a ':', else IPv4.
sockaddr_storage Address(const char* text, uint16_t port) {
  sockaddr_storage a{};
  if (std::string(text).find(':') != std::string::npos) {
    auto* six = reinterpret_cast<sockaddr_in6*>(&a);
    six->sin6_family = AF_INET6;
    six->sin6_port = htons(port);
    inet_pton(AF_INET6, text, &six->sin6_addr);
  } else {
    auto* four = reinterpret_cast<sockaddr_in*>(&a);
    four->sin_family = AF_INET;
    four->sin_port = htons(port);
    inet_pton(AF_INET, text, &four->sin_addr);
  }
  return a;
}
const sockaddr* Sa(const auto& a) { return reinterpret_cast<const sockaddr*>(&a); }

}  // namespace

TEST_CASE("proxy protocol: version 1 lines, as the specification writes them", "[prom]") {
  auto s = Address("192.168.0.1", 56324), d = Address("192.168.0.11", 443);
  CHECK(ProxyHeader(1, Sa(s), Sa(d)) == "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n");
  auto s6 = Address("::1", 40000), d6 = Address("2001:db8::2", 9100);
  CHECK(ProxyHeader(1, Sa(s6), Sa(d6)) == "PROXY TCP6 ::1 2001:db8::2 40000 9100\r\n");
}

TEST_CASE("proxy protocol: version 2 bytes", "[prom]") {
  auto s = Address("192.168.0.1", 56324), d = Address("192.168.0.11", 443);
  std::string want("\r\n\r\n\0\r\nQUIT\n", 12);
  want += std::string("\x21\x11\x00\x0c", 4);                  // v2 PROXY, TCP/IPv4, 12 bytes
  want += std::string("\xc0\xa8\x00\x01\xc0\xa8\x00\x0b", 8);  // addresses
  want += std::string("\xdc\x04\x01\xbb", 4);                  // ports 56324, 443
  CHECK(ProxyHeader(2, Sa(s), Sa(d)) == want);
  auto s6 = Address("::1", 1), d6 = Address("::2", 2);
  std::string h6 = ProxyHeader(2, Sa(s6), Sa(d6));
  REQUIRE(h6.size() == 16 + 36);
  CHECK(h6.substr(12, 4) == std::string("\x21\x21\x00\x24", 4));
  CHECK(h6[16 + 15] == 1);
  CHECK(h6[16 + 31] == 2);
  CHECK(h6.substr(48) == std::string("\x00\x01\x00\x02", 4));
}

TEST_CASE("proxy protocol: nothing for other versions or mixed families", "[prom]") {
  auto s = Address("127.0.0.1", 1);
  auto d6 = Address("::1", 2);
  CHECK(ProxyHeader(3, Sa(s), Sa(s)).empty());
  CHECK(ProxyHeader(2, Sa(s), Sa(d6)).empty());
  sockaddr un{};
  un.sa_family = AF_UNIX;
  CHECK(ProxyHeader(1, &un, &un).empty());
}
