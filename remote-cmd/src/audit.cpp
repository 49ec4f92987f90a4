#include "zabitan/remote/audit.h"

#include <fcntl.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>

#include "zabitan/common/unique_fd.h"

namespace zabitan::remote {

std::string AuditLine(const AuditRecord& r) {
  char when[32];
  std::time_t now = std::time(nullptr);
  std::tm tm;
  gmtime_r(&now, &tm);
  std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
  nlohmann::json j = {{"time", when},     {"pid", ::getpid()},     {"args", r.args},
                      {"group", r.group}, {"decision", r.decision}, {"tasks", r.tasks},
                      {"outcome", r.outcome}, {"detail", r.detail}};
  return j.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

Status Audit(const std::string& path, const AuditRecord& record) {
  const std::string line = AuditLine(record);
  openlog("zabitan-remote-cmd", LOG_PID, LOG_AUTHPRIV);
  syslog(record.outcome == "ok" || record.outcome == "nothing" ? LOG_INFO : LOG_WARNING, "%s", line.c_str());
  closelog();
  if (path.empty()) return Status::Ok();
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
  const std::string text = line + "\n";
  if (!fd || ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    return Status::Error("audit log " + path + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace zabitan::remote
