#include "zabitan/remote/acting.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "zabitan/common/log.h"
#include "zabitan/remote/executor.h"

namespace zabitan::remote {

int Act(Admission& a, std::chrono::steady_clock::time_point start) {
  const Policy& policy = a.policy;
  const Invocation& inv = a.invocation;
  if (::mkdir(policy.state_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    a.record.outcome = "failed";
    return Finish(policy.audit_log, a.record, policy.state_dir + ": " + std::strerror(errno), 1);
  }
  const auto deadline = start + policy.time_budget;
  Outcome o = Execute(inv, policy, *a.group, a.config, deadline);
  a.record.decision = o.decision;
  a.record.tasks = o.tasks;
  a.record.outcome = o.code == Outcome::kOk ? "ok" : o.code == Outcome::kFailed ? "failed" : "nothing";
  if (!inv.dry_run) {
    if (Status r = Report(policy, o, deadline); !r.ok()) log::Warning(r.message());
    if (Status n = Notify(policy, a.config, inv, *a.group, o, deadline); !n.ok()) log::Warning(n.message());
  }
  return Finish(policy.audit_log, a.record, o.line, o.code == Outcome::kFailed ? 1 : 0);
}

}  // namespace zabitan::remote
