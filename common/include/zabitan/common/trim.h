// zabitan — the blanks around a value in a line-oriented file (zabbix_agentd.conf, a Zabbix
// alert's "Key: value" lines): spaces and tabs on both sides, and the \r a file written on
// Windows leaves before the newline.
//
// Thread-safety: a pure function, safe from any thread.
//
// Example:
//   std::string_view value = zabitan::TrimBlanks("  ServerActive=zbx1 \r");
//   // value == "ServerActive=zbx1"
#ifndef ZABITAN_COMMON_TRIM_H_
#define ZABITAN_COMMON_TRIM_H_

#include <string_view>

namespace zabitan {

inline std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace zabitan

#endif  // ZABITAN_COMMON_TRIM_H_
