// zabitan — carrying out one accepted invocation: lock the group, decide, act on vSphere within
// the time budget, remember, then report to Zabbix and tell the mascot.
//
// The order matters: the group's lock is taken and the event checked before anything talks to
// vSphere (50 concurrent invocations of one event cost one power-on and 49 file reads); the
// state is saved right after each vSphere action returns, so a time budget that runs out still
// leaves the state matching what was done. Reporting and notifying come last and never change
// the outcome: a Zabbix server or desktop that is away only costs a log line.
//
//   zabitan::remote::Outcome o = zabitan::remote::Execute(inv, policy, *group, config, deadline);
//   std::puts(o.line.c_str());
#ifndef ZABITAN_REMOTE_EXECUTOR_H_
#define ZABITAN_REMOTE_EXECUTOR_H_

#include <chrono>
#include <string>
#include <vector>

#include "zabitan/common/config.h"
#include "zabitan/remote/invocation.h"
#include "zabitan/remote/policy.h"

namespace zabitan::remote {

struct Outcome {
  enum Code { kOk = 0, kFailed = 1, kNothing = 2 } code = kNothing;  // zabitan.remote.status
  std::string line;      // one human-readable line: stdout, the action log, zabitan.remote.result
  std::string decision;
  std::vector<std::string> tasks;
  std::string vm;        // the VM acted on
  int members = -1;      // powered-on pool members afterwards (-1: unknown)
};

Outcome Execute(const Invocation& invocation, const Policy& policy, const Group& group, const Config& config,
                std::chrono::steady_clock::time_point deadline);

// Sends zabitan.remote.result / .members / .status to policy.report_host (no-op without
// report_server). Returns what went wrong, for the log.
Status Report(const Policy& policy, const Outcome& outcome, std::chrono::steady_clock::time_point deadline);

// Says the outcome through the mascot ([sstp] of the config), spooled if the desktop is away
// or too slow to answer before `deadline` (the time budget: the notification is last, and
// never holds Zabbix's script past it).
Status Notify(const Policy& policy, const Config& config, const Invocation& invocation, const Group& group,
              const Outcome& outcome, std::chrono::steady_clock::time_point deadline);

}  // namespace zabitan::remote

#endif  // ZABITAN_REMOTE_EXECUTOR_H_
