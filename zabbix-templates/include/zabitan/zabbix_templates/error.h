// zabitan — the codes of zabbix-templates' failures (the import files, the checks of what
// zabitan wants, Provisioner): callers and tests tell them apart by code, the message stays the
// one line for people. A failure of the API itself keeps zabbix-api's code (zabbix_api::Errc)
// and a file system failure its errno. Thread-safe: the category is a constant.
//
// Example:
//   std::error_code code = zabitan::zabbix_templates::Errc::kNotFound;  // Provisioner::Run's
//   if (code == zabitan::zabbix_templates::Errc::kNotFound) { /* e.g. --notify-user's user */ }
//   std::string kind = code.message();  // "not found"
#ifndef ZABITAN_ZABBIX_TEMPLATES_ERROR_H_
#define ZABITAN_ZABBIX_TEMPLATES_ERROR_H_

#include <system_error>
#include <type_traits>

namespace zabitan::zabbix_templates {

enum class Errc {
  kBadOption = 1,       // an option that cannot be used (--remote-cmd, --endpoint-host, ...)
  kSeverityNames,       // the server's trigger severities are not Zabbix's default names
  kUnsupportedVersion,  // the API is older than 6.0
  kTemplateFile,        // a template file that cannot be imported (too large, unreadable)
  kNotFound,            // something that must exist does not: template files, a template or
                        // media type after the import, the user to notify
  kAmbiguous,           // several objects carry a name zabitan needs to be unique
  kConflict,            // an object of zabitan's name exists but is of another kind
  kUnexpectedResult,    // the API returned a result of a form it does not give
};

const std::error_category& ErrorCategory();

inline std::error_code make_error_code(Errc e) { return {static_cast<int>(e), ErrorCategory()}; }

}  // namespace zabitan::zabbix_templates

template <>
struct std::is_error_code_enum<zabitan::zabbix_templates::Errc> : std::true_type {};

#endif  // ZABITAN_ZABBIX_TEMPLATES_ERROR_H_
