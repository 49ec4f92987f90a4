// The Sender's state per destination and per lane, and which lane a value takes. Internal to
// the sender library (sender.cpp).
#ifndef ZABITAN_SENDER_SRC_SENDER_STATE_H_
#define ZABITAN_SENDER_SRC_SENDER_STATE_H_

#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "request.h"
#include "route.h"
#include "zabitan/sender/destination.h"
#include "zabitan/sender/value.h"

namespace zabitan::sender::internal {

struct DestinationState {
  const Destination* destination = nullptr;
  std::string name;       // -z text: the spool queue's name
  size_t first_node = 0;  // the node that answered last is tried first
  bool failed = false;
  bool drained = false;   // the spooled requests of earlier runs went out first
  bool draining = false;  // the spool is being sent: new batches queue behind it
  // With a spool, a failed destination is tried again after a pause that doubles up to a
  // minute: one lost reply should not send the rest of a long run to the spool.
  std::chrono::steady_clock::time_point retry_at;
  std::chrono::milliseconds backoff{0};
  Route route;
  // With group_by_host: each host's own route (the proxy of the group that monitors it).
  // Node-based, so a Route& stays valid while other hosts are added.
  std::unordered_map<std::string, Route> hosts;
  // A node could not be reached, or requests of an earlier run waited in the spool: a proxy
  // may have failed over. Until when a one-host request refused whole is tried again.
  bool disturbed = false;
  std::optional<std::chrono::steady_clock::time_point> refused_retry_until;
};

struct Lane {
  RequestBuilder pending;
  std::string host;  // group_by_host: the host of the values in `pending`
  bool busy = false;
};

enum class Verdict { kSucceeded, kPartial, kFailed };

// Which lane an item's values use. Hashes 8 bytes per multiply: this runs once per value and
// a byte-wise hash showed up as the sender's largest cost.
inline uint64_t HashBytes(std::string_view s, uint64_t h) {
  constexpr uint64_t kMul = 0x9e3779b97f4a7c15ULL;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  h = (h ^ tail ^ (uint64_t{s.size()} << 56)) * kMul;
  return h ^ (h >> 32);
}

inline size_t LaneOf(const ValueView& v, size_t lanes) {
  return static_cast<size_t>(HashBytes(v.key, HashBytes(v.host, 0)) % lanes);
}

}  // namespace zabitan::sender::internal

#endif  // ZABITAN_SENDER_SRC_SENDER_STATE_H_
