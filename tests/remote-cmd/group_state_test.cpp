#include "group_state.h"

#include <fstream>

#include <catch2/catch.hpp>

#include "../temp_files.h"
#include "zabitan/remote_cmd/error.h"

using namespace zabitan::remote_cmd;

TEST_CASE("group state: saved and loaded back, a missing file is a fresh state",
          "[remote][state]") {
  zabitan::testing::TempDir dir;
  GroupState st;
  REQUIRE(LoadGroupState(dir.path(), "web", &st).ok());
  CHECK(st.handled.empty());
  st.Remember("1:up", "powered on web-1");
  st.last_action = 42;
  st.actions = {40, 42};
  st.started = {"web-1"};
  REQUIRE(SaveGroupState(dir.path(), "web", st).ok());
  GroupState back;
  REQUIRE(LoadGroupState(dir.path(), "web", &back).ok());
  CHECK(*back.Outcome("1:up") == "powered on web-1");
  CHECK(back.Outcome("1:down") == nullptr);
  CHECK(back.last_action == 42);
  CHECK(back.actions == std::vector<int64_t>{40, 42});
  CHECK(back.started == std::vector<std::string>{"web-1"});
  CHECK(back.ActionsSince(41) == 1);
}

TEST_CASE("group state: only the newest events are kept", "[remote][state]") {
  GroupState st;
  for (size_t i = 0; i < kHandledEventsKept + 10; ++i) st.Remember(std::to_string(i) + ":up", "x");
  CHECK(st.handled.size() == kHandledEventsKept);
  CHECK(st.Outcome("0:up") == nullptr);
  CHECK(st.Outcome(std::to_string(kHandledEventsKept + 9) + ":up") != nullptr);
}

TEST_CASE("group state: a damaged file is an error that says what to do", "[remote][state]") {
  zabitan::testing::TempDir dir;
  std::ofstream(dir.path() + "/web.json") << "{\"handled\":";
  GroupState st;
  auto s = LoadGroupState(dir.path(), "web", &st);
  CHECK(s.code() == zabitan::remote_cmd::Errc::kDamagedState);
  CHECK(s.message().find("move it away") != std::string::npos);
}

TEST_CASE("group state: the lock serialises, and gives up at the deadline", "[remote][state]") {
  zabitan::testing::TempDir dir;
  GroupLock first;
  auto soon = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  REQUIRE(GroupLock::Acquire(dir.path(), "web", soon, &first).ok());
  GroupLock second;
  auto s = GroupLock::Acquire(
      dir.path(), "web", std::chrono::steady_clock::now() + std::chrono::milliseconds(50), &second);
  CHECK(s.code() == zabitan::remote_cmd::Errc::kGroupBusy);
  CHECK(s.message() == "group web is busy with another action past the time budget");
  GroupLock other_group;
  CHECK(GroupLock::Acquire(dir.path(), "db", soon, &other_group).ok());
}
