#include "zabitan/sender/input_line.h"

#include <catch2/catch.hpp>

using namespace zabitan::sender;

namespace {
Value Parse(std::string_view line, InputFormat fmt = {}) {
  Value v;
  zabitan::Status s = ParseInputLine(line, fmt, &v);
  INFO(s.message());
  REQUIRE(s.ok());
  return v;
}
std::string Error(std::string_view line, InputFormat fmt = {}) {
  Value v;
  zabitan::Status s = ParseInputLine(line, fmt, &v);
  REQUIRE_FALSE(s.ok());
  return s.message();
}
}  // namespace

TEST_CASE("input line: plain fields", "[input_line]") {
  Value v = Parse("web01 nginx.requests 1234");
  CHECK(v.host == "web01");
  CHECK(v.key == "nginx.requests");
  CHECK(v.value == "1234");
  CHECK_FALSE(v.clock);
}

TEST_CASE("input line: an unquoted value is the rest of the line verbatim", "[input_line]") {
  CHECK(Parse("h k  a  b\tc  ").value == "a  b\tc  ");
  CHECK(Parse("h k a\\nb \"c\"").value == "a\\nb \"c\"");
}

TEST_CASE("input line: an unquoted key with a space splits, as in zabbix_sender", "[input_line]") {
  Value v = Parse("h my.key[\"a b\"] 5");
  CHECK(v.key == "my.key[\"a");
  CHECK(v.value == "b\"] 5");
}

TEST_CASE("input line: quoted fields and escapes", "[input_line]") {
  Value v = Parse(R"("my host" "my.key[\"a b\"]" "line1\nline2 \\ \t")");
  CHECK(v.host == "my host");
  CHECK(v.key == "my.key[\"a b\"]");
  CHECK(v.value == "line1\nline2 \\ \\t");
}

TEST_CASE("input line: empty quoted value", "[input_line]") {
  CHECK(Parse("h k \"\"").value.empty());
}

TEST_CASE("input line: CRLF and LF line ends are removed", "[input_line]") {
  CHECK(Parse("h k v\r\n").value == "v");
  CHECK(Parse("h k \"v\"\r").value == "v");
}

TEST_CASE("input line: leading blanks skipped", "[input_line]") {
  CHECK(Parse(" \t h k v").host == "h");
}

TEST_CASE("input line: invalid UTF-8 passes through", "[input_line]") {
  CHECK(Parse("h k \xff\xfe").value == "\xff\xfe");
}

TEST_CASE("input line: '-' host", "[input_line]") {
  InputFormat fmt;
  fmt.default_host = "def";
  CHECK(Parse("- k v", fmt).host == "def");
  CHECK(Error("- k v").find("no host name") != std::string::npos);
}

TEST_CASE("input line: timestamps and ns", "[input_line]") {
  InputFormat fmt;
  fmt.with_timestamps = true;
  Value v = Parse("h k 1700000000 v w", fmt);
  CHECK(*v.clock == 1700000000u);
  CHECK(v.value == "v w");
  fmt.with_ns = true;
  v = Parse("h k 1700000000 999999999 v", fmt);
  CHECK(*v.ns == 999999999u);
  CHECK(Error("h k 1700000000 1000000000 v", fmt).find("ns") != std::string::npos);
  fmt.with_ns = false;
  CHECK(Error("h k 2147483648 v", fmt).find("Timestamp") != std::string::npos);
  CHECK(Error("h k -1 v", fmt).find("Timestamp") != std::string::npos);
  CHECK(Error("h k 12x v", fmt).find("Timestamp") != std::string::npos);
}

TEST_CASE("input line: malformed lines", "[input_line]") {
  CHECK(Error("") == "'Hostname' required");
  CHECK(Error("   ") == "'Hostname' required");
  CHECK(Error("# comment") == "'Key value' required");
  CHECK(Error("h k") == "'Key value' required");
  CHECK(Error("h k ") == "'Key value' required");
  CHECK(Error("h") == "'Key' required");
  CHECK(Error("\"h k v") == "'Hostname' required");
  CHECK(Error("h k \"v") == "'Key value' required");
  CHECK(Error("h k \"v\" x") == "too many parameters");
  CHECK(Error("\"h\"x k v") == "'Hostname' required");
}

TEST_CASE("input line: formatted lines parse back to the same value", "[input_line]") {
  InputFormat ts;
  ts.with_timestamps = true;
  InputFormat ns = ts;
  ns.with_ns = true;
  const Value values[] = {
      {"web01", "k", "1", std::nullopt, std::nullopt},
      {"my host", "key[\"a b\"]", "[{\"{#VM.NAME}\":\"x \\\\ y\"}]", 1700000000u, std::nullopt},
      {"h", "k", "", 5u, 7u},
      {"h", "k", "two\nlines\r and a tab\t", 1u, std::nullopt},
  };
  for (const Value& v : values) {
    std::string line = FormatInputLine(v);
    INFO(line);
    Value back;
    const InputFormat& fmt = v.ns ? ns : v.clock ? ts : InputFormat();
    REQUIRE(ParseInputLine(line, fmt, &back).ok());
    CHECK(back == v);
  }
}
