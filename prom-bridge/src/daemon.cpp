// zabitan — zabitan-prom's schedule and its stop signals (daemon.h).
#include "zabitan/prom_bridge/daemon.h"

#include <ctime>
#include <utility>

namespace zabitan::prom_bridge {

using Clock = std::chrono::steady_clock;

Schedule::Schedule(std::vector<std::chrono::milliseconds> intervals, bool once, ScrapeFn scrape)
    : intervals_(std::move(intervals)),
      once_(once),
      scrape_(std::move(scrape)),
      queued_(intervals_.size(), false) {}

Schedule::~Schedule() {
  Stop();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void Schedule::Start() {
  {
    std::lock_guard lk(mu_);
    running_ = intervals_.size();
    // Every target is due at once: counted as scraping before its thread runs, so a first
    // outcome gathered in Next() waits for the others even if their threads start late.
    scraping_ = intervals_.size();
  }
  for (size_t i = 0; i < intervals_.size(); ++i) threads_.emplace_back([this, i] { Loop(i); });
}

void Schedule::Loop(size_t target) {
  const std::chrono::milliseconds interval = intervals_[target];
  auto next = Clock::now();
  std::unique_lock lk(mu_);
  bool counted = true;  // Start() counted the first scrape
  for (;;) {
    // Due, and the last outcome taken: memory holds one outcome per target however far
    // behind the delivery is.
    bool held = false;
    while (!stop_) {
      auto now = Clock::now();
      if (now >= next && !queued_[target]) break;
      if (now < next) {
        cv_.wait_until(lk, next);
      } else {
        held = true;
        cv_.wait(lk);
      }
    }
    if (stop_) {
      if (counted) --scraping_;
      break;
    }
    if (held) ++held_back_;
    if (!counted) ++scraping_;
    counted = false;
    lk.unlock();
    const auto start = Clock::now();
    ScrapeOutcome out = scrape_(target, static_cast<uint32_t>(std::time(nullptr)));
    out.target = target;
    out.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    next = start + interval;
    if (!once_ && out.took >= interval) {
      out.overran = true;
      ++overruns_;
      next = Clock::now();
    }
    lk.lock();
    --scraping_;
    queue_.push_back(std::move(out));
    queued_[target] = true;
    cv_.notify_all();
    if (once_) break;
  }
  --running_;
  cv_.notify_all();
}

bool Schedule::Next(std::vector<ScrapeOutcome>* ready, std::chrono::milliseconds gather) {
  std::unique_lock lk(mu_);
  cv_.wait(lk, [this] { return !queue_.empty() || running_ == 0; });
  if (!queue_.empty() && gather.count() > 0) {
    cv_.wait_for(lk, gather, [this] { return scraping_ == 0; });
  }
  ready->clear();
  if (queue_.empty()) return false;
  ready->swap(queue_);
  for (const ScrapeOutcome& o : *ready) queued_[o.target] = false;
  cv_.notify_all();
  return true;
}

void Schedule::Stop() {
  std::lock_guard lk(mu_);
  stop_ = true;
  cv_.notify_all();
}

bool Schedule::stopped() const {
  std::lock_guard lk(mu_);
  return stop_;
}

SignalStop::SignalStop(std::function<void(int)> on_signal) : on_signal_(std::move(on_signal)) {
  sigemptyset(&set_);
  sigaddset(&set_, SIGTERM);
  sigaddset(&set_, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set_, &old_);
  thread_ = std::thread([this] {
    for (;;) {
      int sig = 0;
      if (sigwait(&set_, &sig) != 0) continue;
      if (done_) return;  // the destructor's wake-up
      signal_ = sig;
      on_signal_(sig);
    }
  });
}

SignalStop::~SignalStop() {
  done_ = true;
  // SIGTERM is blocked everywhere and waited for by this thread alone: it only wakes it.
  pthread_kill(thread_.native_handle(), SIGTERM);  // NOLINT(bugprone-bad-signal-to-kill-thread)
  thread_.join();
  pthread_sigmask(SIG_SETMASK, &old_, nullptr);
}

}  // namespace zabitan::prom_bridge
