// zabitan — the "sender data" request: a batch of values as the compact JSON the trapper reads.
//
// The bytes are the ones zabbix_sender 6.0 writes: no spaces, fields in the order host, key,
// value, clock, ns; `"` and `\` escaped, control characters as \u00XX, everything else (including
// invalid UTF-8, `/` and DEL) passed through unchanged. A RequestBuilder serialises each value
// as it is added, so a batch is one growing string, not a vector of values. Thread-compatible.
//
//   zabitan::sender::RequestBuilder batch;
//   batch.Add({"h", "k", "1"});
//   std::string json = batch.Finish(std::nullopt);
//   // {"request":"sender data","data":[{"host":"h","key":"k","value":"1"}]}
#ifndef ZABITAN_SENDER_REQUEST_H_
#define ZABITAN_SENDER_REQUEST_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "zabitan/sender/value.h"

namespace zabitan::sender {

// The request's own send time; zabbix_sender 6.0 adds it when values carry timestamps (-T).
struct SendTime {
  uint32_t clock;
  uint32_t ns;
};

// Appends `s` as a JSON string literal (with quotes) escaped as zabbix_sender does.
void AppendJsonString(std::string_view s, std::string* out);

class RequestBuilder {
 public:
  RequestBuilder();

  void Add(const ValueView& value);
  size_t values() const { return values_; }
  size_t bytes() const { return json_.size(); }

  // Closes the request (adding the request's own clock/ns when given) and returns it; the
  // builder is empty again afterwards.
  std::string Finish(std::optional<SendTime> send_time);

 private:
  std::string json_;
  size_t values_ = 0;
};

// Appends {"request":"sender data","data":[...]} (+ "clock"/"ns" when send_time is set).
void AppendRequest(std::span<const Value> values, std::optional<SendTime> send_time,
                   std::string* out);

}  // namespace zabitan::sender

#endif  // ZABITAN_SENDER_REQUEST_H_
