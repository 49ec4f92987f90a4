// zabitan — the SSTP notifier's error codes (category "zabitan.sstp"): what a failed Status of
// the notifier was, so callers and tests decide by the code; the message stays for people.
//
// Thread-safety: the category is a constant singleton; everything here is safe from any thread.
//
// Example:
//   #include "zabitan/sstp_notify/protocol.h"
//   zabitan::sstp_notify::Response response;
//   zabitan::Status s = zabitan::sstp_notify::ParseResponse("HTTP/1.0 400 Bad\r\n\r\n", &response);
//   if (s.code() == zabitan::sstp_notify::Errc::kBadResponse) return 1;  // not an SSTP server
#ifndef ZABITAN_SSTP_NOTIFY_ERROR_H_
#define ZABITAN_SSTP_NOTIFY_ERROR_H_

#include <system_error>
#include <type_traits>

namespace zabitan::sstp_notify {

enum class Errc {
  kUnsupportedCharset = 1,  // a charset zabitan-sstp cannot write (or iconv lacks)
  kBadRequest,              // a request that cannot be encoded (NOTIFY without an event, ...)
  kBadResponse,             // the peer's answer is no SSTP response head
  kBusy,                    // the ghost answered "not now" (408, 409, 503, 512): retry later
  kRefused,                 // the ghost refused the message for good (400, 404, 413, ...)
  kNoTimeLeft,              // the run's deadline passed before the message could go
  kStopped,                 // a signal stopped the run before the message could go
  kSpoolDamaged,            // a spooled message that cannot be read back
  kBadDestination,          // --ssh USER@HOST[:PORT] that cannot be read
};

const std::error_category& SstpCategory();

inline std::error_code make_error_code(Errc e) { return {static_cast<int>(e), SstpCategory()}; }

}  // namespace zabitan::sstp_notify

template <>
struct std::is_error_code_enum<zabitan::sstp_notify::Errc> : std::true_type {};

#endif  // ZABITAN_SSTP_NOTIFY_ERROR_H_
