// zabitan-remote-cmd: the only thing a Zabbix action runs to scale VMs. It trusts nothing it is
// given: every argument is checked against a strict grammar, the policy in the toolkit's config
// decides what may happen, and every invocation lands in the audit log.
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "zabitan/common/config.h"
#include "zabitan/common/log.h"
#include "zabitan/remote/audit.h"
#include "zabitan/remote/executor.h"
#include "zabitan/remote/file_safety.h"
#include "zabitan/remote/invocation.h"
#include "zabitan/remote/policy.h"

namespace zabitan::remote {
namespace {

using Clock = std::chrono::steady_clock;

// One line on stdout (what Zabbix shows in the action log), the audit record, the exit code.
int Finish(const std::string& audit_log, AuditRecord record, const std::string& line, int code) {
  record.detail = line;
  if (Status s = Audit(audit_log, record); !s.ok()) log::Warning(s.message());
  std::printf("%s\n", line.c_str());
  return code;
}

int Run(int argc, char** argv) {
  const auto start = Clock::now();
  log::Init("zabitan-remote-cmd", 0, false);
  AuditRecord record;
  record.args.assign(argv + 1, argv + argc);
  Invocation inv;
  if (Status s = ParseInvocation(record.args, &inv); !s.ok()) {
    record.outcome = "rejected";
    // The audit log is named by the config, which a rejected command line may not name safely:
    // the default config's log if that file is trustworthy, syslog alone otherwise.
    std::string audit_log;
    Config config;
    Policy policy;
    if (CheckTrustedFile(kDefaultConfigPath, false).ok() && Config::Load(kDefaultConfigPath, true, &config).ok() &&
        LoadPolicy(config, &policy).ok()) {
      audit_log = policy.audit_log;
    }
    return Finish(audit_log, record, "rejected: " + s.message(), 1);
  }
  const std::string config_path = inv.config.value_or(kDefaultConfigPath);
  Config config;
  Policy policy;
  Status s = CheckTrustedFile(config_path, false);
  if (s.ok()) s = Config::Load(config_path, true, &config);
  if (s.ok()) s = LoadPolicy(config, &policy);
  if (!s.ok()) {
    record.outcome = "rejected";
    return Finish("", record, "refusing to run: " + s.message(), 1);
  }
  const Group* group = policy.GroupFor(inv.host);
  if (group == nullptr) {
    record.outcome = "rejected";
    return Finish(policy.audit_log, record,
                  "rejected: host \"" + inv.host + "\" belongs to no scaling group of " + config_path, 1);
  }
  record.group = group->name;
  if (::mkdir(policy.state_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    record.outcome = "failed";
    return Finish(policy.audit_log, record, policy.state_dir + ": " + std::strerror(errno), 1);
  }
  const auto deadline = start + policy.time_budget;
  Outcome o = Execute(inv, policy, *group, config, deadline);
  record.decision = o.decision;
  record.tasks = o.tasks;
  record.outcome = o.code == Outcome::kOk ? "ok" : o.code == Outcome::kFailed ? "failed" : "nothing";
  if (!inv.dry_run) {
    if (Status r = Report(policy, o, deadline); !r.ok()) log::Warning(r.message());
    if (Status n = Notify(policy, config, inv, *group, o, deadline); !n.ok()) log::Warning(n.message());
  }
  return Finish(policy.audit_log, record, o.line, o.code == Outcome::kFailed ? 1 : 0);
}

}  // namespace
}  // namespace zabitan::remote

int main(int argc, char** argv) { return zabitan::remote::Run(argc, argv); }
