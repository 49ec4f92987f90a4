// zabitan — the codes of zabitan-remote-cmd's failures: what kind of refusal or failure a
// Status of the admission, the policy, the group state or the acting module is, so callers and
// tests tell them apart by code; the message stays the one line Zabbix shows. A system call's
// failure carries its errno (std::generic_category) instead. Thread-safe: the category is a
// constant.
//
// Example:
//   std::error_code code = zabitan::remote_cmd::Errc::kGroupBusy;  // GroupLock::Acquire's code()
//   if (code == zabitan::remote_cmd::Errc::kGroupBusy) { /* another run holds the group */ }
//   std::string kind = code.message();  // "group busy"
#ifndef ZABITAN_REMOTE_CMD_ERROR_H_
#define ZABITAN_REMOTE_CMD_ERROR_H_

#include <system_error>
#include <type_traits>

namespace zabitan::remote_cmd {

enum class Errc {
  kBadArgument = 1,  // the command line is not what the grammar allows (invocation.h)
  kBadPolicy,        // [remote_cmd] of the config is not a usable policy (policy.h)
  kUnsafeStateDir,   // state_dir is writable by, or owned by, someone else
  kDamagedState,     // a group's state file is not a regular file, too large or unreadable JSON
  kGroupBusy,        // another run held the group's lock past the time budget
  kLockReplaced,     // the group's lock file kept being replaced while this run waited
  kAmbiguousVm,      // a pool member's name names several VMs in vSphere
  kModuleNotFound,   // the acting module is not where the program expects it
  kModuleFailed,     // the acting module is there but cannot be used (load error, no entry)
};

const std::error_category& ErrorCategory();

inline std::error_code make_error_code(Errc e) { return {static_cast<int>(e), ErrorCategory()}; }

}  // namespace zabitan::remote_cmd

template <>
struct std::is_error_code_enum<zabitan::remote_cmd::Errc> : std::true_type {};

#endif  // ZABITAN_REMOTE_CMD_ERROR_H_
