#include "exchange.h"

#include <array>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "frame.h"
#include "zabitan/common/connect.h"
#include "zabitan/sender/error.h"

namespace zabitan::sender {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using boost::system::error_code;

std::string Reason(const error_code& ec) {
  if (ec == beast::error::timeout) return "timed out";
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
    return "connection closed before a complete reply";
  }
  return ec.message();
}

// The code of an exchange that ended early: a timeout as std::errc::timed_out (what the caller
// tells apart), a connection closed before the reply as Errc::kNoReply, else Asio's own.
std::error_code CodeOf(const error_code& ec) {
  if (ec == beast::error::timeout) return std::make_error_code(std::errc::timed_out);
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) return Errc::kNoReply;
  return ec;
}

bool IsAddress(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// Writes the request and reads the framed reply on `s` (a TCP or TLS stream over `timer`,
// whose deadline covers both).
template <typename Stream>
asio::awaitable<void> WriteAndRead(Stream& s, beast::tcp_stream& timer, std::string_view header,
                                   std::string_view payload, const ExchangeOptions& options,
                                   ExchangeResult* result) {
  result->stage = ExchangeStage::kExchange;
  timer.expires_after(options.timeout);
  error_code ec;
  std::array<asio::const_buffer, 2> request = {asio::buffer(header), asio::buffer(payload)};
  co_await asio::async_write(s, request, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    result->status = Status::Error("send to " + result->peer + ": " + Reason(ec), CodeOf(ec));
    co_return;
  }
  // Read the header a little at a time, so a peer that answers with something other than a
  // Zabbix frame is recognised from its first bytes instead of after a timeout.
  std::string buf;
  std::optional<FrameHeader> fh;
  char chunk[512];
  for (;;) {
    result->status = ParseHeader(buf, options.max_reply_size, &fh);
    if (!result->status.ok() || fh) break;
    size_t n = co_await s.async_read_some(asio::buffer(chunk),
                                          asio::redirect_error(asio::use_awaitable, ec));
    buf.append(chunk, n);
    if (ec) break;
  }
  if (result->status.ok() && fh) {
    size_t have = buf.size() - fh->header_size;
    if (have < fh->data_len) {
      buf.resize(fh->header_size + fh->data_len);
      co_await asio::async_read(
          s, asio::buffer(buf.data() + fh->header_size + have, fh->data_len - have),
          asio::redirect_error(asio::use_awaitable, ec));
    }
    if (!ec) {
      std::string_view data(buf.data() + fh->header_size, fh->data_len);
      result->status = DecodePayload(*fh, data, &result->reply);
      if (result->status.ok()) result->stage = ExchangeStage::kDone;
    }
  }
  if (!result->status.ok()) {
    result->status = result->status.Prefixed("reply from " + result->peer);
  } else if (result->stage != ExchangeStage::kDone) {
    result->status = Status::Error("reply from " + result->peer + ": " + Reason(ec), CodeOf(ec));
  }
}

}  // namespace

asio::awaitable<ExchangeResult> Exchange(Endpoint node, std::string_view header,
                                         std::string_view payload, ExchangeOptions options) {
  ExchangeResult result;
  tcp::resolver::results_type addresses;
  result.status = co_await Resolve(node.host, node.port, &addresses);
  if (!result.status.ok()) co_return result;
  co_return co_await ExchangeWith(addresses, header, payload, options);
}

asio::awaitable<ExchangeResult> ExchangeWith(tcp::resolver::results_type addresses,
                                             std::string_view header, std::string_view payload,
                                             ExchangeOptions options) {
  ExchangeResult result;
  error_code ec;
  const std::string host = addresses.empty() ? std::string() : addresses.begin()->host_name();
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  std::optional<asio::ip::address> source;
  if (options.source_address) {
    source = asio::ip::make_address(*options.source_address, ec);
    if (ec) {
      result.status = Status::Error("invalid source address \"" + *options.source_address + "\"",
                                    Errc::kBadDestination);
      co_return result;
    }
  }
  result.status =
      co_await ConnectAny(stream, addresses, options.connect_timeout, source, &result.peer);
  if (!result.status.ok()) co_return result;

  if (!options.tls) {
    co_await WriteAndRead(stream, stream, header, payload, options, &result);
    co_return result;
  }
  // TLS: the handshake belongs to connecting (nothing of the request was sent yet).
  asio::ssl::stream<beast::tcp_stream&> tls(stream, options.tls->ssl());
  if (!IsAddress(host)) SSL_set_tlsext_host_name(tls.native_handle(), host.c_str());
  if (Status s = options.tls->PrepareConnection(tls.native_handle(), host); !s.ok()) {
    result.status = s;
    co_return result;
  }
  stream.expires_after(options.timeout);
  co_await tls.async_handshake(asio::ssl::stream_base::client,
                               asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    std::string why = Reason(ec);
    // OpenSSL says only "certificate verify failed"; the verification result says which check.
    if (long verify = SSL_get_verify_result(tls.native_handle()); verify != X509_V_OK) {
      why += " (" + std::string(X509_verify_cert_error_string(verify)) + ")";
    }
    result.status =
        Status::Error("TLS handshake with " + result.peer + ": " + why, Errc::kTlsHandshake);
    co_return result;
  }
  if (Status s = options.tls->CheckPeer(tls.native_handle()); !s.ok()) {
    result.status = s.Prefixed("TLS with " + result.peer);
    co_return result;
  }
  co_await WriteAndRead(tls, stream, header, payload, options, &result);
  co_return result;
}

}  // namespace zabitan::sender
