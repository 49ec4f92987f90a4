#include "zabitan/prom_bridge/numbers.h"

#include <cmath>

#include <catch2/catch.hpp>

using namespace zabitan::prom_bridge;

TEST_CASE("prom numbers: values, including NaN and the infinities in any case", "[prom]") {
  double v = 0;
  CHECK((ParseValue("1", &v) && v == 1));
  CHECK((ParseValue("-1.5e3", &v) && v == -1500));
  CHECK((ParseValue("+.5", &v) && v == 0.5));
  CHECK((ParseValue("5.", &v) && v == 5));
  CHECK((ParseValue("+Inf", &v) && std::isinf(v) && v > 0));
  CHECK((ParseValue("-inf", &v) && std::isinf(v) && v < 0));
  CHECK((ParseValue("Infinity", &v) && std::isinf(v)));
  CHECK((ParseValue("NaN", &v) && std::isnan(v)));
  CHECK((ParseValue("nan", &v) && std::isnan(v)));
  for (const char* bad :
       {"", "+", "-", "1e", "0x10", "1_000", "abc", "1.2.3", "nan(1)", "1e999", " 1", "--1"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseValue(bad, &v));
  }
}

TEST_CASE("prom numbers: values print back exactly", "[prom]") {
  for (double x : {0.0, -0.0, 1.0, 0.1, 1e300, -2.5e-300, 123456789.125, 1.0 / 3}) {
    double y;
    REQUIRE(ParseValue(FormatValue(x), &y));
    CHECK(y == x);
    CHECK(std::signbit(y) == std::signbit(x));
  }
  CHECK(FormatValue(std::nan("")) == "NaN");
  CHECK(FormatValue(INFINITY) == "+Inf");
  CHECK(FormatValue(-INFINITY) == "-Inf");
}

TEST_CASE("prom numbers: OpenMetrics seconds are exact to the nanosecond", "[prom]") {
  Timestamp t;
  REQUIRE(ParseSeconds("1520879607.123456789", &t));
  CHECK(t == Timestamp{1520879607, 123456789});
  REQUIRE(ParseSeconds("1.5e9", &t));
  CHECK(t == Timestamp{1500000000, 0});
  REQUIRE(ParseSeconds("15e-1", &t));
  CHECK(t == Timestamp{1, 500000000});
  REQUIRE(ParseSeconds("-1.5", &t));
  CHECK(t == Timestamp{-2, 500000000});
  CHECK(FormatSeconds(t) == "-1.5");
  CHECK(FormatSeconds({-1, 500000000}) == "-0.5");
  CHECK(FormatSeconds({1520879607, 789000000}) == "1520879607.789");
  REQUIRE(ParseSeconds("0.0000000019", &t));  // below a nanosecond: cut off
  CHECK(t == Timestamp{0, 1});
  for (const char* bad : {"", ".", "Inf", "NaN", "1e", "1e1000", "99999999999999999999", "1x"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseSeconds(bad, &t));
  }
}

TEST_CASE("prom numbers: 0.0.4 milliseconds", "[prom]") {
  Timestamp t;
  REQUIRE(ParseMillis("1395066363000", &t));
  CHECK(t == Timestamp{1395066363, 0});
  REQUIRE(ParseMillis("-1", &t));
  CHECK(t == Timestamp{-1, 999000000});
  CHECK(FormatMillis(t) == "-1");
  CHECK(FormatMillis({1395066363, 5000000}) == "1395066363005");
  CHECK_FALSE(ParseMillis("1.5", &t));
  CHECK_FALSE(ParseMillis("9223372036854775808", &t));
}
