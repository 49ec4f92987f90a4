// zabitan — the numbers of the Prometheus text formats: sample values (a float, or NaN, +Inf,
// -Inf in any letter case) and timestamps (0.0.4: integer milliseconds; OpenMetrics: seconds
// with an optional fraction and exponent), read exactly and printed so that they read back
// the same.
// Pure functions: thread-safe.
//
// Example:
//   double v = 0;
//   if (!zabitan::prom_bridge::ParseValue("+Inf", &v)) return 1;
//   std::string s = zabitan::prom_bridge::FormatValue(v);  // "+Inf"
#ifndef ZABITAN_PROM_BRIDGE_NUMBERS_H_
#define ZABITAN_PROM_BRIDGE_NUMBERS_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace zabitan::prom_bridge {

// A point in time, exact to the nanosecond (OpenMetrics writes seconds with a fraction,
// 0.0.4 milliseconds); nanos is 0..999,999,999 also for times before 1970.
struct Timestamp {
  int64_t seconds = 0;
  int32_t nanos = 0;
  bool operator==(const Timestamp&) const = default;
};

// A value: [+-] digits [. digits] [e [+-] digits], [+-]Inf, [+-]Infinity or NaN (letters in any
// case). False for anything else, hexadecimal floats and values beyond a double's range.
bool ParseValue(std::string_view text, double* value);
// The shortest text that reads back as the same double; NaN, +Inf and -Inf as written so.
std::string FormatValue(double value);

// 0.0.4: [+-] digits, milliseconds since 1970. False when it does not fit.
bool ParseMillis(std::string_view text, Timestamp* ts);
// OpenMetrics: [+-] digits [. digits] [e [+-] digits], seconds; exact to the nanosecond
// (further digits are cut off). False for Inf/NaN and what does not fit.
bool ParseSeconds(std::string_view text, Timestamp* ts);
std::string FormatMillis(const Timestamp& ts);   // nanos below a millisecond are cut off
std::string FormatSeconds(const Timestamp& ts);  // "1520879607.789", "-0.5", "12"

}  // namespace zabitan::prom_bridge

#endif  // ZABITAN_PROM_BRIDGE_NUMBERS_H_
