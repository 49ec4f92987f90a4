// What the state of a group must survive: a run killed between asking vSphere and recording the
// outcome (pending records), a clock stepped back, and files planted in the state folder.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>

#include "../temp_files.h"
#include "decision.h"
#include "group_state.h"
#include "invocations.h"
#include "zabitan/remote_cmd/error.h"

using namespace zabitan::remote_cmd;
using zabitan::testing::TempDir;
using zabitan::testing::Up;

namespace {

Group Web() {
  Group g;
  g.name = "web";
  g.pool = {"web-1", "web-2"};
  g.max = 2;
  g.cooldown = std::chrono::seconds(300);
  g.max_actions_per_hour = 3;
  return g;
}

std::string Slurp(const std::string& path) {
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  return text.str();
}

auto Soon() { return std::chrono::steady_clock::now() + std::chrono::milliseconds(200); }

}  // namespace

TEST_CASE("pending: a pending power-on is saved, loaded and reconciled as done, never retried",
          "[remote][pending]") {
  TempDir dir;
  const int64_t now = std::time(nullptr);
  GroupState st;
  st.pending.push_back({"100:up", "power on", "web-1", now - 10});
  REQUIRE(SaveGroupState(dir.path(), "web", st).ok());
  GroupState back;
  REQUIRE(LoadGroupState(dir.path(), "web", &back).ok());
  REQUIRE(back.pending.size() == 1);
  CHECK(back.pending[0].event_key == "100:up");
  CHECK(back.pending[0].action == "power on");
  CHECK(back.pending[0].vm == "web-1");
  CHECK(back.pending[0].started == now - 10);

  REQUIRE(back.ReconcilePending());
  CHECK_FALSE(back.ReconcilePending());  // once
  CHECK(back.pending.empty());
  CHECK(*back.Outcome("100:up") ==
        "interrupted: power on web-1 was started, its outcome is unknown");
  CHECK(back.started == std::vector<std::string>{"web-1"});  // a scale-down may stop it
  CHECK(back.last_action == now - 10);
  CHECK(back.ActionsSince(now - 3600) == 1);

  // The VM came up while the run was being killed: the same event does not start a second.
  const std::vector<PoolMember> pool = {{"web-1", "poweredOn"}, {"web-2", "poweredOff"}};
  Decision d = Decide(Up("100"), Web(), back, pool, now);
  CHECK(d.kind == Decision::kNothing);
  CHECK(d.reason.find("was handled already (interrupted: ") != std::string::npos);
  // Another event waits out the cooldown counted from the interrupted action.
  d = Decide(Up("101"), Web(), back, pool, now);
  CHECK(d.kind == Decision::kNothing);
  CHECK(d.reason.find("cooldown") != std::string::npos);
  CHECK(Decide(Up("101"), Web(), back, pool, now + 300).kind == Decision::kPowerOn);
}

TEST_CASE("pending: an interrupted clone is a member of the group from then on",
          "[remote][pending]") {
  GroupState st;
  st.Remember("5:up", "powered on web-1");
  st.pending.push_back({"6:up", "clone", "web-9", 1000});
  st.pending.push_back({"5:up", "power on", "web-1", 900});  // already recorded: its outcome stays
  REQUIRE(st.ReconcilePending());
  CHECK(st.clones == std::vector<std::string>{"web-9"});
  CHECK(st.started == std::vector<std::string>{"web-9", "web-1"});
  CHECK(*st.Outcome("5:up") == "powered on web-1");
  CHECK(st.last_action == 1000);
}

TEST_CASE("pending: an interrupted shutdown leaves the VM among those zabitan started",
          "[remote][pending]") {
  GroupState st;
  st.started = {"web-1"};
  st.pending.push_back({"7:down", "shut down", "web-1", 1000});
  REQUIRE(st.ReconcilePending());
  CHECK(st.started == std::vector<std::string>{"web-1"});
  CHECK(st.Outcome("7:down")->starts_with("interrupted: shut down web-1"));
}

TEST_CASE(
    "clock: a last action in the future (clock stepped back) holds the group one cooldown at most",
    "[remote][clock]") {
  TempDir dir;
  const int64_t now = std::time(nullptr);
  GroupState st;
  st.last_action = now + 10 * 86400;  // written before the clock went back ten days
  st.actions = {now + 10 * 86400, now - 100};
  REQUIRE(SaveGroupState(dir.path(), "web", st).ok());
  GroupState back;
  REQUIRE(LoadGroupState(dir.path(), "web", &back).ok());
  CHECK(back.last_action <= std::time(nullptr));
  CHECK(back.last_action >= now);
  const std::vector<PoolMember> pool = {{"web-1", "poweredOff"}, {"web-2", "poweredOff"}};
  CHECK(Decide(Up("1"), Web(), back, pool, now + 301).kind == Decision::kPowerOn);
  CHECK(Decide(Up("1"), Web(), back, pool, now + 3601).kind == Decision::kPowerOn);
}

