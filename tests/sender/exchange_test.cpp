#include "sender/src/exchange.h"

#include <netdb.h>
#include <sys/socket.h>

#include <cstring>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "../skip.h"
#include "fake_trapper.h"
#include "sender/src/request.h"
#include "zabitan/common/error.h"
#include "zabitan/sender/error.h"

using namespace zabitan::sender;
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

ExchangeResult Run(const std::function<asio::awaitable<ExchangeResult>()>& f) {
  asio::io_context io;
  ExchangeResult result;
  asio::co_spawn(io, f(), [&](std::exception_ptr e, ExchangeResult r) {
    if (e) std::rethrow_exception(e);
    result = std::move(r);
  });
  io.run();
  return result;
}

std::string Payload() {
  std::vector<Value> v = {{"h", "k", "1", {}, {}}};
  std::string p;
  AppendRequest(v, std::nullopt, &p);
  return p;
}

// Resolver results for "localhost" as a dual-stack machine returns them: ::1, then 127.0.0.1.
// (This machine's /etc/hosts may map localhost to one family only.)
tcp::resolver::results_type DualStackLocalhost(uint16_t port) {
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  v6.sin6_addr = in6addr_loopback;
  v6.sin6_port = htons(port);
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  v4.sin_port = htons(port);
  addrinfo a4{}, a6{};
  a6.ai_family = AF_INET6;
  a6.ai_socktype = SOCK_STREAM;
  a6.ai_protocol = IPPROTO_TCP;
  a6.ai_addr = reinterpret_cast<sockaddr*>(&v6);
  a6.ai_addrlen = sizeof v6;
  a6.ai_next = &a4;
  a4.ai_family = AF_INET;
  a4.ai_socktype = SOCK_STREAM;
  a4.ai_protocol = IPPROTO_TCP;
  a4.ai_addr = reinterpret_cast<sockaddr*>(&v4);
  a4.ai_addrlen = sizeof v4;
  return tcp::resolver::results_type::create(&a6, "localhost", std::to_string(port));
}

}  // namespace

namespace {

// The trapper listens on `address` only; the sender is given [::1, 127.0.0.1] for its port, as
// the resolver gives "localhost", and must reach it whichever of the two it is.
void ReachesTrapperOn(const char* address) {
  std::string payload = Payload(), header = EncodeHeader(payload.size(), 0, false);
  FakeTrapper trapper(address);
  auto addresses = DualStackLocalhost(trapper.port());
  ExchangeResult r =
      Run([&] { return ExchangeWith(addresses, header, payload, ExchangeOptions()); });
  INFO(address << ": " << r.status.message());
  CHECK(r.stage == ExchangeStage::kDone);
  CHECK(r.reply.find("processed: 1") != std::string::npos);
  CHECK(trapper.values().size() == 1);
}

}  // namespace

TEST_CASE("exchange: every resolved address is tried, IPv4 after a refused IPv6", "[exchange]") {
  ReachesTrapperOn("127.0.0.1");
}

// Its own case, so that a machine without IPv6 on the loopback skips it visibly.
TEST_CASE("exchange: every resolved address is tried, IPv6", "[exchange]") {
  try {
    FakeTrapper probe("::1");
  } catch (const std::exception& e) {
    ZABITAN_SKIP(std::string("cannot listen on ::1 here (") + e.what() + "): IPv6 not exercised");
  }
  ReachesTrapperOn("::1");
}

TEST_CASE("exchange: by name, through the resolver", "[exchange]") {
  FakeTrapper trapper;
  std::string payload = Payload(), header = EncodeHeader(payload.size(), 0, false);
  ExchangeResult r = Run([&] {
    return Exchange({"localhost", trapper.port()}, header, payload, ExchangeOptions());
  });
  CHECK(r.stage == ExchangeStage::kDone);
}

TEST_CASE("exchange: a refused connection is a connect failure", "[exchange]") {
  uint16_t port;
  {
    FakeTrapper t;
    port = t.port();
  }
  std::string payload = Payload(), header = EncodeHeader(payload.size(), 0, false);
  ExchangeResult r = Run([&] {
    return Exchange({"127.0.0.1", port}, header, payload, ExchangeOptions());
  });
  CHECK(r.stage == ExchangeStage::kConnect);
  CHECK(r.status.code() == zabitan::Errc::kCannotConnect);
  CHECK(r.status.message().find("refused") != std::string::npos);  // the line names the reason
}

