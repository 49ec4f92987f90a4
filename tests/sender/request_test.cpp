#include "sender/src/request.h"

#include <catch2/catch.hpp>

using namespace zabitan::sender;

TEST_CASE("request: compact JSON in zabbix_sender's field order", "[request]") {
  std::vector<Value> values = {{"h", "k", "1", std::nullopt, std::nullopt},
                               {"h2", "k2", "v", 1700000000u, 5u}};
  std::string out;
  AppendRequest(values, std::nullopt, &out);
  CHECK(out == R"({"request":"sender data","data":[{"host":"h","key":"k","value":"1"},)"
               R"({"host":"h2","key":"k2","value":"v","clock":1700000000,"ns":5}]})");
}

TEST_CASE("request: send time appended after data", "[request]") {
  std::vector<Value> values = {{"h", "k", "1", 10u, std::nullopt}};
  std::string out;
  AppendRequest(values, SendTime{20, 30}, &out);
  CHECK(
      out ==
      R"({"request":"sender data","data":[{"host":"h","key":"k","value":"1","clock":10}],"clock":20,"ns":30})");
}

TEST_CASE("request: escaping as zabbix_sender does", "[request]") {
  std::string out;
  AppendJsonString(std::string("a\"b\\c/d\x7f\n\t\x01", 11), &out);
  CHECK(out == "\"a\\\"b\\\\c/d\x7f\\u000a\\u0009\\u0001\"");
}

TEST_CASE("request: invalid UTF-8 passes through unchanged", "[request]") {
  std::string out;
  AppendJsonString("\xff\xfe ok \xc3\xa9", &out);
  CHECK(out == "\"\xff\xfe ok \xc3\xa9\"");
}

TEST_CASE("request: NUL byte escaped, not truncated", "[request]") {
  std::string out;
  AppendJsonString(std::string("a\0b", 3), &out);
  CHECK(out == "\"a\\u0000b\"");
}

TEST_CASE("request: worst case value (all control characters, clock and ns) fits", "[request]") {
  // Regression (input_line_fuzz): the room reserved per value was 2 bytes short here.
  RequestBuilder b;
  Value v{std::string(1, '\x01'), std::string(1, '\x02'), std::string(1, '\x03'), 4294967295u,
          999999999u};
  b.Add(v);
  std::string json = b.Finish(std::nullopt);
  CHECK(
      json ==
      R"({"request":"sender data","data":[{"host":"\u0001","key":"\u0002","value":"\u0003","clock":4294967295,"ns":999999999}]})");
  CHECK(json.find('\0') == std::string::npos);
}
