// zabitan — resolving a name and connecting to every address it has, on Boost.Asio.
//
// A peer may listen on one address family only ("localhost" is ::1 and 127.0.0.1; ninix and
// many trappers bind 0.0.0.0), so a connection tries each address in turn, each with its own
// timeout, and reports every failure when none accepts. Coroutines on the caller's io_context.
//
// Thread-safety: the functions keep no state; each call uses only its arguments, which must not
// be used from another thread while it runs.
//
// Example:
//   boost::asio::ip::tcp::resolver::results_type addresses;
//   zabitan::Status s = co_await zabitan::Resolve("localhost", 10051, &addresses);
//   boost::beast::tcp_stream stream(co_await boost::asio::this_coro::executor);
//   std::string peer;
//   if (s.ok()) {
//     s = co_await zabitan::ConnectAny(stream, addresses, std::chrono::seconds(3), std::nullopt,
//                                      &peer);
//   }
#ifndef ZABITAN_COMMON_CONNECT_H_
#define ZABITAN_COMMON_CONNECT_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "zabitan/common/status.h"

namespace zabitan {

// "192.0.2.1:10051", "[::1]:10051".
std::string EndpointString(const boost::asio::ip::tcp::endpoint& endpoint);

// Every address of `host` (a numeric address is taken as it is, without the resolver, whose
// getaddrinfo runs on a helper thread). The error names the host.
boost::asio::awaitable<Status> Resolve(std::string host, uint16_t port,
                                       boost::asio::ip::tcp::resolver::results_type* addresses);

// Connects `stream` to the first of `addresses` that accepts within `per_address` (bound to
// `source` first when given; addresses of the other family are skipped). On success `peer` is
// the address connected; the error lists each address with its reason. `addresses` must
// outlive the call.
boost::asio::awaitable<Status> ConnectAny(
    boost::beast::tcp_stream& stream, const boost::asio::ip::tcp::resolver::results_type& addresses,
    std::chrono::milliseconds per_address, std::optional<boost::asio::ip::address> source,
    std::string* peer);

}  // namespace zabitan

#endif  // ZABITAN_COMMON_CONNECT_H_
