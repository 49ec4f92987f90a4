// fault-proxy: a TCP proxy in front of a real Zabbix trapper that injects faults on purpose.
//
// Each accepted connection carries one framed request (as a 6.0 trapper expects). Most are
// forwarded unchanged to the upstream trapper and its reply is relayed back; every N-th
// connection (or, with --seed, each connection with probability 1/N from a seeded PRNG, so a
// seed always gives the same sequence) gets one fault instead, taking the next kind of --cycle:
//
//   a  close       close before forwarding: the server never saw the request
//   b  lost-reply  forward, read the server's reply, close without replying: stored, reply lost
//   c  garbage     reply bytes that are not a Zabbix frame, without forwarding
//   d  stall       do not forward, do not reply; hold the socket until the client closes it
//                  (or --stall-ms, 30 s by default)
//   e  failed      reply {"response":"failed","info":"injected"}, without forwarding
//
//   fault-proxy --port 0 --ready-file F --upstream HOST:PORT --every N [--seed S]
//               [--cycle abcde] [--log FILE] [--listen 127.0.0.1] [--timeout-ms 30000]
//               [--connect-timeout-ms 3000] [--stall-ms 30000]
//
// Writes the bound port to F (atomically) once it listens. --log gets one JSON line per
// connection: {"conn":7,"kind":"lost-reply","fault":"b","values":250,"forwarded":true,
// "reply":"success: processed: 250; failed: 0; ..."}; kind is "pass" when nothing was injected
// (with "relayed": whether the reply reached the client), "incomplete" when the client sent no
// whole request (nothing is injected then). --every 0 injects nothing. SIGUSR1 turns
// injection off from then on (logged as {"event":"faults-off"}); SIGTERM/SIGINT stop it cleanly
// and print a summary on stderr.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>

#include <boost/asio.hpp>
#include <nlohmann/json.hpp>

#include "sender/src/frame.h"

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
using namespace zabitan::sender;
using std::chrono::milliseconds;

namespace {

constexpr uint64_t kMaxRequestSize = uint64_t{1} << 30;

struct Settings {
  std::string listen = "127.0.0.1";
  unsigned short port = 0;
  std::string ready_file, log, upstream_host, cycle = "abcde";
  unsigned short upstream_port = 0;
  uint64_t every = 0;
  std::optional<uint64_t> seed;
  int timeout_ms = 30000, connect_timeout_ms = 3000, stall_ms = 30000;
};

const char* KindName(char fault) {
  switch (fault) {
    case 'a':
      return "close";
    case 'b':
      return "lost-reply";
    case 'c':
      return "garbage";
    case 'd':
      return "stall";
    case 'e':
      return "failed";
    default:
      return "pass";
  }
}

nlohmann::json FaultJson(char fault) {
  return fault ? nlohmann::json(std::string(1, fault)) : nlohmann::json(nullptr);
}

struct Proxy {
  Settings st;
  FILE* log = nullptr;
  tcp::resolver::results_type upstream;
  std::mt19937_64 rng;
  bool inject = true;
  uint64_t conns = 0, cycle_pos = 0, forwarded = 0;
  std::map<std::string, uint64_t> kinds;

  // The fault for connection `conn` (0 for none); advances the cycle when one is chosen.
  char Decide(uint64_t conn) {
    if (st.every == 0) return 0;
    // The PRNG is drawn for every connection, injecting or not, so the sequence depends on the
    // seed and the connection number only.
    bool hit = st.seed ? rng() % st.every == 0 : conn % st.every == 0;
    if (!hit || !inject) return 0;
    return st.cycle[cycle_pos++ % st.cycle.size()];
  }

