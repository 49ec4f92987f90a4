// zabitan — Notifier: delivers SSTP messages in order, keeping what the desktop cannot take now.
//
// A message is delivered at once when the desktop answers 200/204/210. When it cannot be
// reached or answers "not now" (408, 409, 503, 512), the message goes to the spool (when one is
// given) and is delivered, oldest first, before anything newer — on the next run or by Flush.
// A message the ghost refuses for good (400, 404, 413, 420, 501, …) is reported, not retried.
// A spooled message older than `expire` is dropped with a log line when its turn comes: an
// alert spoken hours late misleads more than it helps.
//
// Thread-safety: not thread-safe; one Notifier per transport and spool, used by one thread.
//
// Example:
//   std::unique_ptr<zabitan::sstp_notify::Transport> transport =
//       zabitan::sstp_notify::MakeDirectTransport("127.0.0.1", 9801,
//       zabitan::sstp_notify::Timeouts{});
//   zabitan::sstp_notify::NotifierOptions options;
//   zabitan::sstp_notify::Notifier notifier(*transport, /*spool=*/nullptr, options);
//   zabitan::sstp_notify::Request message;
//   message.script = "\\0\\s[0]hello\\e";
//   zabitan::sstp_notify::Delivery d = notifier.Deliver(message);
//   if (d.outcome == zabitan::sstp_notify::Delivery::kSpooled) return 3;
#ifndef ZABITAN_SSTP_NOTIFY_NOTIFIER_H_
#define ZABITAN_SSTP_NOTIFY_NOTIFIER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "zabitan/common/spool.h"
#include "zabitan/common/status.h"
#include "zabitan/sstp_notify/protocol.h"
#include "zabitan/sstp_notify/transport.h"

namespace zabitan::sstp_notify {

struct NotifierOptions {
  std::chrono::seconds expire{3600};
  // No exchange starts after this: what is left then waits in the spool (a caller with a time
  // budget of its own, such as zabitan-remote-cmd, must not be held past it by the desktop).
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // Asked before each exchange: true stops as the deadline does (a SIGTERM the caller holds
  // pending until the exchange in progress is over). Empty: never.
  std::function<bool()> stop_requested = {};
};

struct Delivery {
  enum Outcome {
    kDelivered,
    kRetryable,  // not delivered, but the desktop may take it later (no spool to keep it)
    kSpooled,    // not delivered, kept in the spool
    kFailed      // refused for good, or a local error
  } outcome = kFailed;
  Status status;         // why, when not delivered
  int code = 0;          // the SSTP status code, when there was an answer
  std::string response;  // "SSTP/1.4 200 OK"
};

struct FlushReport {
  size_t delivered = 0;
  size_t expired = 0;
  size_t refused = 0;  // permanent failures, dropped
  size_t left = 0;     // still spooled
  Status status;       // the last reason something stayed, or an error of the spool itself
};

class Notifier {
 public:
  // `spool` may be null (no spooling). Both must outlive the Notifier.
  Notifier(Transport& transport, Spool* spool, NotifierOptions options)
      : transport_(transport), spool_(spool), options_(options) {}

  // Flushes the spool first, then delivers `request` — or spools it behind what is left.
  Delivery Deliver(const Request& request);

  // Delivers what is spooled for this transport's destination, oldest first, until the
  // desktop stops taking messages.
  FlushReport Flush();

  // What one attempt does with `request`, no spool involved.
  Delivery Send(const Request& request);

 private:
  Delivery Spool(const Request& request, Delivery why);

  Transport& transport_;
  zabitan::Spool* spool_;
  NotifierOptions options_;
};

// The spool's record of a request: JSON with the time it was first tried.
std::string EncodeSpooled(const Request& request, int64_t created);
Status DecodeSpooled(std::string_view payload, Request* request, int64_t* created);

}  // namespace zabitan::sstp_notify

#endif  // ZABITAN_SSTP_NOTIFY_NOTIFIER_H_
