// zabitan — admitting an invocation: the checks every zabitan-remote-cmd call passes before
// anything may act, and the one line plus audit record that ends every call.
// Nothing else happens before they pass: no lock, no state, no vSphere. Not thread-safe: one
// Admission per invocation, made and read by the program's one thread.
//
// Example:
//   std::string program = "zabitan-remote-cmd", action = "status";
//   char* argv[] = {program.data(), action.data(), nullptr};
//   zabitan::remote_cmd::Admission a;
//   if (!zabitan::remote_cmd::Admit(2, argv, &a)) {
//     int exit_code = zabitan::remote_cmd::Finish(a.audit_log, a.record, a.refusal, 1);
//   }
//   // admitted: a.invocation, a.config, a.policy and *a.group are usable
#ifndef ZABITAN_REMOTE_CMD_ADMISSION_H_
#define ZABITAN_REMOTE_CMD_ADMISSION_H_

#include <string>

#include "zabitan/common/config.h"
#include "zabitan/remote_cmd/audit.h"
#include "zabitan/remote_cmd/invocation.h"
#include "zabitan/remote_cmd/policy.h"

namespace zabitan::remote_cmd {

struct Admission {
  AuditRecord record;     // the arguments as received; outcome "rejected" when refused
  Invocation invocation;  // as parsed (when the grammar accepted it)
  std::string config_path;
  Config config;
  Policy policy;
  const Group* group = nullptr;  // into `policy`: set when admitted
  std::string refusal;           // the one line, when not admitted
  std::string audit_log;         // where a refusal is audited ("" = syslog only)

  Admission() = default;
  // `group` points into `policy`.
  Admission(const Admission&) = delete;
  Admission& operator=(const Admission&) = delete;
};

// The grammar, then the config file's trust, the policy and the host's scaling group. True when
// the invocation may go on; false with `refusal` and `audit_log` set otherwise.
bool Admit(int argc, char** argv, Admission* admission);

// Prints `line` (the one line Zabbix shows in the action log), audits `record` with it as the
// detail, and returns `code`, the exit code.
int Finish(const std::string& audit_log, AuditRecord record, const std::string& line, int code);

}  // namespace zabitan::remote_cmd

#endif  // ZABITAN_REMOTE_CMD_ADMISSION_H_
