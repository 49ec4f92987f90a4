#include "decision.h"

#include <algorithm>
#include <cassert>

namespace zabitan::remote_cmd {

std::string EventKey(const Invocation& inv) {
  // "0001" and "1" are one event: the grammar allows leading zeros, the key drops them.
  const std::string& id = inv.event_id;
  const size_t digits = std::min(id.find_first_not_of('0'), id.size() == 0 ? 0 : id.size() - 1);
  return id.substr(digits) + (inv.wants_scale_down() ? ":down" : ":up");
}

int PoweredOn(const std::vector<PoolMember>& pool) {
  return static_cast<int>(std::count_if(
      pool.begin(), pool.end(), [](const PoolMember& m) { return m.power_state == "poweredOn"; }));
}

Decision Decide(const Invocation& inv, const Group& g, const GroupState& state,
                const std::vector<PoolMember>& pool, int64_t now,
                const std::vector<std::string>& vm_names) {
  // LoadPolicy refuses a group that breaks these; a Group made in code must keep them too.
  assert(g.min <= g.max && g.max_actions_per_hour >= 1);
  Decision d;
  d.members = PoweredOn(pool);
  const std::string counts = std::to_string(d.members) + "/" + std::to_string(g.max) + " running";
  if (inv.action == Action::kStatus) {
    d.reason = "group " + g.name + ": " + counts;
    return d;
  }
  if (const std::string* outcome = state.Outcome(EventKey(inv))) {
    d.reason = "event " + inv.event_id + " was handled already (" + *outcome + "): nothing to do";
    return d;
  }
  const int64_t cooldown = g.cooldown.count();
  if (state.last_action > 0 && now - state.last_action < cooldown) {
    d.reason = "group " + g.name + " acted " + std::to_string(now - state.last_action) +
               " s ago, cooldown " + std::to_string(cooldown) + " s: nothing to do (" + counts +
               ")";
    return d;
  }
  if (state.ActionsSince(now - 3600) >= g.max_actions_per_hour) {
    d.reason = "group " + g.name + " reached " + std::to_string(g.max_actions_per_hour) +
               " actions in the last hour: nothing to do (" + counts + ")";
    return d;
  }
  if (!inv.wants_scale_down()) {
    if (d.members >= g.max) {
      d.reason = "group " + g.name + " is at its maximum: nothing to do (" + counts + ")";
      return d;
    }
    for (const PoolMember& m : pool) {
      if (m.power_state == "poweredOff") {
        d.kind = Decision::kPowerOn;
        d.vm = m.name;
        d.reason = "power on " + m.name + " (" + counts + " before)";
        return d;
      }
    }
    if (!g.clone_template.empty()) {
      for (int n = 1; n <= 100000; ++n) {
        std::string name = CloneName(g.name_pattern, n);
        if (name.empty()) break;
        auto taken = [&](const std::string& x) { return x == name; };
        if (std::any_of(vm_names.begin(), vm_names.end(), taken) ||
            std::any_of(pool.begin(), pool.end(),
                        [&](const PoolMember& m) { return m.name == name; })) {
          continue;
        }
        d.kind = Decision::kClone;
        d.vm = name;
        d.reason = "clone " + g.clone_template + " as " + name + " (" + counts + " before)";
        return d;
      }
    }
    d.reason = "group " + g.name + " has no powered-off VM left in its pool (" + counts + ")";
    return d;
  }
  if (d.members <= g.min) {
    d.reason = "group " + g.name + " is at its minimum: nothing to do (" + counts + ")";
    return d;
  }
  for (auto it = state.started.rbegin(); it != state.started.rend(); ++it) {
    for (const PoolMember& m : pool) {
      if (m.name == *it && m.power_state == "poweredOn") {
        d.kind = Decision::kShutDown;
        d.vm = m.name;
        d.reason = "shut down " + m.name + " (" + counts + " before)";
        return d;
      }
    }
  }
  d.reason =
      "group " + g.name + ": no running VM that zabitan started: nothing to do (" + counts + ")";
  return d;
}

}  // namespace zabitan::remote_cmd
