#include "zabitan/sender/destination.h"

#include <catch2/catch.hpp>

using namespace zabitan::sender;

TEST_CASE("destination: clusters and nodes", "[destination]") {
  std::vector<Destination> d;
  REQUIRE(ParseDestinations("zbx1;zbx2:10052,[::1]:10053, 127.0.0.1", 10051, &d).ok());
  REQUIRE(d.size() == 3);
  REQUIRE(d[0].nodes.size() == 2);
  CHECK(d[0].nodes[0] == Endpoint{"zbx1", 10051});
  CHECK(d[0].nodes[1] == Endpoint{"zbx2", 10052});
  CHECK(d[1].nodes[0] == Endpoint{"::1", 10053});
  CHECK(d[2].nodes[0] == Endpoint{"127.0.0.1", 10051});
}

TEST_CASE("destination: bare IPv6 takes the default port", "[destination]") {
  std::vector<Destination> d;
  REQUIRE(ParseDestinations("fe80::1", 10099, &d).ok());
  CHECK(d[0].nodes[0] == Endpoint{"fe80::1", 10099});
}

TEST_CASE("destination: errors", "[destination]") {
  std::vector<Destination> d;
  CHECK_FALSE(ParseDestinations("", 10051, &d).ok());
  CHECK_FALSE(ParseDestinations("a,", 10051, &d).ok());
  CHECK_FALSE(ParseDestinations("a:0", 10051, &d).ok());
  CHECK_FALSE(ParseDestinations("a:65536", 10051, &d).ok());
  CHECK_FALSE(ParseDestinations("a:x", 10051, &d).ok());
  CHECK_FALSE(ParseDestinations("[::1", 10051, &d).ok());
  auto s = ParseDestinations("a:10051;a", 10051, &d);
  CHECK_FALSE(s.ok());
  CHECK(s.message() == "address \"a:10051\" specified more than once");
  // What the user typed is quoted printable: an error stays one line.
  s = ParseDestinations("a:1\n2", 10051, &d);
  CHECK(s.message() == "\"a:1\\x0a2\": invalid port \"1\\x0a2\" (1-65535)");
}
