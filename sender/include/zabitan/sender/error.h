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
//   if (s.code() == zabitan::sender::Errc::kRedirectTargetDown) { /* the proxy group moves on */ }
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
};

const std::error_category& SenderCategory();

inline std::error_code make_error_code(Errc e) { return {static_cast<int>(e), SenderCategory()}; }

}  // namespace zabitan::sender

template <>
struct std::is_error_code_enum<zabitan::sender::Errc> : std::true_type {};

#endif  // ZABITAN_SENDER_ERROR_H_
