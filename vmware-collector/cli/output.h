// zabitan-vmware's way to Zabbix: values of items Zabbix already took go in the sender's fast
// batches; values of items it has not taken yet (a new VM, host, datastore, NIC or disk: their
// items exist only once Zabbix has processed the discovery this run sends and synced its
// configuration) go to a pending-values store per destination (zabitan/sender/pending.h), are
// sent so that each item is stored or refused whole, and wait in the state folder until Zabbix
// has created them. Only values Zabbix refused for another reason make the run an error.
#ifndef ZABITAN_VMWARE_CLI_OUTPUT_H_
#define ZABITAN_VMWARE_CLI_OUTPUT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "zabitan/common/spool.h"
#include "zabitan/common/status.h"
#include "zabitan/sender/pending.h"
#include "zabitan/sender/sender.h"

namespace zabitan::vmware {

// zabitan-vmware's exit codes, as zabitan-sender's.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // nothing collected or nothing delivered
inline constexpr int kExitPartial =
    2;  // values refused by Zabbix (not those waiting for discovery)
inline constexpr int kExitSpooled = 3;  // nothing lost, but values wait for Zabbix to be reachable

struct OutputOptions {
  std::string state_dir, url;
  // The endpoint's own host: made by hand or by zabitan-provision before the first run, so its
  // template's items (the discovery rules) exist; its values go in the fast batches from the start.
  std::string endpoint_host;
  std::vector<sender::Destination> destinations;
  Spool* spool = nullptr;
  size_t concurrency = 8;
  uint32_t window = 3600;             // vSphere keeps realtime samples an hour
  uint64_t max_pending = 5000000;     // held values per destination (~40 bytes each in memory)
  std::set<std::string> extra_paths;  // counters given by name: templates may lack their items
  // On a store's first run only: whether an earlier version of zabitan-vmware had already sent
  // values to `host` (its items are then taken as existing, as before).
  std::function<bool(const std::string& host)> sent_before;
};

class Output {
 public:
  static Status Open(OutputOptions options, std::unique_ptr<Output>* output);
  ~Output();

  // Routes a value; false once the run has failed (every destination, no spool).
  bool Add(const sender::Value& v, uint32_t now);
  // Sends everything: the fast batches, then the pending values. Returns the exit code
  // (0 delivered or waiting for discovery, 2 refused, 3 spooled or unreachable, 1 failed),
  // after printing the summary lines (none when `collected` is false: the run failed to
  // collect, and says so). `entities` and `made` go in the first line. `save_state` is called
  // once the values are delivered or safe (before the stores are saved: pending.h).
  int Finish(size_t entities, uint64_t made, bool collected,
             const std::function<void()>& save_state);
  // True when the sending failed: the caller keeps its watermarks where they were.
  bool failed() const;

 private:
  explicit Output(OutputOptions options);
  std::string GroupOf(const std::string& host, const std::string& key) const;

  OutputOptions options_;
  std::vector<std::unique_ptr<sender::PendingStore>> stores_;  // one per destination
  std::unique_ptr<sender::Sender> out_;
  uint64_t fast_failed_ = 0;
  std::string send_error_;
  bool sending_ = true;
  // The last item looked up: consecutive values are mostly of one item.
  std::string last_host_, last_key_;
  bool last_known_ = false;
};

}  // namespace zabitan::vmware

#endif  // ZABITAN_VMWARE_CLI_OUTPUT_H_
