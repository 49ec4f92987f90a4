// zabitan — how zabitan-prom runs: each target scraped on its own thread on its own interval
// (Schedule), the finished scrapes handed to one thread that delivers them (the sender's
// RoutedSender is not thread-safe), and SIGTERM/SIGINT taken by a thread of their own
// (SignalStop) so that a stop ends the schedule between scrapes, never in the middle of one.
//
// A slow or failing target holds up no other: its thread waits for its own deadline
// (TargetOptions::timeout) while the others go on. A scrape that overruns its interval starts
// the next at once (and says so). A target whose last outcome has not been taken yet (the
// delivery is behind: Zabbix slow or down) does not scrape again until it is: memory holds at
// most one outcome per target. After Stop() every scrape in progress ends and is handed over;
// nothing new starts. Once mode: every target once, then the end.
//
// Example:
//   namespace zp = zabitan::prom_bridge;
//   std::vector<zp::TargetOptions> targets(2);
//   using std::chrono::seconds;
//   zp::Schedule schedule({seconds(60), seconds(15)}, false, [&](size_t i, uint32_t t) {
//     zp::ScrapeOutcome o;
//     o.target = i;
//     o.clock = t;
//     return o;  // Scrape(targets[i], ...) into o.values
//   });
//   zp::SignalStop signals([&](int) { schedule.Stop(); });  // before other threads
//   schedule.Start();
//   std::vector<zp::ScrapeOutcome> ready;
//   while (schedule.Next(&ready)) ready.clear();  // deliver them, then
//
// Thread-safe: Stop() from any thread; Start() and Next() from the one delivering thread.
#ifndef ZABITAN_PROM_BRIDGE_DAEMON_H_
#define ZABITAN_PROM_BRIDGE_DAEMON_H_

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "zabitan/prom_bridge/scraper.h"
#include "zabitan/sender/value.h"

namespace zabitan::prom_bridge {

// One scrape of one target, mapped: what the delivering thread sends.
struct ScrapeOutcome {
  size_t target = 0;   // index in the schedule's targets
  uint32_t clock = 0;  // when the scrape started (seconds): the clock of values without one
  ScrapeResult result;
  std::vector<sender::Value> values;  // all or nothing: only sent when result.ok()
  uint64_t not_sent = 0;              // NaN/±Inf values left out
  std::chrono::milliseconds took{0};  // how long the scrape took
  bool overran = false;               // longer than its interval: the next started at once
  int64_t discard_unchanged = 0;      // the target's heartbeat (unchanged.h); 0: send every value
};

class Schedule {
 public:
  using ScrapeFn = std::function<ScrapeOutcome(size_t target, uint32_t clock)>;

  // `intervals`: one per target, between the starts of two scrapes. `scrape` runs on the
  // target's thread (several at once, one per target) and must be safe to call so.
  Schedule(std::vector<std::chrono::milliseconds> intervals, bool once, ScrapeFn scrape);
  ~Schedule();  // stops and joins
  Schedule(const Schedule&) = delete;
  Schedule& operator=(const Schedule&) = delete;

  // Starts one thread per target, each scraping at once.
  void Start();
  // Waits until scrapes have finished, moves them into *ready (replacing what it held) and
  // returns true; returns false once stopped (or, once mode, every target scraped) and every
  // outcome taken. `gather`: after the first outcome, how long to wait for the scrapes still
  // in progress (targets due together end close together: one delivery for them, not one
  // each).
  bool Next(std::vector<ScrapeOutcome>* ready,
            std::chrono::milliseconds gather = std::chrono::milliseconds(0));
  // Ends the schedule: the scrapes in progress finish and are still handed over by Next().
  void Stop();
  bool stopped() const;

  // For tests: how many scrapes were started late because their target's last outcome was
  // still waiting to be taken, and how many overran their interval.
  uint64_t held_back() const { return held_back_; }
  uint64_t overruns() const { return overruns_; }

 private:
  void Loop(size_t target);

  const std::vector<std::chrono::milliseconds> intervals_;
  const bool once_;
  const ScrapeFn scrape_;
  mutable std::mutex mu_;
  std::condition_variable cv_;  // every change below
  std::vector<ScrapeOutcome> queue_;
  std::vector<bool> queued_;  // per target: an outcome of it is in queue_
  size_t running_ = 0;        // threads not yet finished
  size_t scraping_ = 0;       // scrapes in progress
  bool stop_ = false;
  std::vector<std::thread> threads_;
  std::atomic<uint64_t> held_back_{0}, overruns_{0};
};

// SIGTERM and SIGINT, blocked in the constructing thread (and so in every thread started after
// it) and taken by a thread of their own, which calls `on_signal` for each. Make it before any
// other thread starts. The destructor restores the signal mask.
class SignalStop {
 public:
  explicit SignalStop(std::function<void(int)> on_signal);
  ~SignalStop();
  SignalStop(const SignalStop&) = delete;
  SignalStop& operator=(const SignalStop&) = delete;

  int signal() const { return signal_; }  // the last signal taken, 0 for none

 private:
  sigset_t set_, old_;
  std::function<void(int)> on_signal_;
  std::atomic<bool> done_{false};
  std::atomic<int> signal_{0};
  std::thread thread_;
};

}  // namespace zabitan::prom_bridge

#endif  // ZABITAN_PROM_BRIDGE_DAEMON_H_
