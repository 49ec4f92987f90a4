// zabitan — values and timestamps of the Prometheus text formats (numbers.h).
//
// Values go through std::from_chars (exact, locale-free) once the sign and the words Inf,
// Infinity and NaN are taken off. Timestamps are read digit by digit instead of through a
// double: a double has ~16 significant digits, and 1520879607.123456789 s needs 19.
#include "zabitan/prom_bridge/numbers.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace zabitan::prom_bridge {
namespace {

constexpr int32_t kNanosPerSecond = 1'000'000'000;

bool EqualsNoCase(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Takes a leading '+' or '-' off `text`; true when it was '-'.
bool TakeSign(std::string_view* text) {
  if (text->empty() || ((*text)[0] != '+' && (*text)[0] != '-')) return false;
  bool negative = (*text)[0] == '-';
  text->remove_prefix(1);
  return negative;
}

// Negates a non-negative time, keeping nanos in 0..999,999,999.
Timestamp Negated(int64_t seconds, int32_t nanos) {
  if (nanos == 0) return {-seconds, 0};
  return {-seconds - 1, kNanosPerSecond - nanos};
}

std::string NineDigitsTrimmed(int32_t nanos) {
  std::string digits(9, '0');
  for (int i = 8; i >= 0; --i, nanos /= 10)
    digits[static_cast<size_t>(i)] = static_cast<char>('0' + nanos % 10);
  digits.erase(digits.find_last_not_of('0') + 1);
  return digits;
}

}  // namespace

bool ParseValue(std::string_view text, double* value) {
  bool negative = TakeSign(&text);
  if (text.empty()) return false;
  if (!IsDigit(text[0]) && text[0] != '.') {
    if (EqualsNoCase(text, "inf") || EqualsNoCase(text, "infinity")) {
      *value = negative ? -std::numeric_limits<double>::infinity()
                        : std::numeric_limits<double>::infinity();
      return true;
    }
    if (EqualsNoCase(text, "nan")) {
      *value = std::numeric_limits<double>::quiet_NaN();
      return true;
    }
    return false;
  }
  double parsed;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, parsed, std::chars_format::general);
  if (ec != std::errc() || ptr != end) return false;
  *value = negative ? -parsed : parsed;
  return true;
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  auto [ptr, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, ptr);
}

bool ParseMillis(std::string_view text, Timestamp* ts) {
  bool negative = TakeSign(&text);
  if (text.empty()) return false;
  int64_t millis = 0;
  for (char c : text) {
    if (!IsDigit(c) || __builtin_mul_overflow(millis, 10, &millis) ||
        __builtin_add_overflow(millis, c - '0', &millis)) {
      return false;
    }
  }
  Timestamp t{millis / 1000, static_cast<int32_t>(millis % 1000) * 1'000'000};
  *ts = negative ? Negated(t.seconds, t.nanos) : t;
  return true;
}

bool ParseSeconds(std::string_view text, Timestamp* ts) {
  bool negative = TakeSign(&text);
  // The digits without the point, and where the point is among them.
  std::string digits;
  size_t i = 0;
  while (i < text.size() && IsDigit(text[i])) digits += text[i++];
  int64_t point = static_cast<int64_t>(digits.size());
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && IsDigit(text[i])) digits += text[i++];
  }
  if (digits.empty()) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    std::string_view exponent = text.substr(i + 1);
    bool exponent_negative = TakeSign(&exponent);
    if (exponent.empty() || exponent.size() > 3) return false;  // beyond 1e999: no time
    int64_t e = 0;
    for (char c : exponent) {
      if (!IsDigit(c)) return false;
      e = e * 10 + (c - '0');
    }
    point += exponent_negative ? -e : e;
    i = text.size();
  }
  if (i != text.size()) return false;
  int64_t seconds = 0;
  for (int64_t k = 0; k < point; ++k) {
    int digit = k < static_cast<int64_t>(digits.size()) ? digits[static_cast<size_t>(k)] - '0' : 0;
    if (__builtin_mul_overflow(seconds, 10, &seconds) ||
        __builtin_add_overflow(seconds, digit, &seconds)) {
      return false;
    }
  }
  int32_t nanos = 0;
  for (int64_t k = point; k < point + 9; ++k) {
    bool inside = k >= 0 && k < static_cast<int64_t>(digits.size());
    nanos = nanos * 10 + (inside ? digits[static_cast<size_t>(k)] - '0' : 0);
  }
  *ts = negative ? Negated(seconds, nanos) : Timestamp{seconds, nanos};
  return true;
}

std::string FormatMillis(const Timestamp& ts) {
  int64_t millis;
  if (__builtin_mul_overflow(ts.seconds, 1000, &millis) ||
      __builtin_add_overflow(millis, ts.nanos / 1'000'000, &millis)) {
    millis =
        ts.seconds < 0 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
  }
  return std::to_string(millis);
}

std::string FormatSeconds(const Timestamp& ts) {
  if (ts.nanos == 0) return std::to_string(ts.seconds);
  if (ts.seconds >= 0) return std::to_string(ts.seconds) + "." + NineDigitsTrimmed(ts.nanos);
  // -1.5 is stored as {-2, 500000000}.
  uint64_t whole = static_cast<uint64_t>(-(ts.seconds + 1));
  return "-" + std::to_string(whole) + "." + NineDigitsTrimmed(kNanosPerSecond - ts.nanos);
}

}  // namespace zabitan::prom_bridge
