#include "sender/src/response_parser.h"

#include <catch2/catch.hpp>

using namespace zabitan::sender;

TEST_CASE("response: success with counters", "[response]") {
  Response r;
  REQUIRE(
      ParseResponse(
          R"({"response":"success","info":"processed: 3; failed: 1; total: 4; seconds spent: 0.000055"})",
          &r)
          .ok());
  CHECK(r.success);
  CHECK(*r.processed == 3);
  CHECK(*r.failed == 1);
  CHECK(*r.total == 4);
}

TEST_CASE("response: success without info", "[response]") {
  Response r;
  REQUIRE(ParseResponse(R"({"response":"success"})", &r).ok());
  CHECK(r.success);
  CHECK_FALSE(r.failed);
}

TEST_CASE("response: failed", "[response]") {
  Response r;
  REQUIRE(ParseResponse(R"({"response":"failed","info":"cannot open \"data\" token"})", &r).ok());
  CHECK_FALSE(r.success);
  CHECK(*r.info == "cannot open \"data\" token");
}

TEST_CASE("response: redirect and reset", "[response]") {
  Response r;
  REQUIRE(ParseResponse(
              R"({"response":"failed","redirect":{"revision":7,"address":"10.0.0.2:10051"}})", &r)
              .ok());
  REQUIRE(r.redirect);
  CHECK(r.redirect->revision == 7);
  CHECK(r.redirect->address == "10.0.0.2:10051");
  REQUIRE(ParseResponse(R"({"response":"failed","redirect":{"reset":true}})", &r).ok());
  CHECK(r.redirect->reset);
  CHECK_FALSE(ParseResponse(R"({"response":"failed","redirect":{"revision":"x"}})", &r).ok());
}

TEST_CASE("response: anything else is an error", "[response]") {
  Response r;
  CHECK_FALSE(ParseResponse("", &r).ok());
  CHECK_FALSE(ParseResponse("not json", &r).ok());
  CHECK_FALSE(ParseResponse("[1,2]", &r).ok());
  CHECK_FALSE(ParseResponse(R"({"info":"x"})", &r).ok());
  CHECK_FALSE(ParseResponse(R"({"response":"maybe"})", &r).ok());
  CHECK_FALSE(ParseResponse(std::string(100000, '[') + std::string(100000, ']'), &r).ok());
}

TEST_CASE("response: a server's text in an error stays on one line", "[response]") {
  // Regression (reply_fuzz): a newline in "response" reached the error message.
  Response r;
  auto s = ParseResponse("{\"response\":\"succ\\ness\"}", &r);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message().find('\n') == std::string::npos);
}
