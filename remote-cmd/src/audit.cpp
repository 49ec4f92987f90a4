#include "zabitan/remote_cmd/audit.h"

#include <fcntl.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include <nlohmann/json.hpp>

#include "zabitan/common/unique_fd.h"

namespace zabitan::remote_cmd {
namespace {

// At most `max` bytes of `text`, cut between UTF-8 characters, saying how long it was.
std::string Capped(const std::string& text, size_t max) {
  if (text.size() <= max) return text;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;
  return text.substr(0, cut) + "\u2026(" + std::to_string(text.size()) + " bytes)";
}

}  // namespace

std::string AuditLine(const AuditRecord& r) {
  char when[32];
  std::time_t now = std::time(nullptr);
  std::tm tm;
  gmtime_r(&now, &tm);
  std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
  // Bounded (kAuditMax*): syslog drops a line over its limit whole, and a hostile command line
  // is as long as the caller likes.
  nlohmann::json args = nlohmann::json::array();
  size_t used = 0;
  for (size_t i = 0; i < r.args.size(); ++i) {
    std::string arg = Capped(r.args[i], kAuditMaxArgBytes);
    if (i == kAuditMaxArgs || used + arg.size() > kAuditMaxArgsBytes) {
      args.push_back("\u2026(" + std::to_string(r.args.size() - i) + " more arguments)");
      break;
    }
    used += arg.size();
    args.push_back(std::move(arg));
  }
  std::vector<std::string> tasks(r.tasks.begin(),
                                 r.tasks.begin() + std::min(r.tasks.size(), kAuditMaxArgs));
  nlohmann::json j = {{"time", when},
                      {"pid", ::getpid()},
                      {"args", args},
                      {"group", r.group},
                      {"decision", Capped(r.decision, kAuditMaxTextBytes)},
                      {"tasks", tasks},
                      {"outcome", r.outcome},
                      {"detail", Capped(r.detail, kAuditMaxTextBytes)}};
  return j.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

Status Audit(const std::string& path, const AuditRecord& record) {
  const std::string line = AuditLine(record);
  openlog("zabitan-remote-cmd", LOG_PID, LOG_AUTHPRIV);
  syslog(record.outcome == "ok" || record.outcome == "nothing" || record.outcome == "started"
             ? LOG_INFO
             : LOG_WARNING,
         "%s", line.c_str());
  closelog();
  if (path.empty()) return Status::Ok();
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
  const std::string text = line + "\n";
  if (!fd || ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    const int e = errno;
    return Status::Error("audit log " + path + ": " + std::strerror(e),
                         {e, std::generic_category()});
  }
  return Status::Ok();
}

}  // namespace zabitan::remote_cmd
