// zabitan — what zabitan-remote-cmd remembers of a scaling group between invocations.
//
// One JSON file per group (STATE_DIR/<group>.json), read and written under the group's lock
// (STATE_DIR/<group>.lock, flock), so concurrent actions for one group run one after the
// other: the events already handled (the same event twice is a no-op that says so), when the
// group last acted (cooldown, actions per hour) and the VMs it powered on, oldest first (a
// scale-down only ever stops one of those). Saved atomically (temporary file, fsync, rename,
// fsync of the folder): a crash leaves the old state or the new one, never half of one.
// An action is saved as pending before it starts (PendingAction), so that a run that dies
// before it can record the outcome does not let the same event act twice.
// The files are opened without following symbolic links, and the state folder must be owned
// by the running user (or root) and not writable by group or others.
//
// Thread-safety: the lock orders processes (flock); a GroupState is one thread's.
//
//   const std::string dir = "/var/lib/zabitan/remote-cmd";
//   auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(25);
//   zabitan::remote_cmd::GroupLock lock;
//   zabitan::Status s = zabitan::remote_cmd::GroupLock::Acquire(dir, "web", deadline, &lock);
//   zabitan::remote_cmd::GroupState state;
//   s = zabitan::remote_cmd::LoadGroupState(dir, "web", &state);
//   state.handled.emplace_back("4711:up", "powered on web-03");
//   s = zabitan::remote_cmd::SaveGroupState(dir, "web", state);
#ifndef ZABITAN_REMOTE_CMD_SRC_GROUP_STATE_H_
#define ZABITAN_REMOTE_CMD_SRC_GROUP_STATE_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "zabitan/common/status.h"
#include "zabitan/common/unique_fd.h"

namespace zabitan::remote_cmd {

inline constexpr size_t kHandledEventsKept = 1000;

// An action about to start, saved before vSphere is asked (so a run killed by Zabbix's script
// timeout, a crash or a full disk leaves a trace of what it may have done) and cleared by the
// save that records its outcome. A pending record found by the next run is reconciled.
struct PendingAction {
  std::string event_key;  // "4711:up"
  std::string action;     // "power on", "shut down", "clone"
  std::string vm;
  int64_t started = 0;  // unix time
};

struct GroupState {
  std::vector<std::pair<std::string, std::string>> handled;  // (event key, outcome), oldest first
  int64_t last_action = 0;                                   // unix time
  std::vector<int64_t> actions;        // unix times of the last hour's actions
  std::vector<std::string> started;    // VM names we powered on, oldest first
  std::vector<std::string> clones;     // VMs we cloned: pool members from then on
  std::vector<PendingAction> pending;  // started, outcome not recorded

  const std::string* Outcome(const std::string& event_key) const;
  void Remember(const std::string& event_key, const std::string& outcome);
  int ActionsSince(int64_t since) const;

  // Turns each pending record into what it may have done, failing closed: its event counts as
  // handled ("interrupted", never retried), it counts for the cooldown and the hourly limit,
  // and a VM it was powering on or cloning is ours from then on (a later scale-down may stop
  // it; one that never came up is simply not running). True when there was anything to do.
  bool ReconcilePending();

  // A clock stepped back leaves times in the future, which would hold the cooldown (and the
  // hourly limit) for as long as the step: they are brought back to `now`.
  void BoundToClock(int64_t now);
};

// Loads the group's state; times in the future (a clock stepped back) are brought back to now.
Status LoadGroupState(const std::string& dir, const std::string& group, GroupState* state);
Status SaveGroupState(const std::string& dir, const std::string& group, const GroupState& state);

// The state folder: owned by the running user (or root), not writable by group or others.
Status CheckStateDir(const std::string& dir);

class GroupLock {
 public:
  // Checks the state folder (owner, mode), then waits for the group's lock until `deadline`.
  // The lock file is re-checked after flock(2): one replaced meanwhile is locked again.
  static Status Acquire(const std::string& dir, const std::string& group,
                        std::chrono::steady_clock::time_point deadline, GroupLock* lock);

 private:
  UniqueFd fd_;
};

}  // namespace zabitan::remote_cmd

#endif  // ZABITAN_REMOTE_CMD_SRC_GROUP_STATE_H_
