// zabitan — what zabitan-remote-cmd remembers of a scaling group between invocations.
//
// One JSON file per group (STATE_DIR/<group>.json), read and written under the group's lock
// (STATE_DIR/<group>.lock, flock), so concurrent actions for one group run one after the
// other: the events already handled (the same event twice is a no-op that says so), when the
// group last acted (cooldown, actions per hour) and the VMs it powered on, oldest first (a
// scale-down only ever stops one of those). Saved atomically (temporary file, fsync, rename,
// fsync of the folder): a crash leaves the old state or the new one, never half of one.
//
//   zabitan::remote::GroupLock lock;
//   zabitan::Status s = zabitan::remote::GroupLock::Acquire(dir, "web", deadline, &lock);
//   zabitan::remote::GroupState state;
//   s = zabitan::remote::LoadGroupState(dir, "web", &state);
//   state.handled.emplace_back("4711:up", "powered on web-03");
//   s = zabitan::remote::SaveGroupState(dir, "web", state);
#ifndef ZABITAN_REMOTE_GROUP_STATE_H_
#define ZABITAN_REMOTE_GROUP_STATE_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "zabitan/common/status.h"
#include "zabitan/common/unique_fd.h"

namespace zabitan::remote {

inline constexpr size_t kHandledEventsKept = 1000;

struct GroupState {
  std::vector<std::pair<std::string, std::string>> handled;  // (event key, outcome), oldest first
  int64_t last_action = 0;                                   // unix time
  std::vector<int64_t> actions;                              // unix times of the last hour's actions
  std::vector<std::string> started;                          // VM names we powered on, oldest first
  std::vector<std::string> clones;                           // VMs we cloned: pool members from then on

  const std::string* Outcome(const std::string& event_key) const;
  void Remember(const std::string& event_key, const std::string& outcome);
  int ActionsSince(int64_t since) const;
};

Status LoadGroupState(const std::string& dir, const std::string& group, GroupState* state);
Status SaveGroupState(const std::string& dir, const std::string& group, const GroupState& state);

class GroupLock {
 public:
  // Waits for the group's lock until `deadline`.
  static Status Acquire(const std::string& dir, const std::string& group,
                        std::chrono::steady_clock::time_point deadline, GroupLock* lock);

 private:
  UniqueFd fd_;
};

}  // namespace zabitan::remote

#endif  // ZABITAN_REMOTE_GROUP_STATE_H_
