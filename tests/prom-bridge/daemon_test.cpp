#include "zabitan/prom_bridge/daemon.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <thread>

#include <catch2/catch.hpp>

using namespace zabitan::prom_bridge;
using namespace std::chrono_literals;

namespace {

ScrapeOutcome Ok(size_t target, uint32_t clock) {
  ScrapeOutcome o;
  o.clock = clock;
  o.values.push_back({"h", "k" + std::to_string(target), "1", clock, 0u});
  return o;
}

// Takes outcomes until `done` says so or 10 s pass; returns how many each target gave.
template <typename Done>
std::map<size_t, int> TakeUntil(Schedule& s, Done done) {
  std::map<size_t, int> n;
  std::vector<ScrapeOutcome> ready;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done(n) && std::chrono::steady_clock::now() < deadline && s.Next(&ready)) {
    for (const ScrapeOutcome& o : ready) ++n[o.target];
  }
  return n;
}

}  // namespace

TEST_CASE("prom schedule: once mode scrapes every target once, then ends", "[prom]") {
  std::atomic<int> calls{0};
  Schedule s({1h, 1h, 1h}, true, [&](size_t t, uint32_t c) {
    ++calls;
    return Ok(t, c);
  });
  s.Start();
  std::map<size_t, int> n;
  std::vector<ScrapeOutcome> ready;
  while (s.Next(&ready)) {
    for (const ScrapeOutcome& o : ready) {
      ++n[o.target];
      CHECK(o.values.at(0).key == "k" + std::to_string(o.target));
    }
  }
  CHECK(n == std::map<size_t, int>{{0, 1}, {1, 1}, {2, 1}});
  CHECK(calls == 3);
  CHECK_FALSE(s.Next(&ready));  // stays ended
}

TEST_CASE("prom schedule: no target, nothing to wait for", "[prom]") {
  Schedule s({}, false, Ok);
  s.Start();
  std::vector<ScrapeOutcome> ready;
  CHECK_FALSE(s.Next(&ready));
}

TEST_CASE("prom schedule: a slow or failing target holds up no other", "[prom]") {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  Schedule s({10ms, 10ms, 10ms}, false, [&](size_t t, uint32_t c) {
    ScrapeOutcome o = Ok(t, c);
    if (t == 1) released.wait();  // hangs until the test lets it go (its deadline, in life)
    if (t == 2) {
      o.result.code = ScrapeCode::kConnect;
      o.values.clear();
    }
    return o;
  });
  s.Start();
  // Target 0 goes on while 1 hangs and 2 fails every time.
  auto n = TakeUntil(s, [](auto& n) { return n[0] >= 5 && n[2] >= 5; });
  CHECK(n[0] >= 5);
  CHECK(n[2] >= 5);
  CHECK(n[1] == 0);
  s.Stop();
  release.set_value();
  // Stopped: the hanging scrape still ends and is handed over, then nothing more.
  auto rest = TakeUntil(s, [](auto&) { return false; });
  CHECK(rest[1] == 1);
}

TEST_CASE("prom schedule: each target on its own interval", "[prom]") {
  Schedule s({20ms, 200ms}, false, Ok);
  s.Start();
  auto n = TakeUntil(s, [](auto& n) { return n[1] >= 3; });
  s.Stop();
  REQUIRE(n[1] >= 3);
  // 3 slow ones take >= 400 ms: the fast one had time for about 20.
  CHECK(n[0] >= 10);
}

TEST_CASE("prom schedule: a scrape longer than its interval starts the next at once", "[prom]") {
  Schedule s({5ms}, false, [](size_t t, uint32_t c) {
    std::this_thread::sleep_for(20ms);  // the overrun under test
    return Ok(t, c);
  });
  s.Start();
  std::vector<ScrapeOutcome> ready;
  REQUIRE(s.Next(&ready));
  REQUIRE(ready.size() == 1);
  CHECK(ready[0].overran);
  CHECK(ready[0].took >= 20ms);
  s.Stop();
  while (s.Next(&ready)) {
  }
  CHECK(s.overruns() >= 1);
}

TEST_CASE("prom schedule: a delivery that is behind holds one outcome per target", "[prom]") {
  std::atomic<int> calls{0};
  Schedule s({1ms}, false, [&](size_t t, uint32_t c) {
    ++calls;
    return Ok(t, c);
  });
  s.Start();
  // Nothing taken: the target scrapes once and waits for its outcome to be taken.
  auto until = std::chrono::steady_clock::now() + 10s;
  while (calls < 1 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
  std::this_thread::sleep_for(50ms);  // 50 intervals in which it must not scrape again
  CHECK(calls == 1);
  std::vector<ScrapeOutcome> ready;
  REQUIRE(s.Next(&ready));
  CHECK(ready.size() == 1);
  REQUIRE(s.Next(&ready));  // the next one comes once the first was taken
  CHECK(ready.size() == 1);
  s.Stop();
  while (s.Next(&ready)) {
  }
  CHECK(s.held_back() >= 1);
}

TEST_CASE("prom schedule: stop ends the waits at once", "[prom]") {
  Schedule s({1h, 1h}, false, Ok);
  s.Start();
  auto n = TakeUntil(s, [](auto& n) { return n[0] == 1 && n[1] == 1; });
  auto start = std::chrono::steady_clock::now();
  s.Stop();
  std::vector<ScrapeOutcome> ready;
  CHECK_FALSE(s.Next(&ready));
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  CHECK(s.stopped());
}

TEST_CASE("prom signals: SIGTERM and SIGINT reach the callback, not the process", "[prom]") {
  std::promise<int> got;
  std::atomic<int> count{0};
  {
    SignalStop stop([&](int sig) {
      if (count++ == 0) got.set_value(sig);
    });
    ::kill(::getpid(), SIGTERM);
    auto f = got.get_future();
    REQUIRE(f.wait_for(10s) == std::future_status::ready);
    CHECK(f.get() == SIGTERM);
    CHECK(stop.signal() == SIGTERM);
  }
  // The mask is restored: SIGTERM is not blocked here any more.
  sigset_t now;
  pthread_sigmask(SIG_BLOCK, nullptr, &now);
  CHECK_FALSE(sigismember(&now, SIGTERM));
}

TEST_CASE("prom schedule: targets due together are delivered together", "[prom]") {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  Schedule s({1h, 1h}, true, [&](size_t t, uint32_t c) {
    if (t == 1) released.wait();  // ends after target 0
    return Ok(t, c);
  });
  s.Start();
  std::thread late([&] {
    std::this_thread::sleep_for(50ms);  // well within the 10 s gathered below
    release.set_value();
  });
  std::vector<ScrapeOutcome> ready;
  REQUIRE(s.Next(&ready, 10s));
  late.join();
  CHECK(ready.size() == 2);  // one delivery for both
}

TEST_CASE("prom schedule: gathering waits no longer than asked", "[prom]") {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  Schedule s({1h, 1h}, true, [&](size_t t, uint32_t c) {
    if (t == 1) released.wait();
    return Ok(t, c);
  });
  s.Start();
  std::vector<ScrapeOutcome> ready;
  REQUIRE(s.Next(&ready, 20ms));
  CHECK(ready.size() == 1);  // target 1 still hangs: target 0's went after 20 ms
  CHECK(ready[0].target == 0);
  release.set_value();
  REQUIRE(s.Next(&ready, 20ms));
  CHECK(ready.size() == 1);
  CHECK(ready[0].target == 1);
}
