// zabitan — carrying out one accepted invocation: lock the group, decide, act on vSphere within
// the time budget, remember, then report to Zabbix and tell the mascot.
//
// The order matters: the group's lock is taken and the event checked before anything talks to
// vSphere (50 concurrent invocations of one event cost one power-on and 49 file reads); the
// action is saved as pending (and audited as started) before vSphere is asked, and nothing is
// asked when that save fails; the state is saved again right after the action returns, so a
// run killed in between leaves a pending record that the next run reconciles (the event is
// not acted on twice). Reporting and notifying come last and never change
// the outcome: a Zabbix server or desktop that is away only costs a log line.
// Not thread-safe: one Execute per process; the group's lock orders the processes.
//
//   zabitan::remote_cmd::Invocation inv;  // admitted
//   zabitan::remote_cmd::Policy policy;   // LoadPolicy's
//   zabitan::remote_cmd::Group group;     // *policy.GroupFor(inv.host)
//   zabitan::Config config;
//   auto deadline = std::chrono::steady_clock::now() + policy.time_budget;
//   auto audit_started = [](const std::string&) { return zabitan::Status::Ok(); };
//   zabitan::remote_cmd::Outcome o =
//       zabitan::remote_cmd::Execute(inv, policy, group, config, deadline, audit_started);
//   zabitan::Status reported = zabitan::remote_cmd::Report(policy, o, deadline);
#ifndef ZABITAN_REMOTE_CMD_SRC_EXECUTOR_H_
#define ZABITAN_REMOTE_CMD_SRC_EXECUTOR_H_

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "zabitan/common/config.h"
#include "zabitan/remote_cmd/invocation.h"
#include "zabitan/remote_cmd/policy.h"

namespace zabitan::remote_cmd {

struct Outcome {
  enum Code { kOk = 0, kFailed = 1, kNothing = 2 } code = kNothing;  // zabitan.remote.status
  std::string line;  // one human-readable line: stdout, the action log, zabitan.remote.result
  std::string decision;
  std::vector<std::string> tasks;
  std::string vm;    // the VM acted on
  int members = -1;  // powered-on pool members afterwards (-1: unknown)
};

// `starting` is called with the decision once the pending record is saved and before vSphere is
// asked to act (the audit's "started" record); an error from it means nothing is done.
Outcome Execute(const Invocation& invocation, const Policy& policy, const Group& group,
                const Config& config, std::chrono::steady_clock::time_point deadline,
                const std::function<Status(const std::string& decision)>& starting);

// Sends zabitan.remote.result / .members / .status to policy.report_host (no-op without
// report_server). Returns what went wrong, for the log.
Status Report(const Policy& policy, const Outcome& outcome,
              std::chrono::steady_clock::time_point deadline);

// Says the outcome through the mascot ([sstp] of the config), spooled if the desktop is away
// or too slow to answer before `deadline` (the time budget: the notification is last, and
// never holds Zabbix's script past it).
Status Notify(const Policy& policy, const Config& config, const Invocation& invocation,
              const Group& group, const Outcome& outcome,
              std::chrono::steady_clock::time_point deadline);

}  // namespace zabitan::remote_cmd

#endif  // ZABITAN_REMOTE_CMD_SRC_EXECUTOR_H_
