// zabitan — StatusOnException: the completion handler every co_spawn of zabitan uses.
//
// Boost 1.74's asio::detached drops an exception that escapes a coroutine, so the caller waits
// for a result the coroutine never wrote (an ok Status, or a lane that never frees). This
// handler turns the exception into a failed Status the caller reads like any other error.
// The Status must outlive the coroutine.
//
// Thread-safety: not thread-safe: run the io_context on one thread, or give each coroutine its
// own Status.
//
// Example:
//   #include <boost/asio/co_spawn.hpp>
//   #include <boost/asio/io_context.hpp>
//   boost::asio::io_context io;
//   zabitan::Status status;
//   auto work = []() -> boost::asio::awaitable<void> { throw std::runtime_error("boom"); };
//   boost::asio::co_spawn(io, work(), zabitan::StatusOnException(&status, "exchange"));
//   io.run();  // status failed: "exchange: boom"
#ifndef ZABITAN_COMMON_SPAWN_STATUS_H_
#define ZABITAN_COMMON_SPAWN_STATUS_H_

#include <exception>
#include <string>
#include <utility>

#include "zabitan/common/status.h"

namespace zabitan {

inline auto StatusOnException(Status* status, std::string what) {
  return [status, what = std::move(what)](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      *status = Status::Error(what + ": " + ex.what());
    } catch (...) {
      *status = Status::Error(what + ": unknown exception");
    }
  };
}

}  // namespace zabitan

#endif  // ZABITAN_COMMON_SPAWN_STATUS_H_
