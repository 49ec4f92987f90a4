// Property checks for the fuzz targets: a violated property aborts, so libFuzzer keeps the
// input as a finding.
//
// ZABITAN_FUZZ_TOLERATE=tag[,tag...]: a violated property with one of these tags is reported
// once on stderr instead of aborting, so that a long run can look past a known finding.
#ifndef ZABITAN_TESTS_FUZZ_FUZZ_CHECK_H_
#define ZABITAN_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

inline bool Tolerated(const char* tag) {
  static const std::string list = [] {
    const char* env = std::getenv("ZABITAN_FUZZ_TOLERATE");
    return "," + std::string(env ? env : "") + ",";
  }();
  return list.find("," + std::string(tag) + ",") != std::string::npos;
}

#define CHECK(cond)                                                                      \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

#define CHECK_OR_TOLERATE(tag, cond)                                                         \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      if (!Tolerated(tag)) {                                                                 \
        std::fprintf(stderr, "%s:%d: property violated [%s]: %s\n", __FILE__, __LINE__, tag, \
                     #cond);                                                                 \
        std::abort();                                                                        \
      }                                                                                      \
      static bool reported = false;                                                          \
      if (!reported) std::fprintf(stderr, "tolerated [%s]: %s\n", tag, #cond);               \
      reported = true;                                                                       \
    }                                                                                        \
  } while (0)

// Strict UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), which
// is what nlohmann::json accepts in a string. Written apart from common/utf8.h on purpose: an
// oracle that shares the code under test would agree with its mistakes.
inline bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n;
    unsigned char lo = 0x80, hi = 0xbf;  // range of the second byte
    if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
    if (c1 < lo || c1 > hi) return false;
    for (size_t k = 2; k <= n; ++k) {
      unsigned char ck = static_cast<unsigned char>(s[i + k]);
      if (ck < 0x80 || ck > 0xbf) return false;
    }
    i += n + 1;
  }
  return true;
}

#endif  // ZABITAN_TESTS_FUZZ_FUZZ_CHECK_H_
