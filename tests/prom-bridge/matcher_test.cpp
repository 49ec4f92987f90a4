#include "zabitan/prom_bridge/matcher.h"

#include <catch2/catch.hpp>

using namespace zabitan::prom_bridge;

namespace {

bool Match(const char* matcher, const char* value) {
  LabelMatcher m;
  REQUIRE(LabelMatcher::Parse(matcher, &m).ok());
  return m.Matches(value);
}

}  // namespace

TEST_CASE("prom matchers: the four operators, as PromQL's", "[prom]") {
  CHECK(Match("job=\"node\"", "node"));
  CHECK_FALSE(Match("job=\"node\"", "node2"));
  CHECK(Match("job!=\"node\"", "api"));
  CHECK_FALSE(Match("job!=\"node\"", "node"));
  CHECK(Match("code=~\"5..\"", "503"));
  CHECK_FALSE(Match("code=~\"5..\"", "1503"));  // anchored: the whole value
  CHECK_FALSE(Match("code=~\"5..\"", "5030"));
  CHECK(Match("mode=~\"idle|user\"", "user"));
  CHECK(Match("code!~\"2..|3..\"", "404"));
  CHECK_FALSE(Match("code!~\"2..|3..\"", "301"));
  CHECK(Match(" a = \"x \\\"y\\\"\" ", "x \"y\""));  // spaces around, escaped quotes
}

TEST_CASE("prom matchers: an absent label is the empty value", "[prom]") {
  std::vector<LabelMatcher> m;
  REQUIRE(ParseMatchers({"env=\"\""}, &m).ok());
  CHECK(MatchAll(m, {{"job", "a"}}));
  CHECK_FALSE(MatchAll(m, {{"env", "prod"}}));
  REQUIRE(ParseMatchers({"env!=\"\"", "job=\"a\""}, &m).ok());
  CHECK(MatchAll(m, {{"env", "prod"}, {"job", "a"}}));
  CHECK_FALSE(MatchAll(m, {{"job", "a"}}));
  REQUIRE(ParseMatchers({}, &m).ok());
  CHECK(MatchAll(m, {}));
}

TEST_CASE("prom matchers: bad text is one line naming it", "[prom]") {
  LabelMatcher m;
  auto why = [&](const char* text) { return LabelMatcher::Parse(text, &m).message(); };
  CHECK(why("=\"x\"").find("label matcher =\"x\": no label name") == 0);
  CHECK(why("job==\"x\"").find("the value is not quoted") != std::string::npos);
  CHECK(why("job~\"x\"").find("no operator") != std::string::npos);
  CHECK(why("job=x").find("the value is not quoted") != std::string::npos);
  CHECK(why("job=\"x").find("not closed") != std::string::npos);
  CHECK(why("job=\"x\" y").find("text after the value") != std::string::npos);
  CHECK(why("job=~\"(\"").find("bad regular expression") != std::string::npos);
}
