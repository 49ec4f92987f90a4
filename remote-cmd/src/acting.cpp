#include "acting.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "executor.h"
#include "zabitan/common/log.h"

namespace zabitan::remote_cmd {

// The audit trail gets the action twice: "started" before vSphere is asked (a run killed
// afterwards still leaves it), and the outcome as soon as it is known, before the report and
// the notification, which may wait on peers that are away.
int Act(Admission& a, std::chrono::steady_clock::time_point start) {
  const Policy& policy = a.policy;
  const Invocation& inv = a.invocation;
  if (::mkdir(policy.state_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    a.record.outcome = "failed";
    return Finish(policy.audit_log, a.record, policy.state_dir + ": " + std::strerror(errno), 1);
  }
  const auto deadline = start + policy.time_budget;
  auto starting = [&](const std::string& decision) {
    AuditRecord started = a.record;
    started.decision = decision;
    started.outcome = "started";
    return Audit(policy.audit_log, started);
  };
  Outcome o = Execute(inv, policy, *a.group, a.config, deadline, starting);
  a.record.decision = o.decision;
  a.record.tasks = o.tasks;
  a.record.outcome = o.code == Outcome::kOk       ? "ok"
                     : o.code == Outcome::kFailed ? "failed"
                                                  : "nothing";
  a.record.detail = o.line;
  if (Status s = Audit(policy.audit_log, a.record); !s.ok()) log::Warning(s.message());
  if (!inv.dry_run) {
    // Errors, not warnings: Zabbix keeps the script's output, and a report that never arrived
    // or a mascot that was not told is what the admin must read there.
    if (Status r = Report(policy, o, deadline); !r.ok()) log::Error(r.message());
    if (Status n = Notify(policy, a.config, inv, *a.group, o, deadline); !n.ok())
      log::Error(n.message());
  }
  std::printf("%s\n", o.line.c_str());
  return o.code == Outcome::kFailed ? 1 : 0;
}

}  // namespace zabitan::remote_cmd