TEST_CASE("exchange: unresolvable name", "[exchange]") {
  std::string payload = Payload(), header = EncodeHeader(payload.size(), 0, false);
  ExchangeResult r = Run([&] {
    return Exchange({"no-such-host.invalid", 10051}, header, payload, ExchangeOptions());
  });
  CHECK(r.stage == ExchangeStage::kConnect);
  CHECK(r.status.code() == zabitan::Errc::kCannotResolve);
  CHECK(r.status.message().starts_with("cannot resolve \"no-such-host.invalid\": "));
}

TEST_CASE("exchange: source address binding", "[exchange]") {
  FakeTrapper trapper;
  std::string payload = Payload(), header = EncodeHeader(payload.size(), 0, false);
  ExchangeOptions options;
  options.source_address = "127.0.0.1";
  ExchangeResult r = Run([&] {
    return Exchange({"127.0.0.1", trapper.port()}, header, payload, options);
  });
  CHECK(r.stage == ExchangeStage::kDone);
  options.source_address = "not-an-ip";
  r = Run([&] { return Exchange({"127.0.0.1", trapper.port()}, header, payload, options); });
  CHECK_FALSE(r.status.ok());
}

namespace {

// A server that answers the first connection with fixed bytes (hostile replies).
class RawServer {
 public:
  explicit RawServer(std::string reply, bool stall = false)
      : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}), reply_(std::move(reply)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this, stall] {
      boost::system::error_code ec;
      tcp::socket s(io_);
      acceptor_.accept(s, ec);
      if (ec) return;
      char buf[65536];
      s.read_some(asio::buffer(buf), ec);
      asio::write(s, asio::buffer(reply_), ec);
      if (stall) s.read_some(asio::buffer(buf), ec);  // until the client gives up
    });
  }
  ~RawServer() { thread_.join(); }
  uint16_t port() const { return port_; }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::string reply_;
  uint16_t port_;
  std::thread thread_;
};

ExchangeResult Hostile(const std::string& reply, bool stall = false) {
  RawServer server(reply, stall);
  std::string payload = Payload(), header = EncodeHeader(payload.size(), 0, false);
  ExchangeOptions options;
  options.timeout = std::chrono::milliseconds(500);
  return Run([&] { return Exchange({"127.0.0.1", server.port()}, header, payload, options); });
}

std::string Header(uint8_t flags, uint32_t len, uint32_t reserved = 0) {
  std::string h = "ZBXD";
  h.push_back(static_cast<char>(flags));
  for (int i = 0; i < 4; ++i) h.push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  for (int i = 0; i < 4; ++i) h.push_back(static_cast<char>((reserved >> (8 * i)) & 0xff));
  return h;
}

}  // namespace

TEST_CASE("exchange: hostile replies give one-line errors", "[exchange][hostile]") {
  struct Case {
    const char* name;
    std::string reply;
    const char* expect;
    Errc code;
  } cases[] = {
      {"4 GB length", Header(0x01, 0xffffffffu), "exceeds the limit", Errc::kBadFrame},
      {"truncated frame", Header(0x01, 100) + "{\"resp", "connection closed", Errc::kNoReply},
      {"truncated header", std::string("ZBXD\x01\x10", 6), "connection closed", Errc::kNoReply},
      {"not a frame", "HTTP/1.1 400 Bad Request\r\n\r\n", "does not start with ZBXD",
       Errc::kBadFrame},
      {"bad zlib", Header(0x03, 5, 100) + "xxxxx", "zlib", Errc::kBadFrame},
      {"4 GB uncompressed", Header(0x03, 5, 0xffffffffu) + "xxxxx", "uncompressed length",
       Errc::kBadFrame},
  };
  for (const Case& c : cases) {
    ExchangeResult r = Hostile(c.reply);
    INFO(c.name << ": " << r.status.message());
    CHECK(r.stage == ExchangeStage::kExchange);
    CHECK(r.status.code() == c.code);                               // what failed
    CHECK(r.status.message().find(c.expect) != std::string::npos);  // and the line says it
    CHECK(r.status.message().find('\n') == std::string::npos);
  }
}

TEST_CASE("exchange: a server that stalls hits the timeout", "[exchange][hostile]") {
  auto start = std::chrono::steady_clock::now();
  ExchangeResult r = Hostile("", /*stall=*/true);
  CHECK(r.stage == ExchangeStage::kExchange);
  CHECK(r.status.code() == std::errc::timed_out);
  CHECK(r.status.message().find("timed out") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}
