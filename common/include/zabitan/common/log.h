// zabitan — logging: one line per message to stderr, or to syslog when asked.
//
// Verbosity follows zabbix_sender's -v flags: 0 shows errors, 1 (-v) adds warnings,
// 2 (-vv) adds debug lines. Messages are prefixed with the program name.
//
// Thread-safety: Init once, before other threads start; the other functions are safe to call
// from several threads (each line is written with one write(2)).
//
// Example:
//   zabitan::log::Init("zabitan-sender", /*verbosity=*/1, /*syslog=*/false);
//   zabitan::log::Warning("spool is 90% full");
#ifndef ZABITAN_COMMON_LOG_H_
#define ZABITAN_COMMON_LOG_H_

#include <string_view>

namespace zabitan::log {

enum class Level { kError = 0, kWarning = 1, kDebug = 2 };

// Sets the program name, the verbosity and whether lines go to syslog (LOG_DAEMON) as well.
void Init(std::string_view program, int verbosity, bool syslog);
bool Enabled(Level level);

void Error(std::string_view message);
void Warning(std::string_view message);
void Debug(std::string_view message);

}  // namespace zabitan::log

#endif  // ZABITAN_COMMON_LOG_H_
