// trapper-sink: a local stand-in for a Zabbix trapper that records what it receives.
//
// Used where the test needs to see the exact values a sender wrote (conformance with the real
// zabbix_sender) or to inject faults that a real server will not produce on demand. Answers
// like a 6.0 trapper: one framed request per connection, one framed reply (with the request's
// compression flag), then close. The real server is tested separately (tests/peers/zabbix-server).
//
//   trapper-sink --port 0 --ready-file F [--record FILE] [--record-requests FILE] [--mode MODE]
//                [--delay-ms N]
//   MODE: success | fail1 (counts one value failed) | failed ("response":"failed") |
//         close (closes without a reply) | garbage (not a Zabbix frame) | noinfo | stall
//   Writes the bound port to F once it listens; records one JSON line per value, and with
//   --record-requests one JSON line per request: the hosts of its values, each once, in order.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <utility>

#include <boost/asio.hpp>
#include <nlohmann/json.hpp>

#include "sender/src/frame.h"

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
using namespace zabitan::sender;

struct Settings {
  std::string listen = "127.0.0.1";
  unsigned short port = 0;
  std::string ready_file, record, record_requests, mode = "success";
  int delay_ms = 0;
};

struct Sink {
  Settings settings;
  FILE* record = nullptr;
  FILE* record_requests = nullptr;
  uint64_t requests = 0, values = 0, wire_bytes = 0;
};

std::string Frame(const std::string& json, bool compress) {
  std::string wire = json;
  if (compress) Compress(json, &wire);
  return EncodeHeader(wire.size(), json.size(), compress) + wire;
}

asio::awaitable<void> Session(tcp::socket socket, Sink& sink) {
  error_code ec;
  std::string buf;
  std::optional<FrameHeader> fh;
  char chunk[65536];
  while (!fh) {
    size_t n = co_await socket.async_read_some(asio::buffer(chunk),
                                               asio::redirect_error(asio::use_awaitable, ec));
    buf.append(chunk, n);
    if (ec) co_return;
    if (!ParseHeader(buf, 1u << 30, &fh).ok()) co_return;
  }
  while (buf.size() < fh->header_size + fh->data_len) {
    size_t n = co_await socket.async_read_some(asio::buffer(chunk),
                                               asio::redirect_error(asio::use_awaitable, ec));
    buf.append(chunk, n);
    if (ec) co_return;
  }
  std::string message;
  if (!DecodePayload(*fh, std::string_view(buf).substr(fh->header_size, fh->data_len), &message)
           .ok())
    co_return;
  // Without a record file the sink only counts values (the benchmarks' "answers at once"):
  // each value object of a sender data request starts with {"host":.
  nlohmann::json doc;
  size_t count = 0;
  if (sink.record || sink.record_requests) {
    doc = nlohmann::json::parse(message, nullptr, false);
    if (doc.is_discarded()) co_return;
    count = doc.contains("data") ? doc["data"].size() : 0;
  } else {
    for (size_t at = message.find("{\"host\":"); at != std::string::npos;
         at = message.find("{\"host\":", at + 8)) {
      ++count;
    }
  }
  ++sink.requests;
  sink.values += count;
  sink.wire_bytes += fh->header_size + fh->data_len;
  if (sink.record) {
    for (const auto& v : doc["data"]) {
      nlohmann::json out = nlohmann::json::object();
      for (const char* f : {"host", "key", "value", "clock", "ns"}) {
        if (v.contains(f)) out[f] = v[f];
      }
      std::string line = out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
      std::fwrite(line.data(), 1, line.size(), sink.record);
    }
    std::fflush(sink.record);
  }
  if (sink.record_requests) {
    nlohmann::json hosts = nlohmann::json::array();
    for (const auto& v : doc["data"]) {
      if (std::find(hosts.begin(), hosts.end(), v["host"]) == hosts.end())
        hosts.push_back(v["host"]);
    }
    std::string line = hosts.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::fwrite(line.data(), 1, line.size(), sink.record_requests);
    std::fflush(sink.record_requests);
  }
  const std::string& mode = sink.settings.mode;
  if (sink.settings.delay_ms > 0 || mode == "stall") {
    asio::steady_timer t(socket.get_executor());
    t.expires_after(mode == "stall" ? std::chrono::hours(1)
                                    : std::chrono::milliseconds(sink.settings.delay_ms));
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (mode == "close") co_return;
  std::string reply;
  bool compress = fh->flags & kFlagCompressed;
  if (mode == "garbage") {
    reply = "HTTP/1.0 400 Bad Request\r\n\r\n";
  } else if (mode == "failed") {
    reply = Frame(R"({"response":"failed","info":"cannot process request"})", compress);
  } else if (mode == "noinfo") {
    reply = Frame(R"({"response":"success"})", compress);
  } else {
    size_t failed = mode == "fail1" && count > 0 ? 1 : 0;
    reply =
        Frame("{\"response\":\"success\",\"info\":\"processed: " + std::to_string(count - failed) +
                  "; failed: " + std::to_string(failed) + "; total: " + std::to_string(count) +
                  "; seconds spent: 0.000100\"}",
              compress);
  }
  co_await asio::async_write(socket, asio::buffer(reply),
                             asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> Listen(tcp::acceptor& acceptor, Sink& sink) {
  for (;;) {
    error_code ec;
    tcp::socket s = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    asio::co_spawn(acceptor.get_executor(), Session(std::move(s), sink), asio::detached);
  }
}

int main(int argc, char** argv) {
  Sink sink;
  Settings& st = sink.settings;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--listen")
      st.listen = v;
    else if (a == "--port")
      st.port = static_cast<unsigned short>(std::stoi(v));
    else if (a == "--ready-file")
      st.ready_file = v;
    else if (a == "--record")
      st.record = v;
    else if (a == "--record-requests")
      st.record_requests = v;
    else if (a == "--mode")
      st.mode = v;
    else if (a == "--delay-ms")
      st.delay_ms = std::stoi(v);
    else {
      std::cerr << "trapper-sink: unknown option " << a << "\n";
      return 2;
    }
  }
  if (!st.record.empty()) sink.record = std::fopen(st.record.c_str(), "a");
  if (!st.record_requests.empty())
    sink.record_requests = std::fopen(st.record_requests.c_str(), "a");
  asio::io_context io(1);
  tcp::endpoint ep(asio::ip::make_address(st.listen), st.port);
  tcp::acceptor acceptor(io);
  acceptor.open(ep.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  if (ep.address().is_v6()) acceptor.set_option(asio::ip::v6_only(true));
  acceptor.bind(ep);
  acceptor.listen(1024);
  if (!st.ready_file.empty()) {
    std::string tmp = st.ready_file + ".tmp";
    std::ofstream(tmp) << acceptor.local_endpoint().port() << "\n";
    std::rename(tmp.c_str(), st.ready_file.c_str());
  }
  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](error_code, int) { io.stop(); });
  asio::co_spawn(io, Listen(acceptor, sink), asio::detached);
  io.run();
  if (sink.record) std::fclose(sink.record);
  if (sink.record_requests) std::fclose(sink.record_requests);
  std::cerr << "trapper-sink: " << sink.requests << " requests, " << sink.values << " values, "
            << sink.wire_bytes << " bytes\n";
  return 0;
}
