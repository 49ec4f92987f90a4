#include "zabitan/common/spawn_status.h"

#include <stdexcept>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

namespace asio = boost::asio;
using zabitan::Status;
using zabitan::StatusOnException;

namespace {

asio::awaitable<void> Throws(Status* status) {
  *status = Status::Ok();  // what the coroutine would report had it finished
  throw std::runtime_error("batch exploded");
  co_return;
}

asio::awaitable<void> Finishes(Status* status) {
  *status = Status::Error("connect: refused");
  co_return;
}

}  // namespace

// With asio::detached the exception vanished and the caller read the ok it had been left.
TEST_CASE("spawn status: an exception escaping a coroutine becomes a failed Status",
          "[common][spawn]") {
  asio::io_context io;
  Status status;
  asio::co_spawn(io, Throws(&status), StatusOnException(&status, "exchange"));
  io.run();
  REQUIRE_FALSE(status.ok());
  CHECK(status.message() == "exchange: batch exploded");
}

TEST_CASE("spawn status: a coroutine that finishes keeps the Status it wrote", "[common][spawn]") {
  asio::io_context io;
  Status status;
  asio::co_spawn(io, Finishes(&status), StatusOnException(&status, "exchange"));
  io.run();
  CHECK(status.message() == "connect: refused");
}
