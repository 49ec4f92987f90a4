// zabitan — what a Zabbix action asked zabitan-remote-cmd to do, accepted only if every
// argument is exactly what the grammar allows.
//
// The action fills the arguments from macros, so whoever can put text into Zabbix (a host
// name, a trigger name, an item value) may try to reach this program with it. Nothing is
// trusted: the command line must be
//
//   ACTION --host H --event-id N --trigger-id N --status S [--severity V] [--value X]
//          [--config FILE] [--dry-run]
//
//   ACTION   scale-up | scale-down | status
//   H        a Zabbix technical host name: [0-9A-Za-z_. -], 1..128, no blank at either end
//   N        decimal digits, 1..20, fitting in 64 bits
//   S        PROBLEM | OK
//   V        Not classified | Information | Warning | Average | High | Disaster
//   X        printable UTF-8 (no control character), at most 255 bytes
//   FILE     an absolute path of [0-9A-Za-z_./-], no "..", at most 255 bytes
//
// Each option at most once, each followed by its value as the next argument (no "--opt=v",
// no value that starts with '-'), nothing else, at most 32 arguments of at most 1024 bytes.
// Anything else is rejected with one line saying which argument and why, before anything else
// happens. Pure functions: safe from any thread.
//
// Example:
//   zabitan::remote_cmd::Invocation inv;
//   zabitan::Status s = zabitan::remote_cmd::ParseInvocation(
//       {"scale-up", "--host", "vm01", "--event-id", "7", "--trigger-id", "8", "--status", "OK"},
//       &inv);
//   if (!s.ok()) std::string line = "rejected: " + s.message();  // the one line Zabbix shows
#ifndef ZABITAN_REMOTE_CMD_INVOCATION_H_
#define ZABITAN_REMOTE_CMD_INVOCATION_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zabitan/common/status.h"

namespace zabitan::remote_cmd {

enum class Action { kScaleUp, kScaleDown, kStatus };

struct Invocation {
  Action action = Action::kStatus;
  std::string host;
  std::string event_id;
  std::string trigger_id;
  std::string status;  // PROBLEM | OK
  std::optional<std::string> severity;
  std::optional<std::string> value;
  std::optional<std::string> config;
  bool dry_run = false;

  // scale-down, or scale-up called for a recovery (--status OK): the action's recovery
  // operation may run the same command.
  bool wants_scale_down() const {
    return action == Action::kScaleDown || (action == Action::kScaleUp && status == "OK");
  }
};

const char* ActionName(Action action);

// Well-formed UTF-8 without a control character (C0, DEL, C1): what --value may hold, and the
// policy's free-text names (pool_folder).
bool ValidUtf8NoControl(std::string_view text);

Status ParseInvocation(const std::vector<std::string>& args, Invocation* invocation);

}  // namespace zabitan::remote_cmd

#endif  // ZABITAN_REMOTE_CMD_INVOCATION_H_
