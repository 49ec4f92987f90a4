// zabitan — the sender's error codes: what a failed Status of the sender library was, as a
// std::error_code of category "zabitan.sender", so callers and tests decide by the code and
// leave the message to people.
//
// Thread-safety: the category is a constant singleton; everything here is safe to use from any
// thread.
//
// Example:
//   #include "zabitan/common/status.h"
//   zabitan::Status s = zabitan::Status::Error("redirected to 10.0.0.2:10051, which did not "
//                                              "answer: connection refused",
//                                              zabitan::sender::Errc::kRedirectTargetDown);
//   if (s.code() == zabitan::sender::Errc::kRedirectTargetDown) return 1;
#ifndef ZABITAN_SENDER_ERROR_H_
#define ZABITAN_SENDER_ERROR_H_

#include <system_error>
#include <type_traits>

namespace zabitan::sender {

enum class Errc {
  // A 7.0 proxy-group redirect named a proxy that could not be reached, and the configured
  // nodes redirected there again.
  kRedirectTargetDown = 1,
  // A redirect, followed, was answered by another redirect (zabbix_sender 7.0 stops there too).
  kRedirectLoop,
  // A -z / ServerActive list, or a port, that does not parse.
  kBadDestination,
  // An input line (-i) zabbix_sender would refuse.
  kBadInputLine,
  // An agentd config file (-c) line that is not Key=Value.
  kBadAgentConfig,
  // TLS options that do not fit together, or a CA, certificate, key, PSK or cipher refused.
  kTlsConfig,
  // The TLS handshake, or the server certificate's issuer, subject or name, failed.
  kTlsHandshake,
  // The bytes read are no Zabbix frame (magic, flags, a length over the limit, zlib).
  kBadFrame,
  // The reply frame holds no trapper reply (not JSON, no "response", a malformed redirect).
  kBadReply,
  // The connection ended or timed out before the reply (the server may have stored the data).
  kNoReply,
  // A stopped run's time was up before the batch could go.
  kNotSent,
  // A pending-value store's file that cannot be read back.
  kPendingStore,
};

const std::error_category& SenderCategory();

inline std::error_code make_error_code(Errc e) { return {static_cast<int>(e), SenderCategory()}; }

}  // namespace zabitan::sender

template <>
struct std::is_error_code_enum<zabitan::sender::Errc> : std::true_type {};

#endif  // ZABITAN_SENDER_ERROR_H_
