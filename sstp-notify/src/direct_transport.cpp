#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "zabitan/common/connect.h"
#include "zabitan/common/spawn_status.h"
#include "zabitan/sstp_notify/protocol.h"
#include "zabitan/sstp_notify/transport.h"

namespace zabitan::sstp_notify {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using boost::system::error_code;

std::string Reason(const error_code& ec) {
  return ec == beast::error::timeout ? "timed out" : ec.message();
}

class DirectTransport : public Transport {
 public:
  DirectTransport(std::string host, uint16_t port, Timeouts timeouts)
      : host_(std::move(host)), port_(port), timeouts_(timeouts) {}

  ExchangeResult Exchange(std::string_view request) override {
    asio::io_context io;
    ExchangeResult result;
    asio::co_spawn(io, Run(request, &result),
                   StatusOnException(&result.status, "sstp to " + Describe()));
    io.run();
    return result;
  }

  std::string Describe() const override {
    bool v6 = host_.find(':') != std::string::npos;
    return (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
  }

 private:
  asio::awaitable<void> Run(std::string_view request, ExchangeResult* result) {
    result->retryable = true;  // whatever goes wrong on the way, the desktop may take it later
    asio::ip::tcp::resolver::results_type addresses;
    result->status = co_await Resolve(host_, port_, &addresses);
    if (!result->status.ok()) co_return;
    beast::tcp_stream stream(co_await asio::this_coro::executor);
    std::string peer;
    result->status = co_await ConnectAny(stream, addresses, timeouts_.connect, std::nullopt, &peer);
    if (!result->status.ok()) {
      result->status = result->status.Prefixed("connect to " + Describe());
      co_return;
    }
    // The whole request in one write: ninix freezes on a half-sent request.
    stream.expires_after(timeouts_.exchange);
    error_code ec;
    co_await asio::async_write(stream, asio::buffer(request),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      result->status = Status::Error("send to " + peer + ": " + Reason(ec));
      co_return;
    }
    // Up to the first blank line only: the server may hold the connection open after it.
    std::string data;
    char chunk[1024];
    for (;;) {
      size_t n = co_await stream.async_read_some(asio::buffer(chunk),
                                                 asio::redirect_error(asio::use_awaitable, ec));
      data.append(chunk, n);
      if (size_t end = HeadEnd(data)) {
        data.resize(end);
        break;
      }
      if (data.size() > kMaxResponseHead) {
        result->status = Status::Error("reply from " + peer + ": no end of the response head in " +
                                       std::to_string(kMaxResponseHead) + " bytes");
        result->retryable = false;
        co_return;
      }
      if (ec) {
        result->status = Status::Error(
            "reply from " + peer + ": " +
            (ec == asio::error::eof ? "connection closed before a complete response" : Reason(ec)));
        co_return;
      }
    }
    result->head = std::move(data);
    result->status = Status::Ok();
    result->retryable = false;
  }

  std::string host_;
  uint16_t port_;
  Timeouts timeouts_;
};

}  // namespace

std::unique_ptr<Transport> MakeDirectTransport(std::string host, uint16_t port, Timeouts timeouts) {
  return std::make_unique<DirectTransport>(std::move(host), port, timeouts);
}

}  // namespace zabitan::sstp_notify
