#include "zabitan/sender/error.h"

#include <string>

namespace zabitan::sender {
namespace {

class Category : public std::error_category {
 public:
  const char* name() const noexcept override { return "zabitan.sender"; }
  std::string message(int value) const override {
    switch (static_cast<Errc>(value)) {
      case Errc::kRedirectTargetDown:
        return "the redirect target did not answer";
      case Errc::kRedirectLoop:
        return "a redirect answered by another redirect";
      case Errc::kBadDestination:
        return "an invalid destination";
      case Errc::kBadInputLine:
        return "an invalid input line";
      case Errc::kBadAgentConfig:
        return "an invalid agentd config line";
      case Errc::kTlsConfig:
        return "invalid TLS settings";
      case Errc::kTlsHandshake:
        return "the TLS handshake failed";
      case Errc::kBadFrame:
        return "not a Zabbix frame";
      case Errc::kBadReply:
        return "not a trapper reply";
      case Errc::kNoReply:
        return "no reply";
      case Errc::kNotSent:
        return "not sent";
      case Errc::kPendingStore:
        return "a damaged pending-value store";
    }
    return "unknown sender error " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& SenderCategory() {
  static const Category category;
  return category;
}

}  // namespace zabitan::sender
