#include "zabitan/vsphere/perf.h"

#include <catch2/catch.hpp>

using zabitan::vsphere::ParseTimestamp;

TEST_CASE("vsphere perf: sample timestamps", "[vsphere]") {
  uint32_t clock = 0, ns = 0;
  REQUIRE(ParseTimestamp("2026-11-22T00:29:51.483234667Z", &clock, &ns));
  CHECK(clock == 1795307391u);
  CHECK(ns == 483234667u);
  REQUIRE(ParseTimestamp("2026-11-22T00:29:40Z", &clock, &ns));
  CHECK(ns == 0u);
  CHECK_FALSE(ParseTimestamp("2026-11-22T00:29:40+02:00", &clock, &ns));
  CHECK_FALSE(ParseTimestamp("yesterday", &clock, &ns));
}
