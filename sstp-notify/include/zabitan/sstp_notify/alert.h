// zabitan — what a Zabbix alert says, for the ghost's speech template.
//
// As a Zabbix script media type zabitan-sstp gets {ALERT.SENDTO}, {ALERT.SUBJECT} and
// {ALERT.MESSAGE}. The message of the media type's templates (zabbix-templates/) holds
// "Name: value" lines — Host, Severity, Problem (or Trigger), Status, Result — which become
// placeholders; the subject tells a problem from its recovery ("Resolved…", "OK…"). The
// severity (or the recovery) picks the ghost's surface.
//
// Thread-safety: plain values and pure functions, safe from any thread.
//
// Example:
//   zabitan::sstp_notify::Alert a = zabitan::sstp_notify::ParseMediaAlert(
//       "desk", "Problem: disk full", "Host: web01\nSeverity: High\nStatus: PROBLEM");
//   std::map<std::string, std::string> values = a.Placeholders();
//   values["surface"] = std::to_string(zabitan::sstp_notify::Surfaces{}.For(a));
#ifndef ZABITAN_SSTP_NOTIFY_ALERT_H_
#define ZABITAN_SSTP_NOTIFY_ALERT_H_

#include <map>
#include <string>
#include <string_view>

namespace zabitan::sstp_notify {

struct Alert {
  std::string sendto, subject, message;
  std::string host, trigger, severity, status, result;  // empty when the message does not say

  bool recovered() const { return status == "OK" || status == "RESOLVED"; }
  // {sendto} {subject} {message} {host} {trigger} {severity} {status} {result}
  std::map<std::string, std::string> Placeholders() const;
};

Alert ParseMediaAlert(std::string_view sendto, std::string_view subject, std::string_view message);

// The ghost's surface for each severity (Zabbix's names, lower case with '_') and for a recovery.
struct Surfaces {
  std::map<std::string, int> by_severity = {{"not_classified", 0}, {"information", 0},
                                            {"warning", 3},        {"average", 3},
                                            {"high", 2},           {"disaster", 4}};
  int ok = 5;
  int fallback = 0;  // the severity is unknown or missing

  int For(const Alert& alert) const;
};

}  // namespace zabitan::sstp_notify

#endif  // ZABITAN_SSTP_NOTIFY_ALERT_H_
