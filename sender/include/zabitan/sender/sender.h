// zabitan — Sender: streams values to one or more Zabbix trappers in batches, in parallel,
// keeping the order of each item's values.
//
// The first kProbeBatchSize values go out alone. After that, values are spread over `connections`
// lanes by item (host + key); each lane sends its batches one after another, so two values of one
// item are never in flight at once and arrive in the order they were added (the server stamps a
// value without a clock when it arrives, so a reordered pair would leave the wrong last value).
// Lanes run concurrently on one io_context, in the calling thread: Add() runs the network while it
// waits for a lane to free up, so memory stays at about two batches per lane whatever the input
// size.
//
// Each batch goes to every destination (zabbix_sender's ","); within a destination, the HA
// nodes (";") are tried in order on connect failure and the node that answered is tried first
// afterwards. A destination whose batch fails is dropped for the rest of the run; once every
// destination has failed, the run has failed and Add() returns false.
//
// Thread-safety: not thread-safe: one thread adds, polls and finishes (the observer is called
// in that thread).
//
// Example:
//   zabitan::sender::SenderOptions options;
//   zabitan::Status s =
//       zabitan::sender::ParseDestinations("zbx:10051", 10051, &options.destinations);
//   zabitan::sender::Sender sender(options, [](const zabitan::sender::BatchOutcome& o) {
//     if (!o.status.ok()) std::fprintf(stderr, "%s\n", o.status.message().c_str());
//   });
//   for (int i = 0; i < 3 && s.ok(); ++i) {
//     if (!sender.Add({"web01", "nginx.requests", std::to_string(i)})) break;
//   }
//   sender.Finish();
//   return sender.status() == zabitan::sender::RunStatus::kSucceeded ? 0 : 1;
#ifndef ZABITAN_SENDER_SENDER_H_
#define ZABITAN_SENDER_SENDER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "zabitan/common/spool.h"
#include "zabitan/common/status.h"
#include "zabitan/sender/destination.h"
#include "zabitan/sender/exchange_options.h"
#include "zabitan/sender/response.h"
#include "zabitan/sender/value.h"

namespace zabitan::sender {

// Chosen by measurement (README "Batch size and connections"): large enough that a local
// trapper's per-connection cost vanishes, small enough for a busy server to answer well within
// the default 60 s timeout.
inline constexpr size_t kDefaultBatchSize = 4000;
inline constexpr size_t kDefaultConnections = 4;
// The first request of a run carries at most this many values (zabbix_sender's batch) and
// nothing else is sent until it is answered: a refusing server costs what it costs
// zabbix_sender, and parallel batches start only once a server has accepted one.
inline constexpr size_t kProbeBatchSize = 250;
inline constexpr size_t kMaxBatchSize = 100000;
inline constexpr size_t kMaxConnections = 64;

// Set from a signal handler (both members are lock-free atomics): the run is to end.
struct StopRequest {
  std::atomic<bool> requested{false};
  std::atomic<int64_t> at_ns{0};  // steady_clock (CLOCK_MONOTONIC) time of the request
};

struct SenderOptions {
  std::vector<Destination> destinations;
  ExchangeOptions exchange;
  size_t batch_size = kDefaultBatchSize;
  size_t connections = kDefaultConnections;
  bool compress = false;   // zlib frames (flags 0x03), accepted by 5.x+ trappers
  bool send_time = false;  // add the request's own clock/ns, as zabbix_sender does with -T
  // zabbix_sender 7.0's -g: every request holds the values of one host. Values wait per host
  // until batch_size of them (the first request: kProbeBatchSize) are there, or Dispatch/Finish;
  // so memory grows with the number of hosts seen (up to a batch each).
  bool group_by_host = false;
  // Not owned; must outlive the Sender. When set, a destination's spooled requests are sent
  // before anything new, and what a destination does not take is spooled instead of dropped:
  // the run then goes on reading (nothing stops at a dead server) and ends kSpooled.
  Spool* spool = nullptr;
  // Not owned. Once requested, nothing new is sent: with a spool, batches not yet sent (and the
  // spool's own queue) stay in the spool; without one, they are still sent, but every exchange
  // ends within the exchange timeout of the request. Batches in flight are answered or time out.
  const StopRequest* stop = nullptr;
};

// What a batch was: sent now, or a spooled request of an earlier run.
enum class BatchOrigin { kInput, kSpool };

// What one batch got from one destination.
struct BatchOutcome {
  const Endpoint* node = nullptr;  // the node that answered, or the last one tried
  size_t values = 0;
  Status status;                     // a transport or protocol error (response is then empty)
  std::optional<Response> response;  // the parsed reply, which may still say "failed"
  BatchOrigin origin = BatchOrigin::kInput;
};

enum class RunStatus {
  kSucceeded,  // every destination took everything
  kPartial,    // a reply counted failed values, or (without a spool) a destination failed
  kSpooled,    // everything was taken or is safely spooled for the next run
  kLost,       // the run went on, but some values were neither taken nor kept (values_lost())
  kFailed      // every destination failed (no spool): zabbix_sender's "Sending failed"
};

class Sender {
 public:
  using Observer = std::function<void(const BatchOutcome&)>;

  // `observer` is called in this thread, from Add/Poll/Dispatch/Finish, once per batch and
  // destination.
  Sender(SenderOptions options, Observer observer);
  ~Sender();
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  // Queues `value` (serialised at once; the caller may reuse it). Returns false, dropping the
  // value, once the run has failed.
  bool Add(const ValueView& value);
  // Starts sending every partly filled batch, without waiting for the replies.
  void Dispatch();
  // Runs whatever network work is ready, without blocking.
  void Poll();
  // Sends everything queued and waits until every batch is answered or has failed.
  void Finish();

  // zabbix_sender's verdict: kFailed once a batch failed at every destination left; kPartial
  // once any reply counted failed values or any destination failed.
  RunStatus status() const;
  // Values in batches that at least one destination accepted (zabbix_sender's "sent").
  uint64_t values_sent() const;
  // Values of this run written to the spool, and spooled values of earlier runs delivered now.
  uint64_t values_spooled() const;
  uint64_t values_unspooled() const;
  // Values neither taken by every destination nor kept in the spool: the spool could not write
  // them (a full disk, a folder gone), dropped them to stay under its size limit, or lost them
  // from its folder under this run.
  uint64_t values_lost() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace zabitan::sender

#endif  // ZABITAN_SENDER_SENDER_H_
