#include "zabitan/sender/exchange.h"

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "zabitan/sender/frame.h"

namespace zabitan::sender {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using boost::system::error_code;

std::string ToString(const tcp::endpoint& ep) {
  std::string addr = ep.address().to_string();
  if (ep.address().is_v6()) addr = "[" + addr + "]";
  return addr + ":" + std::to_string(ep.port());
}

// Connects `stream` to the first address of `addresses` that accepts, each with its own timeout.
asio::awaitable<Status> ConnectAny(beast::tcp_stream& stream, const tcp::resolver::results_type& addresses,
                                   const ExchangeOptions& options, std::string* peer) {
  std::optional<asio::ip::address> source;
  if (options.source_address) {
    error_code ec;
    source = asio::ip::make_address(*options.source_address, ec);
    if (ec) co_return Status::Error("invalid source address \"" + *options.source_address + "\"");
  }
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
        errors += (errors.empty() ? "" : "; ") + ("bind " + source->to_string() + ": " + ec.message());
        continue;
      }
    }
    stream.expires_after(options.connect_timeout);
    co_await stream.async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      *peer = ToString(ep);
      co_return Status::Ok();
    }
    std::string reason = ec == beast::error::timeout ? "connection timed out" : ec.message();
    errors += (errors.empty() ? "" : "; ") + ToString(ep) + ": " + reason;
  }
  if (errors.empty()) errors = "no address of a usable family";
  co_return Status::Error(errors);
}

}  // namespace

asio::awaitable<ExchangeResult> Exchange(Endpoint node, std::string_view header,
                                         std::string_view payload, ExchangeOptions options) {
  ExchangeResult result;
  auto executor = co_await asio::this_coro::executor;
  error_code ec;
  // A numeric address needs no resolver (whose getaddrinfo runs on a helper thread).
  asio::ip::address numeric = asio::ip::make_address(node.host, ec);
  if (!ec) {
    co_return co_await ExchangeWith(
        tcp::resolver::results_type::create(tcp::endpoint(numeric, node.port), node.host,
                                            std::to_string(node.port)),
        header, payload, options);
  }
  tcp::resolver resolver(executor);
  auto addresses = co_await resolver.async_resolve(node.host, std::to_string(node.port),
                                                   asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    result.status = Status::Error("cannot resolve \"" + node.host + "\": " + ec.message());
    co_return result;
  }
  co_return co_await ExchangeWith(addresses, header, payload, options);
}

asio::awaitable<ExchangeResult> ExchangeWith(tcp::resolver::results_type addresses,
                                             std::string_view header, std::string_view payload,
                                             ExchangeOptions options) {
  ExchangeResult result;
  error_code ec;
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  result.status = co_await ConnectAny(stream, addresses, options, &result.peer);
  if (!result.status.ok()) co_return result;

  result.stage = ExchangeStage::kExchange;
  stream.expires_after(options.timeout);
  std::array<asio::const_buffer, 2> request = {asio::buffer(header), asio::buffer(payload)};
  co_await asio::async_write(stream, request, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    result.status = Status::Error("send to " + result.peer + ": " +
                                  (ec == beast::error::timeout ? "timed out" : ec.message()));
    co_return result;
  }

  // Read the header a little at a time, so a peer that answers with something other than a
  // Zabbix frame is recognised from its first bytes instead of after a timeout.
  std::string buf;
  std::optional<FrameHeader> fh;
  char chunk[512];
  for (;;) {
    result.status = ParseHeader(buf, options.max_reply_size, &fh);
    if (!result.status.ok() || fh) break;
    size_t n = co_await stream.async_read_some(asio::buffer(chunk),
                                               asio::redirect_error(asio::use_awaitable, ec));
    buf.append(chunk, n);
    if (ec) break;
  }
  if (result.status.ok() && fh) {
    size_t have = buf.size() - fh->header_size;
    if (have < fh->data_len) {
      buf.resize(fh->header_size + fh->data_len);
      co_await asio::async_read(stream, asio::buffer(buf.data() + fh->header_size + have,
                                                     fh->data_len - have),
                                asio::redirect_error(asio::use_awaitable, ec));
    }
    if (!ec) {
      std::string_view data(buf.data() + fh->header_size, fh->data_len);
      result.status = DecodePayload(*fh, data, &result.reply);
      if (result.status.ok()) result.stage = ExchangeStage::kDone;
    }
  }
  if (!result.status.ok()) {
    result.status = result.status.Prefixed("reply from " + result.peer);
  } else if (result.stage != ExchangeStage::kDone) {
    std::string reason = ec == beast::error::timeout ? "timed out"
                         : ec == asio::error::eof    ? "connection closed before a complete reply"
                                                     : ec.message();
    result.status = Status::Error("reply from " + result.peer + ": " + reason);
  }
  co_return result;
}

}  // namespace zabitan::sender
