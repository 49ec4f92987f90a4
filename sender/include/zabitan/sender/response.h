// zabitan — the trapper's reply to "sender data".
//
//   {"response":"success","info":"processed: 3; failed: 1; total: 4; seconds spent: 0.000055"}
//   {"response":"failed","info":"..."}
//   {"response":"failed","redirect":{"revision":7,"address":"10.0.0.2:10051"}}   (7.0 proxy groups)
//
// ParseResponse accepts exactly these shapes; anything else (non-JSON, another "response",
// a JSON document nested deeper than a reply ever is) is an error naming the reason.
// The counters are read as zabbix_sender reads them: "processed: N; failed: M" at the start of
// info; a success without info, or with info in another form, is a plain success.
//
//   zabitan::sender::Response r;
//   zabitan::Status s = zabitan::sender::ParseResponse(json, &r);
//   if (s.ok() && r.success && r.failed > 0) { /* partial */ }
#ifndef ZABITAN_SENDER_RESPONSE_H_
#define ZABITAN_SENDER_RESPONSE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "zabitan/common/status.h"

namespace zabitan::sender {

struct Redirect {
  bool reset = false;  // {"reset":true}: forget any earlier redirect
  uint64_t revision = 0;
  std::string address;  // host[:port]
};

struct Response {
  bool success = false;  // "response":"success"
  std::optional<std::string> info;
  // Parsed from info when it has zabbix's form; absent otherwise.
  std::optional<int64_t> processed;
  std::optional<int64_t> failed;
  std::optional<int64_t> total;
  std::optional<Redirect> redirect;
};

Status ParseResponse(std::string_view json, Response* response);

}  // namespace zabitan::sender

#endif  // ZABITAN_SENDER_RESPONSE_H_
