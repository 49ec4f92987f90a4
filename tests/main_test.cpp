// The unit tests' main: Catch2's, plus exit 77 ("skipped" for ctest) when a case was skipped
// (tests/skip.h) and none failed, so a skip is listed in ctest's summary instead of passing.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "skip.h"

int main(int argc, char* argv[]) {
  const int failed = Catch::Session().run(argc, argv);
  return failed == 0 && zabitan::testing::SkipCount() > 0 ? 77 : failed;
}
