// zabitan — PendingStore: values of items Zabbix may not have created yet, held on disk and
// delivered once it has, with their own timestamps, never twice.
//
// A trapper refuses a value whose item its configuration cache does not know yet: an item made
// by low-level discovery becomes known only after the discovery was processed and the next
// configuration sync (CacheUpdateFrequency, 60 s by default). Its reply says only how many
// values failed, not which, so a request that mixes items cannot tell what to resend. Hence:
//   - an item that had a value stored by an earlier request is "known" (a 64-bit hash of host
//     and key, kept in PREFIX.known); known items go in the ordinary fast batches;
//   - the values of the other items are Add()ed here and sent by DeliverPending
//     (pending_delivery.h) with every value of an item in ONE request, so the item's outcome is
//     all-or-nothing: "failed: 0" means stored, "processed: 0" means refused (nothing stored);
//   - refused values are held in PREFIX.values (0600, written whole and renamed) and retried on
//     later runs until accepted or older than the window (vSphere realtime: one hour), then
//     given up; the item is then treated as known, so its later refusals count as errors;
//   - before each request its items are appended to PREFIX.journal: after a crash (or a lost
//     reply) those values are "uncertain" and are never resent blindly. The item's next new
//     values go alone first: refused means the item still does not exist, so nothing of it was
//     stored and the uncertain values are held again; accepted means it exists, and they are
//     dropped (counted, never duplicated).
// Items that Zabbix creates together (one host's template, one discovery rule of one host)
// share a `group`: one item of a group is sent alone first, and only when it is stored does the
// rest of the group follow in one request (two requests per new host instead of one per item).
// A group whose request comes back mixed has its values dropped (never resent) and its items
// go alone from then on.
//
// Thread-safety: not thread-safe; one store per destination, used by one thread.
//
// Example:
//   std::unique_ptr<zabitan::sender::PendingStore> store;
//   zabitan::Status s =
//       zabitan::sender::PendingStore::Open("/var/lib/zabitan/prom_bridge/pending-x", {}, &store);
//   zabitan::sender::Value v{"web01", "node.cpu[0]", "0.5"};
//   if (s.ok() && !store->IsKnown(v.host, v.key)) store->Add(v, "node.cpu", true, 1700000000);
//   if (s.ok()) s = store->Save();
#ifndef ZABITAN_SENDER_PENDING_H_
#define ZABITAN_SENDER_PENDING_H_

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "zabitan/common/status.h"
#include "zabitan/sender/value.h"

namespace zabitan::sender {

struct PendingLimits {
  uint64_t max_values =
      5000000;             // held values (a first run of 10,000 VMs: 2.4M); the oldest go beyond it
  uint32_t window = 3600;  // seconds a value is kept (the source's own retention)
};

// One held value of an item; ordered by its timestamp.
struct HeldValue {
  uint32_t clock = 0;
  uint32_t ns = 0;
  std::string value;
  bool operator<(const HeldValue& o) const {
    return clock != o.clock ? clock < o.clock : ns < o.ns;
  }
};

struct PendingItem {
  std::string group;
  bool keep = true;             // false: not kept for a later run (e.g. LLD, sent anew each run)
  std::vector<HeldValue> held;  // to send: new, refused, or not sent (server unreachable)
  std::vector<HeldValue> uncertain;  // sent without a known outcome: never resent blindly
  std::vector<HeldValue> sending;    // in the request in flight (memory only)
  std::pair<uint32_t, uint32_t> uncertain_upto{0, 0};  // (clock, ns): values up to it are uncertain
  bool probe = false;  // the request in flight tests whether the item exists
};

// What a run did with pending values, for its summary lines.
struct PendingCounts {
  uint64_t delivered = 0;        // held values stored now
  uint64_t refused = 0;          // values refused by a request (held again unless not kept)
  uint64_t given_up = 0;         // values older than the window (or beyond the bound): dropped
  uint64_t given_up_items = 0;   // items whose values were all given up
  uint64_t unresolved = 0;       // uncertain values dropped: possibly stored, never resent
  uint64_t ambiguous = 0;        // values of a mixed reply: some stored, unknown which; dropped
  uint64_t requests = 0;         // requests sent for pending values
  std::string given_up_example;  // "host key" of one given-up item
};

class PendingStore {
 public:
  struct Passkey {};  // only Open makes a PendingStore
  PendingStore(Passkey, std::string prefix, PendingLimits limits)
      : prefix_(std::move(prefix)), limits_(limits) {}

  // Loads PREFIX.values, PREFIX.journal and PREFIX.known when they exist.
  static Status Open(std::string prefix, PendingLimits limits,
                     std::unique_ptr<PendingStore>* store);

  // True when PREFIX.known did not exist: the first run of a store (nothing is known yet).
  bool fresh() const { return fresh_; }
  bool IsKnown(std::string_view host, std::string_view key) const;
  void MarkKnown(std::string_view host, std::string_view key);

  // Holds a value of an item that is not known. A value already held or uncertain (same clock
  // and ns: collected again after a crash) is not added twice. A value without a clock gets
  // `now`. `keep` false: the item's values are not written to disk.
  void Add(const ValueView& value, std::string_view group, bool keep, uint32_t now);

  // Gives up values older than now - window, then the oldest beyond max_values.
  void Trim(uint32_t now);

  // Writes PREFIX.values and (when changed) PREFIX.known, and removes the journal.
  Status Save();

  uint64_t held_values() const;  // held + uncertain
  size_t items() const { return items_.size(); }
  PendingCounts& counts() { return counts_; }
  const std::map<std::pair<std::string, std::string>, PendingItem>& item_map() const {
    return items_;
  }

  // For DeliverPending: the items to send and their outcome.
  using ItemMap = std::map<std::pair<std::string, std::string>, PendingItem>;
  ItemMap& mutable_items() { return items_; }
  std::set<std::string>& split_groups() { return split_; }
  // Appends the items about to be sent (and the newest timestamp each sends) to the journal.
  Status Journal(const std::vector<ItemMap::iterator>& items);
  // Settles an item whose request was answered or failed.
  enum class Outcome { kStored, kRefused, kAmbiguous, kNotSent, kUnknown };
  void Settle(ItemMap::iterator item, Outcome outcome);
  // Removes items left without values and not in flight.
  void Prune();

 private:
  Status Load();
  Status LoadValues();

  std::string prefix_;
  PendingLimits limits_;
  ItemMap items_;
  std::set<std::string> split_;
  std::vector<uint64_t> known_;         // as loaded, sorted
  std::unordered_set<uint64_t> added_;  // known since
  bool known_changed_ = false;
  bool fresh_ = false;
  PendingCounts counts_;
};

// The hash an item is known by (host and key; a collision makes an item count as known).
uint64_t ItemHash(std::string_view host, std::string_view key);

}  // namespace zabitan::sender

#endif  // ZABITAN_SENDER_PENDING_H_