TEST_CASE("state files: a state folder group or others can write is refused", "[remote][state]") {
  TempDir dir;
  const std::string state = dir.path() + "/state";
  REQUIRE(::mkdir(state.c_str(), 0700) == 0);
  GroupLock lock;
  REQUIRE(GroupLock::Acquire(state, "web", Soon(), &lock).ok());
  ::chmod(state.c_str(), 0777);
  GroupLock other;
  zabitan::Status refused = GroupLock::Acquire(state, "db", Soon(), &other);
  CHECK(refused.code() == zabitan::remote_cmd::Errc::kUnsafeStateDir);
  CHECK(refused.message() == "state_dir " + state +
                                 ": mode 0777 lets group or others change the state (chmod go-w " +
                                 state + ")");
  ::chmod(state.c_str(), 0770);
  CHECK(GroupLock::Acquire(state, "db", Soon(), &other).code() ==
        zabitan::remote_cmd::Errc::kUnsafeStateDir);
}

TEST_CASE("state files: symbolic links planted in the state folder are not followed",
          "[remote][state]") {
  TempDir dir;
  const std::string elsewhere = dir.path() + "/elsewhere";
  std::ofstream(elsewhere) << "precious\n";
  SECTION("the state file") {
    GroupState good;
    good.last_action = 1;
    REQUIRE(SaveGroupState(dir.path(), "db", good).ok());
    REQUIRE(::symlink((dir.path() + "/db.json").c_str(), (dir.path() + "/web.json").c_str()) == 0);
    GroupState st;
    CHECK_FALSE(LoadGroupState(dir.path(), "web", &st).ok());
  }
  SECTION("the temporary file of a save") {
    REQUIRE(::symlink(elsewhere.c_str(), (dir.path() + "/web.json.tmp").c_str()) == 0);
    REQUIRE(SaveGroupState(dir.path(), "web", GroupState()).ok());
    struct stat st;
    REQUIRE(::lstat((dir.path() + "/web.json").c_str(), &st) == 0);
    CHECK(S_ISREG(st.st_mode));
  }
  SECTION("the lock file") {
    REQUIRE(::symlink(elsewhere.c_str(), (dir.path() + "/web.lock").c_str()) == 0);
    GroupLock lock;
    CHECK_FALSE(GroupLock::Acquire(dir.path(), "web", Soon(), &lock).ok());
  }
  CHECK(Slurp(elsewhere) == "precious\n");
}

TEST_CASE("event ids: \"0001\" and \"1\" are one event, handled once", "[remote][pending]") {
  CHECK(EventKey(Up("0001")) == "1:up");
  CHECK(EventKey(Up("00000000000000000000")) == "0:up");
  CHECK(EventKey(Up("0")) == "0:up");
  CHECK(EventKey(Up("4711")) == "4711:up");
  GroupState st;
  st.Remember(EventKey(Up("1")), "powered on web-1");
  const std::vector<PoolMember> pool = {{"web-1", "poweredOn"}, {"web-2", "poweredOff"}};
  Group g = Web();
  g.cooldown = std::chrono::seconds(0);
  const Decision d = Decide(Up("0001"), g, st, pool, 1000);
  CHECK(d.kind == Decision::kNothing);
  CHECK(d.reason.find("was handled already") != std::string::npos);
}

TEST_CASE("state files: a lock file replaced while a run waits is locked again, not held stale",
          "[remote][state]") {
  // Run A holds web.lock (file X); run B opened X and waits; X is then replaced by Y, which a
  // third run C locks; A ends. B's flock on X now succeeds, but X is no longer the lock: B must
  // take Y (held by C) instead of running beside C.
  TempDir dir;
  const std::string path = dir.path() + "/web.lock";
  auto a = std::make_unique<GroupLock>();
  REQUIRE(GroupLock::Acquire(dir.path(), "web", Soon(), a.get()).ok());
  GroupLock b;
  zabitan::Status b_status;
  std::thread waiter([&] {
    b_status = GroupLock::Acquire(dir.path(), "web",
                                  std::chrono::steady_clock::now() + std::chrono::seconds(2), &b);
  });
  // Readiness: B has the file open once two descriptors of this process point at it.
  auto open_on_lock = [&] {
    int n = 0;
    for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd")) {
      std::error_code ec;
      n += std::filesystem::read_symlink(fd.path(), ec) == path;
    }
    return n;
  };
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (open_on_lock() < 2 && std::chrono::steady_clock::now() < give_up)
    std::this_thread::yield();
  REQUIRE(open_on_lock() == 2);
  const std::string fresh = path + ".new";
  zabitan::UniqueFd c(::open(fresh.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  REQUIRE(::flock(c.get(), LOCK_EX) == 0);
  REQUIRE(::rename(fresh.c_str(), path.c_str()) == 0);
  a.reset();  // A ends: X is free
  waiter.join();
  CHECK(b_status.code() == zabitan::remote_cmd::Errc::kGroupBusy);
}
