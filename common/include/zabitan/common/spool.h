// zabitan — Spool: a durable, ordered, bounded queue of requests a destination did not take.
//
// When a destination is down (the sender: connect failure, timeout, "response":"failed", a
// reply lost mid-exchange; the SSTP notifier: a desktop away or busy) the request is kept on
// disk and sent before anything new on the next run, so nothing is lost while the peer is away.
// One queue per destination (the sender: the -z text of one cluster; the notifier: where it
// speaks to), in a folder of its own under the spool folder:
//
//   DIR/lock                       flock: one run at a time uses the spool
//   DIR/q-<hash>/destination       the destination's text, e.g. "zbx1:10051;zbx2:10051"
//   DIR/q-<hash>/<seq>-<n>.req     one request (its JSON), n values; seq orders the queue
//   DIR/q-<hash>/node              the HA node that answered last
//   DIR/q-<hash>/dropped           values dropped to keep the spool under its size limit
//
// Durability: a request is written to a temporary name, fsync'd, renamed and the folder
// fsync'd before Append returns ok, so a kill -9 at any moment loses nothing Append reported as
// spooled; a half-written file never has a final name and is removed on the next Open.
// Bounded: when the spool grows past max_bytes the oldest requests are dropped, counted and
// logged.
//
// Trust: whatever is in the folder is sent to the destination named there, so the folder must
// be the running user's and closed to group and others (Open refuses it otherwise, naming the
// chown/chmod that fixes it). Entries are opened without following symlinks and without
// blocking, must be regular files owned by the user and are size-capped; a queue folder whose
// name does not match its destination file is ignored.
//
// Thread-safety: not thread-safe; one Spool per process (the lock enforces one per folder).
//
// Example:
//   std::unique_ptr<zabitan::Spool> spool;
//   zabitan::Status s = zabitan::Spool::Open("/var/spool/zabitan", zabitan::kDefaultSpoolMaxBytes,
//                                            std::chrono::seconds(10), &spool);
//   if (s.ok()) s = spool->Append("zbx:10051", R"({"request":"sender data","data":[]})", 0);
#ifndef ZABITAN_COMMON_SPOOL_H_
#define ZABITAN_COMMON_SPOOL_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zabitan/common/status.h"
#include "zabitan/common/unique_fd.h"

namespace zabitan {

inline constexpr uint64_t kDefaultSpoolMaxBytes = uint64_t{1} << 30;

class Spool {
 public:
  struct Entry {
    uint64_t seq = 0;
    size_t values = 0;
    std::string payload;
  };

  struct Passkey {};  // only Open makes a Spool
  explicit Spool(Passkey) {}
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Opens the spool folder (creating it when `create`, as 0700) and takes its lock, waiting up
  // to lock_wait for another run to finish with it. Without `create` a folder that is not a
  // spool (missing, or no lock file: --flush of a mistyped path) is an error.
  static Status Open(const std::string& dir, uint64_t max_bytes,
                     std::chrono::milliseconds lock_wait, std::unique_ptr<Spool>* spool,
                     bool create = true);

  // Queues a request for `destination`. Ok means it is on disk and will survive a crash.
  Status Append(const std::string& destination, std::string_view payload, size_t values);
  // The oldest request queued for `destination`, or none.
  Status Oldest(const std::string& destination, std::optional<Entry>* entry);
  // Removes a request once the destination has taken it.
  Status Remove(const std::string& destination, uint64_t seq);

  // Moves the requests queued for `from` to the end of each queue in `to`, oldest first
  // (--flush DIR -z ELSEWHERE). A crash midway may leave a request in both: sent twice, never lost.
  Status Move(const std::string& from, const std::vector<std::string>& to);

  // Reads the folder again, after an error, so the counts say what is really on disk (a folder
  // removed mid-run holds nothing). Returns how many queued values are no longer there.
  uint64_t Reload();
  // False once the folder was removed or replaced under this run (its lock file is not the one
  // this run holds).
  bool Intact() const;

  uint64_t queued_values(const std::string& destination) const;
  uint64_t queued_values() const;
  // Values dropped by this process to keep the spool under max_bytes.
  uint64_t dropped_values() const { return dropped_this_run_; }
  // Destinations with a queue folder (for --flush without -z).
  std::vector<std::string> destinations() const;

  // The HA node (index into the destination's nodes) that answered last, across runs.
  std::optional<size_t> preferred_node(const std::string& destination) const;
  Status set_preferred_node(const std::string& destination, size_t node);

  const std::string& dir() const { return dir_; }

 private:
  struct Item {
    uint64_t seq;
    size_t values;
    uint64_t bytes;
  };
  struct Queue {
    std::string folder;
    std::deque<Item> items;
    uint64_t values = 0;
    uint64_t dropped = 0;  // all-time, from the dropped file
    std::optional<size_t> node;
  };

  Status Load();
  Status LoadQueue(const std::string& folder);
  Status QueueFor(const std::string& destination, Queue** queue);
  Status DropOldest(const std::string& destination, Queue* queue);
  std::string PathOf(const Queue& q, const Item& item) const;

  std::string dir_;
  uint64_t max_bytes_ = kDefaultSpoolMaxBytes;
  uint64_t bytes_ = 0;
  uint64_t next_seq_ = 1;
  uint64_t dropped_this_run_ = 0;
  UniqueFd lock_;
  std::map<std::string, Queue> queues_;  // by destination text
};

}  // namespace zabitan

#endif  // ZABITAN_COMMON_SPOOL_H_
