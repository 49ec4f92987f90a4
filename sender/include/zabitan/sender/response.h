// zabitan — the trapper's reply to "sender data", as a BatchOutcome carries it:
//
//   {"response":"success","info":"processed: 3; failed: 1; total: 4; seconds spent: 0.000055"}
//   {"response":"failed","info":"..."}
//   {"response":"failed","redirect":{"revision":7,"address":"10.0.0.2:10051"}}   (7.0 proxy groups)
//
// The counters are read as zabbix_sender reads them: "processed: N; failed: M" at the start of
// info; a success without info, or with info in another form, is a plain success.
//
// Thread-safety: plain values, intentionally copyable.
//
// Example:
//   zabitan::sender::Response r;
//   r.success = true;
//   r.failed = 1;
//   bool partial = r.success && r.failed.value_or(0) > 0;
//   return partial ? 2 : 0;
#ifndef ZABITAN_SENDER_RESPONSE_H_
#define ZABITAN_SENDER_RESPONSE_H_

#include <cstdint>
#include <optional>
#include <string>

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

}  // namespace zabitan::sender

#endif  // ZABITAN_SENDER_RESPONSE_H_
