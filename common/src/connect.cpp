#include "zabitan/common/connect.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "zabitan/common/error.h"
#include "zabitan/common/printable.h"

namespace zabitan {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using boost::system::error_code;

std::string EndpointString(const tcp::endpoint& endpoint) {
  std::string addr = endpoint.address().to_string();
  if (endpoint.address().is_v6()) addr = "[" + addr + "]";
  return addr + ":" + std::to_string(endpoint.port());
}

asio::awaitable<Status> Resolve(std::string host, uint16_t port,
                                tcp::resolver::results_type* addresses) {
  error_code ec;
  asio::ip::address numeric = asio::ip::make_address(host, ec);
  if (!ec) {
    *addresses = tcp::resolver::results_type::create(tcp::endpoint(numeric, port), host,
                                                     std::to_string(port));
    co_return Status::Ok();
  }
  tcp::resolver resolver(co_await asio::this_coro::executor);
  *addresses = co_await resolver.async_resolve(host, std::to_string(port),
                                               asio::redirect_error(asio::use_awaitable, ec));
  if (ec)
    co_return Status::Error("cannot resolve \"" + Printable(host, 200) + "\": " + ec.message(),
                            Errc::kCannotResolve);
  co_return Status::Ok();
}

asio::awaitable<Status> ConnectAny(beast::tcp_stream& stream,
                                   const tcp::resolver::results_type& addresses,
                                   std::chrono::milliseconds per_address,
                                   std::optional<asio::ip::address> source, std::string* peer) {
  std::string errors;
  for (const auto& entry : addresses) {
    tcp::endpoint ep = entry.endpoint();
    if (source && source->is_v4() != ep.address().is_v4()) continue;  // can't bind across families
    error_code ec;
    stream.socket().close(ec);
    if (source) {
      stream.socket().open(ep.protocol(), ec);
      if (!ec) stream.socket().bind(tcp::endpoint(*source, 0), ec);
      if (ec) {
        errors +=
            (errors.empty() ? "" : "; ") + ("bind " + source->to_string() + ": " + ec.message());
        continue;
      }
    }
    stream.expires_after(per_address);
    co_await stream.async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      *peer = EndpointString(ep);
      co_return Status::Ok();
    }
    std::string reason = ec == beast::error::timeout ? "connection timed out" : ec.message();
    errors += (errors.empty() ? "" : "; ") + EndpointString(ep) + ": " + reason;
  }
  if (errors.empty()) errors = "no address of a usable family";
  co_return Status::Error(errors, Errc::kCannotConnect);
}

}  // namespace zabitan
