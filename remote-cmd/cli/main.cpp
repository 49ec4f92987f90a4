// zabitan-remote-cmd: the only thing a Zabbix action runs to scale VMs. It trusts nothing it is
// given: every argument is checked against a strict grammar, the policy in the toolkit's config
// decides what may happen, and every invocation lands in the audit log (remote_cmd/admission.h).
// Only an admitted call loads the acting half (remote_cmd/acting_module.h), which locks the group,
// decides, acts on vSphere within the time budget, reports to Zabbix and tells the mascot; a
// rejected one has run nothing but this file's libraries (libc, libstdc++, toml++). It runs no
// shell and execs nothing, ever.
#include <chrono>

#include "zabitan/common/log.h"
#include "zabitan/remote_cmd/acting_module.h"
#include "zabitan/remote_cmd/admission.h"

namespace zabitan::remote_cmd {
namespace {

int Run(int argc, char** argv) {
  const auto start = std::chrono::steady_clock::now();
  log::Init("zabitan-remote-cmd", 0, false);
  Admission a;
  if (!Admit(argc, argv, &a)) return Finish(a.audit_log, a.record, a.refusal, 1);
  ActingModule acting;
  if (Status s = ActingModule::Load(&acting); !s.ok()) {
    a.record.outcome = "failed";
    return Finish(a.audit_log, a.record, "failed: " + s.message(), 1);
  }
  return acting.Act(&a, start);
}

}  // namespace
}  // namespace zabitan::remote_cmd

int main(int argc, char** argv) { return zabitan::remote_cmd::Run(argc, argv); }
