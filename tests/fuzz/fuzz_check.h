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

inline bool Tolerated(const char* tag) {
  static const std::string list = [] {
    const char* env = std::getenv("ZABITAN_FUZZ_TOLERATE");
    return "," + std::string(env ? env : "") + ",";
  }();
  return list.find("," + std::string(tag) + ",") != std::string::npos;
}

#define CHECK(cond)                                                                   \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      std::fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                   \
    }                                                                                 \
  } while (0)

#define CHECK_OR_TOLERATE(tag, cond)                                                  \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      if (!Tolerated(tag)) {                                                          \
        std::fprintf(stderr, "%s:%d: property violated [%s]: %s\n", __FILE__, __LINE__, \
                     tag, #cond);                                                     \
        std::abort();                                                                 \
      }                                                                               \
      static bool reported = false;                                                   \
      if (!reported) std::fprintf(stderr, "tolerated [%s]: %s\n", tag, #cond);        \
      reported = true;                                                                \
    }                                                                                 \
  } while (0)

#endif  // ZABITAN_TESTS_FUZZ_FUZZ_CHECK_H_
