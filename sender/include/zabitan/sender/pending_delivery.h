// zabitan — DeliverPending: sends a PendingStore's values so that each item's outcome is known.
//
// Round one: every item whose group is not known to be created together, every item with
// uncertain values (its new values alone: the probe of pending.h) and one item of each group go
// in requests of one item each. Round two: the rest of each group whose first item was stored,
// whole items per request. Requests go through a PendingTransport (the trapper, or a fake in
// tests); each reply settles its items in the store. Costs nothing when nothing is pending.
//
// Thread-safety: not thread-safe; a TrapperTransport runs its io_context in the calling thread.
//
// Example:
//   std::vector<zabitan::sender::Destination> d;
//   zabitan::Status s = zabitan::sender::ParseDestinations("zbx:10051", 10051, &d);
//   std::unique_ptr<zabitan::sender::PendingStore> store;
//   if (s.ok()) s = zabitan::sender::PendingStore::Open("/tmp/pending-x", {}, &store);
//   zabitan::sender::TrapperTransport trapper(d[0], zabitan::sender::ExchangeOptions{}, 8);
//   std::string transport_error;
//   if (s.ok()) s = zabitan::sender::DeliverPending(trapper, store.get(), &transport_error);
#ifndef ZABITAN_SENDER_PENDING_DELIVERY_H_
#define ZABITAN_SENDER_PENDING_DELIVERY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "zabitan/common/status.h"
#include "zabitan/sender/destination.h"
#include "zabitan/sender/exchange_options.h"
#include "zabitan/sender/pending.h"

namespace zabitan::sender {

struct PendingReply {
  enum class Kind {
    kAnswered,  // a reply came: success with processed/failed, or "failed"
    kNotSent,   // no node could be reached: nothing was sent
    kUnknown    // sent, but no reply (or one that cannot be read): it may have been stored
  } kind = Kind::kNotSent;
  bool success = false;
  int64_t processed = -1;  // -1: the reply did not say
  int64_t failed = -1;
  std::string error;  // why, for kNotSent/kUnknown/"failed"
};

class PendingTransport {
 public:
  virtual ~PendingTransport() = default;
  // Sends each "sender data" request (any number at once) and returns their replies in order.
  virtual std::vector<PendingReply> SendAll(const std::vector<std::string>& requests) = 0;
};

// Exchanges with one destination's nodes (tried in order when one cannot be reached), at most
// `concurrency` at once, on an io_context of its own.
class TrapperTransport : public PendingTransport {
 public:
  TrapperTransport(Destination destination, ExchangeOptions options, size_t concurrency)
      : destination_(std::move(destination)),
        options_(std::move(options)),
        concurrency_(concurrency) {}
  std::vector<PendingReply> SendAll(const std::vector<std::string>& requests) override;

 private:
  Destination destination_;
  ExchangeOptions options_;
  size_t concurrency_;
  size_t first_node_ = 0;    // the node that answered last
  std::string unreachable_;  // why no node could be reached: later requests are not tried
};

// Sends what the store holds, settles it and prunes the store (not saved: the caller saves it,
// after its own state, see pending.h). An error names a failure to write the journal (nothing
// was sent then) or, in *transport_error, the last transport failure.
Status DeliverPending(PendingTransport& transport, PendingStore* store,
                      std::string* transport_error);

}  // namespace zabitan::sender

#endif  // ZABITAN_SENDER_PENDING_DELIVERY_H_
