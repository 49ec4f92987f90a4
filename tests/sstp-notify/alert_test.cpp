#include "zabitan/sstp_notify/alert.h"

#include <catch2/catch.hpp>

#include "sstp-notify/src/ssh_transport.h"
#include "zabitan/sstp_notify/error.h"

using namespace zabitan::sstp_notify;

TEST_CASE("alert: the media type message's Name: value lines", "[sstp][alert]") {
  Alert a = ParseMediaAlert(
      "admin", "Problem: VM CPU high",
      "Host: vm-web01\r\nProblem: VM CPU high\nSeverity: High\nOperational data: 97 %\n");
  CHECK(a.host == "vm-web01");
  CHECK(a.trigger == "VM CPU high");
  CHECK(a.severity == "High");
  CHECK(a.status == "PROBLEM");
  Surfaces s;
  CHECK(s.For(a) == 2);
  Alert r =
      ParseMediaAlert("admin", "Resolved in 5m: VM CPU high", "Host: vm-web01\nSeverity: High\n");
  CHECK(r.status == "OK");
  CHECK(s.For(r) == 5);
  Alert u = ParseMediaAlert("admin", "Hello", "no fields at all");
  CHECK(s.For(u) == 0);
  Alert n = ParseMediaAlert("", "Problem", "Severity: Not classified");
  CHECK(s.For(n) == 0);
}

TEST_CASE("alert: ssh destinations", "[sstp][ssh]") {
  SshOptions o;
  REQUIRE(ParseSshDestination("alice@desk.example", &o).ok());
  CHECK(o.user == "alice");
  CHECK(o.host == "desk.example");
  CHECK(o.port == 22);
  REQUIRE(ParseSshDestination("root@127.0.0.1:2222", &o).ok());
  CHECK(o.port == 2222);
  REQUIRE(ParseSshDestination("bob@[::1]:2200", &o).ok());
  CHECK(o.host == "::1");
  CHECK(o.port == 2200);
  CHECK_FALSE(ParseSshDestination("desk", &o).ok());
  CHECK_FALSE(ParseSshDestination("@desk", &o).ok());
  CHECK_FALSE(ParseSshDestination("a@desk:0", &o).ok());
  CHECK_FALSE(ParseSshDestination("a@desk:x", &o).ok());
  CHECK_FALSE(ParseSshDestination("a b@desk", &o).ok());
  CHECK_FALSE(ParseSshDestination("a@[::1", &o).ok());
  // A colon promises a port: "desk:" is a mistake, not port 22.
  zabitan::Status empty_port = ParseSshDestination("a@desk:", &o);
  CHECK(empty_port.code() == Errc::kBadDestination);
  CHECK(empty_port.message() == "--ssh \"a@desk:\": empty port after ':'");
  CHECK(ParseSshDestination("a@[::1]:", &o).code() == Errc::kBadDestination);
}
