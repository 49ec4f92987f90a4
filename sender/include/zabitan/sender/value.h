// zabitan — Value: one item value for the Zabbix trapper protocol.
//
// A value belongs to an item, named by the technical host name and the item key. Without a
// clock, the server stamps the value when it arrives; with one (uint31 seconds, plus optional
// nanoseconds 0..999999999) the value keeps its own time.
//
// Thread-safety: plain values, intentionally copyable; a ValueView is valid as long as the text
// it points to.
//
// Example:
//   zabitan::sender::Value v{"web01", "nginx.requests", "1234"};
//   v.clock = 1700000000;  // optional
//   zabitan::sender::ValueView view = v;
#ifndef ZABITAN_SENDER_VALUE_H_
#define ZABITAN_SENDER_VALUE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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

// A value whose text lives elsewhere (in an input line, in a Value): what the sender takes, so
// a value read from a file is serialised straight from the line it was read from.
struct ValueView {
  std::string_view host;
  std::string_view key;
  std::string_view value;
  std::optional<uint32_t> clock;
  std::optional<uint32_t> ns;

  ValueView() = default;
  ValueView(std::string_view h, std::string_view k, std::string_view v,
            std::optional<uint32_t> c = std::nullopt, std::optional<uint32_t> n = std::nullopt)
      : host(h), key(k), value(v), clock(c), ns(n) {}
  ValueView(const Value& v)  // NOLINT: implicit on purpose, a Value is a ValueView's owner
      : host(v.host), key(v.key), value(v.value), clock(v.clock), ns(v.ns) {}
};

}  // namespace zabitan::sender

#endif  // ZABITAN_SENDER_VALUE_H_
