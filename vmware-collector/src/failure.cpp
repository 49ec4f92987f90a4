// Matches on the fault names vim25 defines and on libcurl's error texts (curl_easy_strerror
// and its error buffer): SoapClient keeps both in the Status message.
#include "zabitan/vsphere/failure.h"

#include <array>
#include <string_view>
#include <utility>

namespace zabitan::vsphere {

std::string FailureReason(const Status& status) {
  const std::string& m = status.message();
  auto has = [&m](std::string_view needle) { return m.find(needle) != std::string::npos; };
  if (has("InvalidLogin")) return "login refused (InvalidLogin): " + m;
  if (has("NoPermission")) return "permission missing (NoPermission): " + m;
  // TLS first: curl's "SSL certificate problem" also ends the connection.
  static constexpr std::array kTls = {"certificate", "SSL", "TLS", "thumbprint"};
  for (const char* n : kTls) {
    if (has(n)) return "TLS mismatch: " + m;
  }
  static constexpr std::array kUnreachable = {"Could not resolve", "Couldn't resolve", "Failed to connect",
                                              "Couldn't connect", "Connection refused", "timed out",
                                              "Timeout was reached", "No route to host"};
  for (const char* n : kUnreachable) {
    if (has(n)) return "unreachable: " + m;
  }
  return m;
}

}  // namespace zabitan::vsphere
