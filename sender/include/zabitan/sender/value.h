// zabitan — Value: one item value for the Zabbix trapper protocol.
//
// A value belongs to an item, named by the technical host name and the item key. Without a
// clock, the server stamps the value when it arrives; with one (uint31 seconds, plus optional
// nanoseconds 0..999999999) the value keeps its own time. Intentionally copyable.
//
//   zabitan::sender::Value v{"web01", "nginx.requests", "1234"};
//   v.clock = 1700000000;  // optional
#ifndef ZABITAN_SENDER_VALUE_H_
#define ZABITAN_SENDER_VALUE_H_

#include <cstdint>
#include <optional>
#include <string>

namespace zabitan::sender {

inline constexpr uint32_t kMaxClock = 0x7fffffff;  // the server accepts uint31
inline constexpr uint32_t kMaxNs = 999999999;

struct Value {
  std::string host;
  std::string key;
  std::string value;
  std::optional<uint32_t> clock;
  std::optional<uint32_t> ns;  // only meaningful with clock

  bool operator==(const Value&) const = default;
};

}  // namespace zabitan::sender

#endif  // ZABITAN_SENDER_VALUE_H_
