#include "zabitan/sstp_notify/alert.h"

#include <algorithm>
#include <cctype>

#include "zabitan/common/trim.h"

namespace zabitan::sstp_notify {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

std::map<std::string, std::string> Alert::Placeholders() const {
  return {{"sendto", sendto},   {"subject", subject},   {"message", message}, {"host", host},
          {"trigger", trigger}, {"severity", severity}, {"status", status},   {"result", result}};
}

Alert ParseMediaAlert(std::string_view sendto, std::string_view subject, std::string_view message) {
  Alert a;
  a.sendto = sendto;
  a.subject = subject;
  a.message = message;
  for (size_t pos = 0; pos <= message.size();) {
    size_t eol = message.find('\n', pos);
    if (eol == std::string_view::npos) eol = message.size();
    std::string_view line = message.substr(pos, eol - pos);
    pos = eol + 1;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name = Lower(TrimBlanks(line.substr(0, colon)));
    std::string value(TrimBlanks(line.substr(colon + 1)));
    if (name == "host" && a.host.empty()) a.host = value;
    if ((name == "problem" || name == "problem name" || name == "trigger") && a.trigger.empty())
      a.trigger = value;
    if (name == "severity" && a.severity.empty()) a.severity = value;
    if (name == "status" && a.status.empty()) a.status = value;
    if (name == "result" && a.result.empty()) a.result = value;
  }
  std::string s = Lower(TrimBlanks(subject));
  if (a.status.empty()) {
    a.status = s.starts_with("resolved") || s.starts_with("ok") ? "OK" : "PROBLEM";
  }
  std::transform(a.status.begin(), a.status.end(), a.status.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  return a;
}

int Surfaces::For(const Alert& alert) const {
  if (alert.recovered()) return ok;
  std::string key = Lower(alert.severity);
  std::replace(key.begin(), key.end(), ' ', '_');
  auto it = by_severity.find(key);
  return it == by_severity.end() ? fallback : it->second;
}

}  // namespace zabitan::sstp_notify
