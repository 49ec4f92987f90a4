// zabitan-remote-cmd: the only thing a Zabbix action runs to scale VMs. It trusts nothing it is
// given: every argument is checked against a strict grammar, the policy in the toolkit's config
// decides what may happen, and every invocation lands in the audit log (remote/admission.h).
// Only an admitted call locks the group, decides, acts on vSphere within the time budget,
// reports to Zabbix and tells the mascot. It runs no shell and execs nothing, ever.
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

#include "zabitan/common/log.h"
#include "zabitan/remote/admission.h"
#include "zabitan/remote/executor.h"

namespace zabitan::remote {
namespace {

int Run(int argc, char** argv) {
  const auto start = std::chrono::steady_clock::now();
  log::Init("zabitan-remote-cmd", 0, false);
  Admission a;
  if (!Admit(argc, argv, &a)) return Finish(a.audit_log, a.record, a.refusal, 1);
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

}  // namespace
}  // namespace zabitan::remote

int main(int argc, char** argv) { return zabitan::remote::Run(argc, argv); }
