// zabitan — the codes of zabbix-api's failures: what kind of failure a Status of ApiClient,
// ParseReply or NewCurlTransport is, so callers and tests decide by code, not by reading the
// message (which stays the one line for people).
//
// A failure with its own code elsewhere keeps it: a transfer that failed in libcurl carries
// libcurl's; these are the API's own. Thread-safe: the category is a constant.
//
// Example:
//   std::error_code code = zabitan::zabbix_api::Errc::kApiError;  // as a Status's code()
//   if (code == zabitan::zabbix_api::Errc::kApiError) { /* Zabbix refused the call */ }
//   std::string kind = code.message();  // "API error"
#ifndef ZABITAN_ZABBIX_API_ERROR_H_
#define ZABITAN_ZABBIX_API_ERROR_H_

#include <system_error>
#include <type_traits>

namespace zabitan::zabbix_api {

enum class Errc {
  kBadUrl = 1,   // the API URL is neither https:// nor http://
  kTransport,    // no HTTP exchange took place (connect, TLS, timeout, reply too large)
  kHttpStatus,   // the server answered with an HTTP status other than 200
  kNotJsonRpc,   // the reply is not a JSON-RPC object (not the API's URL?)
  kApiError,     // Zabbix answered with an "error" (invalid params, no permissions, ...)
  kBadReply,     // a JSON-RPC reply the API does not send: no result, a wrong id, a result of
                 // the wrong type
  kNotLoggedIn,  // Call before Login or UseToken
  kBadVersion,   // an API version that is not "major.minor[.patch]"
};

const std::error_category& ErrorCategory();

inline std::error_code make_error_code(Errc e) { return {static_cast<int>(e), ErrorCategory()}; }

}  // namespace zabitan::zabbix_api

template <>
struct std::is_error_code_enum<zabitan::zabbix_api::Errc> : std::true_type {};

#endif  // ZABITAN_ZABBIX_API_ERROR_H_