  void Log(const nlohmann::json& line) {
    if (line.contains("kind")) ++kinds[line["kind"].get<std::string>()];
    if (!log) return;
    std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::fwrite(text.data(), 1, text.size(), log);
    std::fflush(log);
  }
};

// One client connection and, when forwarding, its upstream connection. Shared with the
// deadline timer's handler, so a timer that fires late never touches a freed socket.
struct Conn {
  explicit Conn(tcp::socket s)
      : client(std::move(s)), upstream(client.get_executor()), timer(client.get_executor()) {}
  tcp::socket client, upstream;
  asio::steady_timer timer;
  bool timed_out = false;
};

// Cancels both sockets' operations when `after` elapses (until Disarm).
void Arm(const std::shared_ptr<Conn>& c, milliseconds after) {
  c->timed_out = false;
  c->timer.expires_after(after);
  c->timer.async_wait([c](error_code ec) {
    if (ec) return;
    c->timed_out = true;
    error_code ignored;
    c->client.cancel(ignored);
    c->upstream.cancel(ignored);
  });
}

void Disarm(const std::shared_ptr<Conn>& c) { c->timer.cancel(); }

// Reads one whole frame from `s` into *raw (header + data, as on the wire). Returns the header,
// or none with *error set.
asio::awaitable<std::optional<FrameHeader>> ReadFrame(tcp::socket& s, uint64_t max_size,
                                                      std::string* raw, std::string* error) {
  error_code ec;
  std::optional<FrameHeader> fh;
  char chunk[65536];
  raw->clear();
  for (;;) {
    if (!fh) {
      zabitan::Status st = ParseHeader(*raw, max_size, &fh);
      if (!st.ok()) {
        *error = st.message();
        co_return std::nullopt;
      }
    }
    if (fh && raw->size() >= fh->header_size + fh->data_len) {
      raw->resize(fh->header_size + fh->data_len);  // anything after the frame is ignored
      co_return fh;
    }
    size_t n = co_await s.async_read_some(asio::buffer(chunk),
                                          asio::redirect_error(asio::use_awaitable, ec));
    raw->append(chunk, n);
    if (ec) {
      *error = ec == asio::error::eof ? "closed after " + std::to_string(raw->size()) + " bytes"
                                      : ec.message();
      co_return std::nullopt;
    }
  }
}

std::string Frame(const std::string& json, bool compress) {
  std::string wire = json;
  if (compress) Compress(json, &wire);
  return EncodeHeader(wire.size(), json.size(), compress) + wire;
}

// The decoded JSON message of a raw frame, or "".
std::string MessageOf(const FrameHeader& fh, const std::string& raw) {
  std::string message;
  if (!DecodePayload(fh, std::string_view(raw).substr(fh.header_size, fh.data_len), &message).ok())
    return "";
  return message;
}

size_t CountValues(const std::string& message) {
  nlohmann::json doc = nlohmann::json::parse(message, nullptr, false);
  if (!doc.is_discarded() && doc.is_object() && doc.contains("data") && doc["data"].is_array()) {
    return doc["data"].size();
  }
  size_t count = 0;  // not JSON: count the value objects as the sender writes them
  for (size_t at = message.find("{\"host\":"); at != std::string::npos;
       at = message.find("{\"host\":", at + 8)) {
    ++count;
  }
  return count;
}

// Forwards `request` upstream and reads the reply. Returns the reply (raw frame) or none with
// *error set.
asio::awaitable<std::optional<std::string>> Forward(std::shared_ptr<Conn> c, Proxy& proxy,
                                                    const std::string& request, std::string* info,
                                                    std::string* error) {
  error_code ec;
  Arm(c, milliseconds(proxy.st.connect_timeout_ms));
  co_await asio::async_connect(c->upstream, proxy.upstream,
                               asio::redirect_error(asio::use_awaitable, ec));
  Disarm(c);
  if (ec) {
    *error = "upstream connect: " + std::string(c->timed_out ? "timed out" : ec.message());
    co_return std::nullopt;
  }
  Arm(c, milliseconds(proxy.st.timeout_ms));
  co_await asio::async_write(c->upstream, asio::buffer(request),
                             asio::redirect_error(asio::use_awaitable, ec));
  std::string reply;
  std::optional<FrameHeader> fh;
  if (!ec) fh = co_await ReadFrame(c->upstream, kMaxReplySize, &reply, error);
  Disarm(c);
  error_code ignored;
  c->upstream.close(ignored);
  if (ec || !fh) {
    *error = "upstream: " + (c->timed_out ? std::string("timed out") : ec ? ec.message() : *error);
    co_return std::nullopt;
  }
  ++proxy.forwarded;
  nlohmann::json doc = nlohmann::json::parse(MessageOf(*fh, reply), nullptr, false);
  if (!doc.is_discarded() && doc.is_object()) {
    *info = doc.value("response", "?");
    if (doc.contains("info") && doc["info"].is_string())
      *info += ": " + doc["info"].get<std::string>();
  }
  co_return reply;
}

asio::awaitable<void> Session(std::shared_ptr<Conn> c, Proxy& proxy) {
  const uint64_t conn = ++proxy.conns;
  const char fault = proxy.Decide(conn);
  error_code ec, ignored;
  nlohmann::json line = {{"conn", conn}};

  std::string request, error;
  Arm(c, milliseconds(proxy.st.timeout_ms));
  std::optional<FrameHeader> fh = co_await ReadFrame(c->client, kMaxRequestSize, &request, &error);
  Disarm(c);
  if (!fh) {
    line["kind"] = "incomplete";
    line["fault"] = FaultJson(fault);  // planned, not injected
    line["values"] = 0;
    line["forwarded"] = false;
    line["error"] = c->timed_out ? "timed out" : error;
    proxy.Log(line);
    co_return;
  }
  const bool compress = fh->flags & kFlagCompressed;
  line["kind"] = KindName(fault);
  line["fault"] = FaultJson(fault);
  line["values"] = CountValues(MessageOf(*fh, request));

  if (fault == 0 || fault == 'b') {
    std::string info;
    std::optional<std::string> reply = co_await Forward(c, proxy, request, &info, &error);
    line["forwarded"] = reply.has_value();
    if (reply)
      line["reply"] = info;
    else
      line["error"] = error;
    if (reply && fault == 0) {
      // A client that gave up before the server answered has lost a stored request's reply,
      // exactly as with fault b: "relayed":false tells the two apart from a clean pass.
      Arm(c, milliseconds(proxy.st.timeout_ms));
      co_await asio::async_write(c->client, asio::buffer(*reply),
                                 asio::redirect_error(asio::use_awaitable, ec));
      Disarm(c);
      line["relayed"] = !ec;
      if (ec) line["error"] = "relay: " + ec.message();
    }
    proxy.Log(line);
    c->client.close(ignored);  // for 'b' (and a failed upstream): no reply at all
    co_return;
  }

  line["forwarded"] = false;
  proxy.Log(line);
  std::string reply;
  switch (fault) {
    case 'a':
      break;
    case 'c':
      reply = "HTTP/1.0 500 injected garbage\r\n\r\nnot a Zabbix frame";
      break;
    case 'd': {
      // Hold the connection without a word until the client gives up (or the stall limit).
      char chunk[4096];
      Arm(c, milliseconds(proxy.st.stall_ms));
      while (!ec) {
        co_await c->client.async_read_some(asio::buffer(chunk),
                                           asio::redirect_error(asio::use_awaitable, ec));
      }
      Disarm(c);
      break;
    }
    case 'e':
      reply = Frame(R"({"response":"failed","info":"injected"})", compress);
      break;
    default:
      break;
  }
  if (!reply.empty()) {
    Arm(c, milliseconds(proxy.st.timeout_ms));
    co_await asio::async_write(c->client, asio::buffer(reply),
                               asio::redirect_error(asio::use_awaitable, ec));
    Disarm(c);
  }
  c->client.close(ignored);
}

asio::awaitable<void> Listen(tcp::acceptor& acceptor, Proxy& proxy) {
  for (;;) {
    error_code ec;
    tcp::socket s = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) continue;  // e.g. too many open files: keep serving the others
    asio::co_spawn(acceptor.get_executor(), Session(std::make_shared<Conn>(std::move(s)), proxy),
                   [](std::exception_ptr e) {
                     if (!e) return;
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& x) {
                       std::cerr << "fault-proxy: session failed: " << x.what() << "\n";
                     }
                   });
  }
}

