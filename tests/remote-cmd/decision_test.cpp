#include "decision.h"

#include <catch2/catch.hpp>

#include "invocations.h"

using namespace zabitan::remote_cmd;
using zabitan::testing::Down;
using zabitan::testing::Up;

namespace {

Group Web() {
  Group g;
  g.name = "web";
  g.pool = {"web-1", "web-2", "web-3"};
  g.min = 0;
  g.max = 2;
  g.cooldown = std::chrono::seconds(300);
  g.max_actions_per_hour = 3;
  return g;
}

std::vector<PoolMember> Pool(const char* a, const char* b, const char* c) {
  return {{"web-1", a}, {"web-2", b}, {"web-3", c}};
}

}  // namespace

TEST_CASE("decision: scale-up powers on the first powered-off pool VM", "[remote][decision]") {
  GroupState st;
  Decision d = Decide(Up("1"), Web(), st, Pool("poweredOn", "poweredOff", "poweredOff"), 10000);
  CHECK(d.kind == Decision::kPowerOn);
  CHECK(d.vm == "web-2");
  CHECK(d.members == 1);
  CHECK(d.reason == "power on web-2 (1/2 running before)");
}

TEST_CASE("decision: max, no VM left, handled events", "[remote][decision]") {
  GroupState st;
  CHECK(Decide(Up("1"), Web(), st, Pool("poweredOn", "poweredOn", "poweredOff"), 10000).reason ==
        "group web is at its maximum: nothing to do (2/2 running)");
  Group g = Web();
  g.max = 5;
  CHECK(Decide(Up("1"), g, st, Pool("poweredOn", "suspended", ""), 10000).reason ==
        "group web has no powered-off VM left in its pool (1/5 running)");
  st.Remember("1:up", "powered on web-2");
  Decision d = Decide(Up("1"), Web(), st, Pool("poweredOff", "poweredOff", "poweredOff"), 10000);
  CHECK(d.kind == Decision::kNothing);
  CHECK(d.reason == "event 1 was handled already (powered on web-2): nothing to do");
  // Its recovery is another matter.
  st.started = {"web-2"};
  CHECK(Decide(Down("1"), Web(), st, Pool("poweredOff", "poweredOn", "poweredOff"), 10000).kind ==
        Decision::kShutDown);
}

TEST_CASE("decision: cooldown and actions per hour", "[remote][decision]") {
  GroupState st;
  st.last_action = 10000 - 100;
  st.actions = {st.last_action};
  CHECK(Decide(Up("2"), Web(), st, Pool("poweredOff", "poweredOff", "poweredOff"), 10000).reason ==
        "group web acted 100 s ago, cooldown 300 s: nothing to do (0/2 running)");
  st.last_action = 10000 - 400;
  st.actions = {10000 - 3000, 10000 - 2000, 10000 - 400};
  CHECK(Decide(Up("2"), Web(), st, Pool("poweredOff", "poweredOff", "poweredOff"), 10000).reason ==
        "group web reached 3 actions in the last hour: nothing to do (0/2 running)");
  st.actions = {10000 - 5000, 10000 - 2000, 10000 - 400};  // one is older than an hour
  CHECK(Decide(Up("2"), Web(), st, Pool("poweredOff", "poweredOff", "poweredOff"), 10000).kind ==
        Decision::kPowerOn);
}

TEST_CASE("decision: scale-down stops the latest VM it started, never below min",
          "[remote][decision]") {
  GroupState st;
  st.started = {"web-1", "web-3"};
  Decision d = Decide(Down("5"), Web(), st, Pool("poweredOn", "poweredOn", "poweredOn"), 10000);
  CHECK(d.kind == Decision::kShutDown);
  CHECK(d.vm == "web-3");
  // web-3 is off already (someone else stopped it): the one before.
  d = Decide(Down("5"), Web(), st, Pool("poweredOn", "poweredOn", "poweredOff"), 10000);
  CHECK(d.vm == "web-1");
  // web-2 runs but was not started by us.
  st.started = {};
  d = Decide(Down("5"), Web(), st, Pool("poweredOff", "poweredOn", "poweredOff"), 10000);
  CHECK(d.kind == Decision::kNothing);
  CHECK(d.reason == "group web: no running VM that zabitan started: nothing to do (1/2 running)");
  Group g = Web();
  g.min = 1;
  st.started = {"web-2"};
  d = Decide(Down("5"), g, st, Pool("poweredOff", "poweredOn", "poweredOff"), 10000);
  CHECK(d.reason == "group web is at its minimum: nothing to do (1/2 running)");
  Invocation explicit_down = Up("6");
  explicit_down.action = Action::kScaleDown;
  CHECK(
      Decide(explicit_down, Web(), st, Pool("poweredOff", "poweredOn", "poweredOff"), 10000).kind ==
      Decision::kShutDown);
}
