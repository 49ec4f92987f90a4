// zabitan — --ssh USER@HOST[:PORT] read into SshOptions (ssh_transport.h): outside input, so
// every malformed form is one line naming it.
#include <charconv>
#include <string>

#include "ssh_transport.h"
#include "zabitan/common/printable.h"
#include "zabitan/sstp_notify/error.h"

namespace zabitan::sstp_notify {
namespace {

Status Bad(const std::string& text, const char* reason) {
  return Status::Error("--ssh \"" + Printable(text, 200) + "\": " + reason, Errc::kBadDestination);
}

}  // namespace

Status ParseSshDestination(const std::string& text, SshOptions* options) {
  size_t at = text.rfind('@');
  if (at == std::string::npos || at == 0) {
    return Bad(text, "expected USER@HOST[:PORT]");
  }
  options->user = text.substr(0, at);
  std::string rest = text.substr(at + 1);
  std::string port;
  if (rest.starts_with('[')) {
    size_t close = rest.find(']');
    if (close == std::string::npos) return Bad(text, "missing ']'");
    options->host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return Bad(text, "junk after ']'");
      port = rest.substr(close + 2);
    }
  } else if (size_t colon = rest.find(':'); colon != std::string::npos) {
    options->host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  } else {
    options->host = rest;
  }
  if (options->host.empty()) return Bad(text, "empty host");
  for (char c : options->user + options->host) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return Bad(text, "blank or control character");
    }
  }
  options->port = 22;
  if (port.empty() && rest.ends_with(':')) return Bad(text, "empty port after ':'");
  if (!port.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535) {
      return Bad(text, "invalid port (1-65535)");
    }
    options->port = static_cast<uint16_t>(value);
  }
  return Status::Ok();
}

}  // namespace zabitan::sstp_notify
