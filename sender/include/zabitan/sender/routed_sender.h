// zabitan — RoutedSender: a run's values into Zabbix with nothing lost to low-level discovery.
//
// Values of items Zabbix has already stored a value for ("known", pending.h) go in the Sender's
// fast batches (sender.h: spool, failover, parallel lanes). Values of the other items (new
// hosts, new series: their items exist only once Zabbix has processed the discovery this run
// sends and synced its configuration) go to a PendingStore per destination, are sent after the
// fast batches so that each item is stored or refused whole (pending_delivery.h), and wait in
// the state folder until Zabbix has created the items, then go with their own timestamps.
// Only values Zabbix refused for another reason make the run an error. Finish() prints the
// run's summary and returns an exit code shared by the programs (kExit*).
//
// Which items exist before the first run (a template's items and discovery rules, linked by
// hand or by zabitan-provision) is the caller's knowledge: `known_from_start`. Which items
// Zabbix creates together (one discovery rule on one host) is the `group` of a value: one item
// of a group is sent alone first, and the rest follows once it is stored (pending.h).
//
// Thread-safety: not thread-safe: one thread adds and finishes (the Sender runs the network in
// that thread).
//
// Example:
//   zabitan::sender::RoutedSenderOptions o;
//   zabitan::Status s = zabitan::sender::ParseDestinations("zbx:10051", 10051, &o.destinations);
//   o.state_dir = "/var/lib/zabitan/prom";
//   o.scope = "web01";
//   o.known_from_start = [](const std::string&, const std::string& key) {
//     return zabitan::sender::IsDiscoveryKey(key);
//   };
//   std::unique_ptr<zabitan::sender::RoutedSender> out;
//   if (s.ok()) s = zabitan::sender::RoutedSender::Open(std::move(o), &out);
//   if (!s.ok()) return zabitan::sender::kExitFailure;
//   out->Add(zabitan::sender::Value{"web01", "node.load1", "0.3"}, 1700000000, "");
//   return out->Finish("1 value made", true, [] { /* the caller's own state */ });
#ifndef ZABITAN_SENDER_ROUTED_SENDER_H_
#define ZABITAN_SENDER_ROUTED_SENDER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "zabitan/common/exit_codes.h"
#include "zabitan/common/spool.h"
#include "zabitan/common/status.h"
#include "zabitan/sender/destination.h"
#include "zabitan/sender/pending.h"
#include "zabitan/sender/pending_delivery.h"
#include "zabitan/sender/sender.h"

namespace zabitan::sender {

// Exit codes of the programs that send through a RoutedSender, as zabitan-sender's.
// (common/exit_codes.h): kExitFailure, nothing collected or nothing delivered; kExitPartial,
// values refused by Zabbix (not those waiting for it); kExitSpooled, nothing lost, but values
// wait for Zabbix to be reachable.
using zabitan::kExitFailure;
using zabitan::kExitOk;
using zabitan::kExitPartial;
using zabitan::kExitSpooled;

// The graver of two exit codes: a failure over values refused over values waiting over none.
int WorseExit(int a, int b);

struct RoutedSenderOptions {
  std::vector<Destination> destinations;
  ExchangeOptions exchange;  // TLS and timeouts, for the fast batches and the pending values
  // The stores live in state_dir as pending-HASH(scope)-HASH(destination).{values,known,journal}:
  // `scope` names what the values come from (a vSphere URL, a Zabbix host), so that two
  // sources sharing a state folder keep apart.
  std::string state_dir, scope;
  // True: each host has stores of its own, scoped scope + "\n" + host, opened at its first
  // value: what one host's values wait for stays found whatever other hosts come or go
  // (zabitan-prom, whose targets each name their host).
  bool scope_per_host = false;
  Spool* spool = nullptr;  // not owned; outlives the RoutedSender
  size_t concurrency = 8;  // pending-value requests in flight per destination
  PendingLimits limits;    // per destination; window: the source's own retention
  // Items that exist before the first run: their values go in the fast batches from the start.
  std::function<bool(const std::string& host, const std::string& key)> known_from_start;
  // On a store's first run only: whether an earlier version (that sent without stores) had
  // sent values to `host`; its items are then taken as existing, as before.
  std::function<bool(const std::string& host)> sent_before;
  // The group of a value added without one: "" (alone) when unset.
  std::function<std::string(const std::string& host, const std::string& key)> group_of;
  // For tests: how pending values reach a destination (default: the trapper, TrapperTransport).
  std::function<std::unique_ptr<PendingTransport>(const Destination&)> transport;
};

class RoutedSender {
 public:
  // Opens (or creates) the stores; an error names the store file that could not be read.
  static Status Open(RoutedSenderOptions options, std::unique_ptr<RoutedSender>* out);
  struct Passkey {};  // only Open makes a RoutedSender
  RoutedSender(Passkey, RoutedSenderOptions options);
  ~RoutedSender();
  RoutedSender(const RoutedSender&) = delete;
  RoutedSender& operator=(const RoutedSender&) = delete;

  // Routes a value (copied; `now` stamps a value without a clock). `group`: the items Zabbix
  // creates together ("" for an item alone). A low-level discovery value (IsDiscoveryKey) that
  // waits is not kept for a later run: each run sends its own. Returns false once the run has
  // failed (every destination, no spool): the caller may stop collecting.
  bool Add(const Value& v, uint32_t now, std::string_view group);
  // The same with the group from `group_of`, asked only for a value that waits.
  bool Add(const Value& v, uint32_t now);

  // Sends everything: the fast batches, then the pending values. Prints the summary lines
  // ("WHAT, N refused by Zabbix", the values waiting, the spool) on stdout and the errors on
  // stderr (log::Error), none when `collected` is false (the caller says why it failed).
  // `save_state` is called once the values are delivered or safe, before the stores are saved.
  // Returns kExitOk (delivered or waiting for discovery), kExitPartial (refused, given up,
  // ambiguous), kExitSpooled (spooled, or Zabbix unreachable for the pending values) or
  // kExitFailure (sending failed, or a state file could not be written; not collected).
  int Finish(const std::string& what, bool collected, const std::function<void()>& save_state);

  // True when the sending failed: the caller keeps its own state (watermarks) where it was.
  bool failed() const;

 private:
  bool Known(const Value& v, const std::vector<PendingStore*>& stores);
  // The stores (one per destination) of a host's values; null when one could not be opened.
  const std::vector<PendingStore*>* StoresOf(const std::string& host);
  Status OpenStores(const std::string& scope, std::vector<PendingStore*>* opened);

  RoutedSenderOptions options_;
  // Every store, with the index of its destination; `scope_stores_` points into them by host
  // ("" for all hosts when the scope is not per host).
  std::vector<std::pair<size_t, std::unique_ptr<PendingStore>>> stores_;
  std::map<std::string, std::vector<PendingStore*>> scope_stores_;
  std::string open_error_;  // a store of a host that could not be opened
  std::unique_ptr<Sender> out_;
  uint64_t fast_failed_ = 0;
  std::string send_error_;
  bool sending_ = true;
  // The last item looked up: consecutive values are mostly of one item.
  std::string last_host_, last_key_;
  bool last_known_ = false;
};

// True for a low-level discovery key: its name (before '[') ends in ".discovery".
bool IsDiscoveryKey(std::string_view key);

// The prefix of a destination's store: STATE_DIR/pending-HASH(scope)-HASH(destination).
std::string PendingStorePrefix(const std::string& state_dir, std::string_view scope,
                               const Destination& destination);

}  // namespace zabitan::sender

#endif  // ZABITAN_SENDER_ROUTED_SENDER_H_
