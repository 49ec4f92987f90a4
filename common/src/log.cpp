#include "zabitan/common/log.h"

#include <syslog.h>
#include <unistd.h>

#include <atomic>
#include <string>

namespace zabitan::log {
namespace {

std::string g_program = "zabitan";
std::atomic<int> g_verbosity{0};
std::atomic<bool> g_syslog{false};

void Write(Level level, std::string_view tag, std::string_view message) {
  if (!Enabled(level)) return;
  std::string line = g_program + ": " + std::string(tag) + std::string(message) + "\n";
  // One write per line keeps lines whole when several threads log at once.
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
  if (g_syslog) {
    int priority = level == Level::kError     ? LOG_ERR
                   : level == Level::kWarning ? LOG_WARNING
                                              : LOG_DEBUG;
    ::syslog(priority, "%.*s", static_cast<int>(message.size()), message.data());
  }
}

}  // namespace

void Init(std::string_view program, int verbosity, bool use_syslog) {
  g_program = std::string(program);
  g_verbosity = verbosity;
  if (use_syslog && !g_syslog) {
    // openlog keeps the pointer: g_program lives as long as the process.
    ::openlog(g_program.c_str(), LOG_PID, LOG_DAEMON);
  }
  g_syslog = use_syslog;
}

bool Enabled(Level level) { return static_cast<int>(level) <= g_verbosity; }

void Error(std::string_view message) { Write(Level::kError, "error: ", message); }
void Warning(std::string_view message) { Write(Level::kWarning, "warning: ", message); }
void Debug(std::string_view message) { Write(Level::kDebug, "debug: ", message); }

}  // namespace zabitan::log
