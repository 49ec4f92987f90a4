// Skipping a unit test case that this machine cannot run, visibly.
//
// Catch2 2.13 has no skip: a case that returns early passes, and ctest's summary shows a feature
// as tested when nothing ran. ZABITAN_SKIP(reason) instead prints "skipped: <reason>" and makes
// the binary exit 77 (main_test.cpp) when nothing failed, which ctest (SKIP_RETURN_CODE 77)
// lists as "Skipped" with the other skips at the end of its summary. Under CI=true (.ci/run) it
// fails the case: CI runs on a machine set up to run everything, so a skip there is a fault.
// Call it from the TEST_CASE's own body (it returns from it), before any SECTION.
//
//   if (::geteuid() != 0) ZABITAN_SKIP("not root: cannot chown a file to another user");
#ifndef ZABITAN_TESTS_SKIP_H_
#define ZABITAN_TESTS_SKIP_H_

#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

namespace zabitan::testing {

// How many cases of this run were skipped; main() exits 77 when this is not 0 and none failed.
inline int& SkipCount() {
  static int count = 0;
  return count;
}

inline bool InCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

}  // namespace zabitan::testing

#define ZABITAN_SKIP(reason)                                             \
  do {                                                                   \
    if (zabitan::testing::InCi()) {                                      \
      FAIL("cannot run here, and CI=true allows no skip: " << (reason)); \
    }                                                                    \
    WARN("skipped: " << (reason));                                       \
    ++zabitan::testing::SkipCount();                                     \
    return;                                                              \
  } while (false)

#endif  // ZABITAN_TESTS_SKIP_H_
