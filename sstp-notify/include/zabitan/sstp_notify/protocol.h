// zabitan — SSTP requests and responses on the wire.
//
// A request is a request line and `Name: value` header lines, each ending in CRLF, ended by a
// blank line; `Charset` comes first (it tells how to read the rest) and the whole request is
// encoded in it:
//
//   SEND SSTP/1.4                        NOTIFY SSTP/1.1
//   Charset: UTF-8                       Charset: UTF-8
//   Sender: zabitan                      Sender: zabitan
//   Script: \0\s[0]…\e                   Event: OnZabbixAlert
//   [Option: nodescript]                 Reference0: …  (Reference1..n)
//                                        Script: …      (fallback if the ghost says nothing)
//
// The response is a status line "SSTP/1.x CODE Phrase", optional headers and a blank line; a
// server may keep the connection open after it (ninix does, ~13 s), so a client reads up to
// the first blank line only. The status code decides what happens to the message:
// delivered (200, 204, 210), worth retrying later (408, 409, 503, 512; also any connection
// failure or timeout), or refused for good (400, 404, 413, 420, 501 and anything unknown).
//
// Thread-safety: plain values and pure functions, safe from any thread.
//
// Example:
//   zabitan::sstp_notify::Request r;
//   r.script = "\\0\\s[0]disk full\\e";
//   std::string bytes;
//   size_t replaced = 0;
//   zabitan::Status s = zabitan::sstp_notify::EncodeRequest(r, &bytes, &replaced);
//   zabitan::sstp_notify::Response response;
//   if (s.ok()) s = zabitan::sstp_notify::ParseResponse("SSTP/1.4 503 Busy\r\n\r\n", &response);
//   if (zabitan::sstp_notify::Classify(response.code) == zabitan::sstp_notify::Outcome::kRetryable)
//   return 3;
#ifndef ZABITAN_SSTP_NOTIFY_PROTOCOL_H_
#define ZABITAN_SSTP_NOTIFY_PROTOCOL_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zabitan/common/status.h"

namespace zabitan::sstp_notify {

inline constexpr size_t kMaxScriptBytes = 32 * 1024;  // SSP answers 413 to long requests
inline constexpr size_t kMaxResponseHead = 16 * 1024;

enum class Method { kSend, kNotify };

struct Request {
  Method method = Method::kSend;
  std::string charset = "UTF-8";  // an SSTP name (CanonicalCharset)
  std::string sender = "zabitan";
  std::string script;                   // SakuraScript, already escaped where it holds outside text
  std::string event;                    // NOTIFY: the SHIORI event, e.g. OnZabbixAlert
  std::vector<std::string> references;  // NOTIFY: Reference0..n
  std::vector<std::string> options;     // Option: nodescript, notranslate, nobreak
};

// The request's bytes in its charset. Header values lose CR/LF/control characters whatever
// the caller did (no header can be smuggled in); `replaced` counts characters the charset
// could not hold (replaced by 〓).
Status EncodeRequest(const Request& request, std::string* bytes, size_t* replaced);

struct Response {
  std::string version;  // "SSTP/1.4"; not interpreted (servers answer with other versions)
  int code = 0;
  std::string phrase;  // "OK", as sent (printable)
  std::vector<std::pair<std::string, std::string>> headers;
};

// Parses the head of a response: everything before the first blank line (CRLF or LF).
Status ParseResponse(std::string_view head, Response* response);

// Where the head ends in `data` read so far (just past the blank line), or 0 while incomplete.
size_t HeadEnd(std::string_view data);

enum class Outcome { kDelivered, kRetryable, kPermanent };

Outcome Classify(int code);
// "409 Conflict (the ghost is busy or in a no-interrupt state)".
std::string Describe(int code);

}  // namespace zabitan::sstp_notify

#endif  // ZABITAN_SSTP_NOTIFY_PROTOCOL_H_
