// zabitan — deciding what to do for one invocation: a pure function of the invocation, the
// group's policy and state and the pool's power states, so every rule is unit-tested.
//
// scale-up (a PROBLEM): power on the first powered-off VM of the pool, in pool order — unless
// the event was handled already, the pool is at max, the group acted less than `cooldown` ago,
// the group acted max_actions_per_hour times in the last hour, or no pool VM is off (then,
// with a template, clone it under the name pattern's next free number).
// scale-down (scale-down, or a recovery: --status OK): shut down the most recent VM this
// program started that still runs — never below min, never a VM it did not start; the same
// cooldown and hourly limit apply (no flapping).
// status: nothing, reports the members. Pure functions: safe from any thread.
//
//   zabitan::remote_cmd::Invocation inv;  // as ParseInvocation made it
//   zabitan::remote_cmd::Group group;     // the policy's group of inv.host
//   zabitan::remote_cmd::GroupState state;
//   std::vector<zabitan::remote_cmd::PoolMember> pool = {{"web-03", "poweredOff"}};
//   const int64_t now = 1800000000;
//   zabitan::remote_cmd::Decision d = zabitan::remote_cmd::Decide(inv, group, state, pool, now);
//   if (d.kind == zabitan::remote_cmd::Decision::kPowerOn) std::string vm = d.vm;
#ifndef ZABITAN_REMOTE_CMD_SRC_DECISION_H_
#define ZABITAN_REMOTE_CMD_SRC_DECISION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "group_state.h"
#include "zabitan/remote_cmd/invocation.h"
#include "zabitan/remote_cmd/policy.h"

namespace zabitan::remote_cmd {

struct PoolMember {
  std::string name;
  std::string power_state;  // poweredOn, poweredOff, suspended; "" when vSphere has no such VM
};

struct Decision {
  enum Kind { kPowerOn, kShutDown, kClone, kNothing } kind = kNothing;
  std::string vm;      // the VM to act on (kClone: the clone's name)
  std::string reason;  // one line, for the action log
  int members = 0;     // powered-on pool members before acting
};

// "4711:up" / "4711:down": an event is handled once per direction (its recovery runs the same
// event id with --status OK). Leading zeros are dropped: "0004711" is the same event.
std::string EventKey(const Invocation& invocation);

int PoweredOn(const std::vector<PoolMember>& pool);

// `pool` holds the group's pool VMs and its clones. `vm_names` are all the VMs vSphere knows,
// so that a clone's name is the pattern's next free number.
Decision Decide(const Invocation& invocation, const Group& group, const GroupState& state,
                const std::vector<PoolMember>& pool, int64_t now,
                const std::vector<std::string>& vm_names = {});

}  // namespace zabitan::remote_cmd

#endif  // ZABITAN_REMOTE_CMD_SRC_DECISION_H_
