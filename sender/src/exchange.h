// zabitan — one request/reply exchange with one trapper node, on Boost.Asio.
//
// The trapper reads one message per connection, answers and closes, so an exchange is:
// resolve the node's name, connect to each address it resolves to in turn (IPv6 and IPv4:
// "localhost" is ::1 and 127.0.0.1 and a server may listen on one only) with a connect timeout
// per address, write the frame, read the framed reply, all within the exchange timeout.
// Runs as a coroutine on the caller's io_context; no threads of its own.
//
//   zabitan::sender::ExchangeResult r =
//       co_await zabitan::sender::Exchange(node, header, payload, options);
//   if (r.stage == zabitan::sender::ExchangeStage::kConnect) { /* try the next HA node */ }
#ifndef ZABITAN_SENDER_EXCHANGE_H_
#define ZABITAN_SENDER_EXCHANGE_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "zabitan/common/status.h"
#include "zabitan/sender/destination.h"
#include "zabitan/sender/exchange_options.h"

namespace zabitan::sender {

enum class ExchangeStage {
  kDone,     // a reply frame was read; `reply` holds its JSON
  kConnect,  // no address of the node accepted a connection (or the TLS handshake failed):
             // nothing was sent
  kExchange  // connected, but the write or the read failed: the server may have stored the data
};

struct ExchangeResult {
  ExchangeStage stage = ExchangeStage::kConnect;
  Status status;      // ok only with kDone
  std::string reply;  // the decoded reply message
  std::string peer;   // "address:port" that was connected, for log lines
};

// `header` and `payload` must stay valid until the coroutine completes; the rest is copied
// (coroutine parameters that are references would dangle).
boost::asio::awaitable<ExchangeResult> Exchange(Endpoint node, std::string_view header,
                                                std::string_view payload, ExchangeOptions options);

// The same, for addresses already resolved (tried in their order).
boost::asio::awaitable<ExchangeResult> ExchangeWith(
    boost::asio::ip::tcp::resolver::results_type addresses, std::string_view header,
    std::string_view payload, ExchangeOptions options);

}  // namespace zabitan::sender

#endif  // ZABITAN_SENDER_EXCHANGE_H_
