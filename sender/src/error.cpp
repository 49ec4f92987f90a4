#include "zabitan/sender/error.h"

#include "zabitan/common/error_category.h"

namespace zabitan::sender {

const std::error_category& SenderCategory() {
  static const TableErrorCategory category(
      "zabitan.sender", "unknown sender error",
      {{Errc::kRedirectTargetDown, "the redirect target did not answer"},
       {Errc::kRedirectLoop, "a redirect answered by another redirect"},
       {Errc::kBadDestination, "an invalid destination"},
       {Errc::kBadInputLine, "an invalid input line"},
       {Errc::kBadAgentConfig, "an invalid agentd config line"},
       {Errc::kTlsConfig, "invalid TLS settings"},
       {Errc::kTlsHandshake, "the TLS handshake failed"},
       {Errc::kBadFrame, "not a Zabbix frame"},
       {Errc::kBadReply, "not a trapper reply"},
       {Errc::kNoReply, "no reply"},
       {Errc::kNotSent, "not sent"},
       {Errc::kPendingStore, "a damaged pending-value store"}});
  return category;
}

}  // namespace zabitan::sender
