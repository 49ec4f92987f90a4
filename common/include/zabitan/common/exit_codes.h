// zabitan — the exit codes every zabitan program shares: zabbix_sender's 0/1/2, and 3 for
// "nothing lost, but something waits in a spool for the next run".
//
// A program exits with the first that applies: kExitFailure (bad options or input, nothing
// done, something lost), kExitPartial (done in part: a server refused some values),
// kExitSpooled (kept for later), kExitOk. A command line CLI11 cannot parse exits with CLI11's
// own code (above 100), before any of these.
//
// GuardedMain runs a program's body and turns an exception that escapes it (out of memory, a
// bug) into one line on stderr and kExitFailure, instead of std::terminate's abort.
//
// Thread-safety: constants and a function of its arguments, safe from any thread.
//
// Example:
//   bool lost = false, waiting = true;
//   int code = lost ? zabitan::kExitFailure : waiting ? zabitan::kExitSpooled : zabitan::kExitOk;
//   return zabitan::GuardedMain("zabitan-example", [&] { return code; });
#ifndef ZABITAN_COMMON_EXIT_CODES_H_
#define ZABITAN_COMMON_EXIT_CODES_H_

#include <cstdio>
#include <exception>

namespace zabitan {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // bad option or input, nothing delivered, values lost
inline constexpr int kExitPartial = 2;  // partly done: values refused (zabbix_sender's 2)
inline constexpr int kExitSpooled = 3;  // nothing lost, but something waits in the spool

template <typename Body>
int GuardedMain(const char* program, Body body) noexcept {
  try {
    return body();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", program, e.what());
  } catch (...) {
    std::fprintf(stderr, "%s: an unknown exception\n", program);
  }
  return kExitFailure;
}

}  // namespace zabitan

#endif  // ZABITAN_COMMON_EXIT_CODES_H_
