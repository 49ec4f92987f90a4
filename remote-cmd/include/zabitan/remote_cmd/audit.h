// zabitan — the audit trail: every invocation of zabitan-remote-cmd, accepted or rejected, as
// one JSON line in the audit log and one line in syslog (authpriv).
//
//   {"time":"2026-11-22T03:04:05Z","pid":123,"args":["scale-up","--host","vm01",…],
//    "decision":"power on web-03 (1/3 running before)","tasks":["task-42"],"outcome":"ok",
//    "detail":"powered on web-03"}
//
// The arguments are recorded as received, JSON-escaped (invalid UTF-8 replaced), so a hostile
// one is visible but cannot break the line; and bounded, so the line stays under 4 KiB and no
// syslog drops it: each argument at most kAuditMaxArgBytes (cut between characters, with its
// length: "xxxx…(5000 bytes)"), the first kAuditMaxArgs arguments within kAuditMaxArgsBytes
// ("…(9 more arguments)"), the decision and the detail at most kAuditMaxTextBytes each.
// An action is audited twice: outcome "started" before vSphere is asked, then its outcome. Appends
// are single write(2)s with O_APPEND, so concurrent invocations do not interleave within a line.
//
// Processes may audit at once; within one, one thread at a time (openlog is process-wide).
//
// Example:
//   zabitan::remote_cmd::AuditRecord r;
//   r.args = {"scale-up", "--host", "vm01"};
//   r.outcome = "rejected";
//   r.detail = "rejected: --event-id is required";
//   zabitan::Status s = zabitan::remote_cmd::Audit("/var/log/zabitan/remote-cmd.log", r);
#ifndef ZABITAN_REMOTE_CMD_AUDIT_H_
#define ZABITAN_REMOTE_CMD_AUDIT_H_

#include <cstddef>
#include <string>
#include <vector>

#include "zabitan/common/status.h"

namespace zabitan::remote_cmd {

inline constexpr size_t kAuditMaxArgBytes = 128;
inline constexpr size_t kAuditMaxArgs = 32;
inline constexpr size_t kAuditMaxArgsBytes = 1536;
inline constexpr size_t kAuditMaxTextBytes = 512;

struct AuditRecord {
  std::vector<std::string> args;
  std::string group;
  std::string decision;
  std::vector<std::string> tasks;
  std::string outcome;  // started, ok, nothing, failed, rejected
  std::string detail;
};

std::string AuditLine(const AuditRecord& record);

// Appends to `path` (created 0600; "" = syslog only) and logs to syslog. The error, if any, is
// about the file; syslog gets the line regardless.
Status Audit(const std::string& path, const AuditRecord& record);

}  // namespace zabitan::remote_cmd

#endif  // ZABITAN_REMOTE_CMD_AUDIT_H_