int Usage(const std::string& why) {
  std::cerr
      << "fault-proxy: " << why << "\n"
      << "usage: fault-proxy --port 0 --ready-file F --upstream HOST:PORT --every N [--seed S]\n"
         "       [--cycle abcde] [--log FILE] [--listen ADDR] [--timeout-ms MS]\n"
         "       [--connect-timeout-ms MS] [--stall-ms MS]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Proxy proxy;
  Settings& st = proxy.st;
  std::string upstream;
  try {
    for (int i = 1; i < argc; i += 2) {
      std::string a = argv[i];
      if (i + 1 >= argc) return Usage("option " + a + " needs a value");
      std::string v = argv[i + 1];
      if (a == "--listen")
        st.listen = v;
      else if (a == "--port")
        st.port = static_cast<unsigned short>(std::stoul(v));
      else if (a == "--ready-file")
        st.ready_file = v;
      else if (a == "--upstream")
        upstream = v;
      else if (a == "--every")
        st.every = std::stoull(v);
      else if (a == "--seed")
        st.seed = std::stoull(v);
      else if (a == "--cycle")
        st.cycle = v;
      else if (a == "--log")
        st.log = v;
      else if (a == "--timeout-ms")
        st.timeout_ms = std::stoi(v);
      else if (a == "--connect-timeout-ms")
        st.connect_timeout_ms = std::stoi(v);
      else if (a == "--stall-ms")
        st.stall_ms = std::stoi(v);
      else
        return Usage("unknown option " + a);
    }
  } catch (const std::exception&) {
    return Usage("bad number in the options");
  }
  size_t colon = upstream.rfind(':');
  if (colon == std::string::npos || colon == 0) return Usage("--upstream HOST:PORT is required");
  st.upstream_host = upstream.substr(0, colon);
  if (st.upstream_host.size() > 2 && st.upstream_host.front() == '[') {
    st.upstream_host = st.upstream_host.substr(1, st.upstream_host.size() - 2);
  }
  try {
    st.upstream_port = static_cast<unsigned short>(std::stoul(upstream.substr(colon + 1)));
  } catch (const std::exception&) {
    return Usage("bad port in --upstream " + upstream);
  }
  if (st.cycle.empty() || st.cycle.find_first_not_of("abcde") != std::string::npos) {
    return Usage("--cycle takes letters a-e");
  }
  if (st.seed) proxy.rng.seed(*st.seed);

  asio::io_context io(1);
  try {
    tcp::resolver resolver(io);
    proxy.upstream = resolver.resolve(st.upstream_host, std::to_string(st.upstream_port));
  } catch (const std::exception& e) {
    std::cerr << "fault-proxy: cannot resolve " << upstream << ": " << e.what() << "\n";
    return 1;
  }
  if (!st.log.empty()) {
    proxy.log = std::fopen(st.log.c_str(), "a");
    if (!proxy.log) {
      std::perror(("fault-proxy: " + st.log).c_str());
      return 1;
    }
  }
  tcp::acceptor acceptor(io);
  try {
    tcp::endpoint ep(asio::ip::make_address(st.listen), st.port);
    acceptor.open(ep.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    if (ep.address().is_v6()) acceptor.set_option(asio::ip::v6_only(true));
    acceptor.bind(ep);
    acceptor.listen(1024);
  } catch (const std::exception& e) {
    std::cerr << "fault-proxy: cannot listen on " << st.listen << ":" << st.port << ": " << e.what()
              << "\n";
    return 1;
  }
  if (!st.ready_file.empty()) {
    std::string tmp = st.ready_file + ".tmp";
    std::ofstream(tmp) << acceptor.local_endpoint().port() << "\n";
    std::rename(tmp.c_str(), st.ready_file.c_str());
  }

  asio::signal_set stop(io, SIGTERM, SIGINT);
  stop.async_wait([&](error_code ec, int) {
    if (ec) return;
    error_code ignored;
    acceptor.close(ignored);
    io.stop();  // sessions in progress (a stall) are abandoned: their sockets close on exit
  });
  asio::signal_set quiet(io, SIGUSR1);
  std::function<void(error_code, int)> on_usr1 = [&](error_code ec, int) {
    if (ec) return;
    if (proxy.inject) proxy.Log({{"event", "faults-off"}, {"after_conn", proxy.conns}});
    proxy.inject = false;
    quiet.async_wait(on_usr1);
  };
  quiet.async_wait(on_usr1);

  asio::co_spawn(io, Listen(acceptor, proxy), asio::detached);
  io.run();

  if (proxy.log) std::fclose(proxy.log);
  std::cerr << "fault-proxy: " << proxy.conns << " connections, " << proxy.forwarded
            << " forwarded;";
  for (const auto& [kind, n] : proxy.kinds) std::cerr << " " << kind << ": " << n << ";";
  std::cerr << "\n";
  return 0;
}
