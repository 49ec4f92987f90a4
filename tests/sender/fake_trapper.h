// A trapper in a thread of the test process, for unit tests of the Sender: records every value
// it gets and answers with a canned reply. (The e2e tests use real peers.)
#ifndef ZABITAN_TESTS_SENDER_FAKE_TRAPPER_H_
#define ZABITAN_TESTS_SENDER_FAKE_TRAPPER_H_

#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <nlohmann/json.hpp>

#include "sender/src/frame.h"
#include "zabitan/sender/value.h"

class FakeTrapper {
 public:
  // `reply` of "" answers success with counts; "close" closes without answering.
  explicit FakeTrapper(const std::string& address = "127.0.0.1", std::string reply = "",
                       uint16_t port = 0)
      : acceptor_(io_, {boost::asio::ip::make_address(address), port}), reply_(std::move(reply)) {
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeTrapper() {
    boost::system::error_code ec;
    acceptor_.close(ec);
    // Wake the blocking accept with a connection of our own.
    boost::asio::ip::tcp::socket s(io_);
    s.connect(acceptor_endpoint_, ec);
    thread_.join();
  }
  uint16_t port() const { return acceptor_endpoint_.port(); }
  std::vector<zabitan::sender::Value> values() {
    std::lock_guard lock(mu_);
    return values_;
  }
  int requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  void Clear() {
    std::lock_guard lock(mu_);
    values_.clear();
    requests_ = 0;
  }
  // Refuses every value of the next `n` requests ("processed: 0; failed: N"), as a proxy that
  // has just taken a host over refuses its values until its configuration holds the host.
  void RefuseNext(int n) {
    std::lock_guard lock(mu_);
    refuse_ = n;
  }
  // Acts as a proxy of a Zabbix 7.0 proxy group that monitors `own`: a request whose first
  // host is another's is redirected to `other` ("host:port"); otherwise the values of `own`
  // are taken and the others counted failed (not recorded), as 7.0.22 does.
  void ActAsProxy(std::set<std::string> own, std::string other) {
    std::lock_guard lock(mu_);
    own_ = std::move(own);
    other_ = std::move(other);
  }
  // The hosts of each request, in order of arrival.
  std::vector<std::set<std::string>> request_hosts() {
    std::lock_guard lock(mu_);
    return request_hosts_;
  }

 private:
  void Serve() {
    for (;;) {
      boost::system::error_code ec;
      boost::asio::ip::tcp::socket s(io_);
      acceptor_.accept(s, ec);
      if (ec || !acceptor_.is_open()) return;
      Handle(s);
    }
  }
  void Handle(boost::asio::ip::tcp::socket& s) {
    using namespace zabitan::sender;
    boost::system::error_code ec;
    std::string head(kHeaderSize, '\0');
    boost::asio::read(s, boost::asio::buffer(head), ec);
    if (ec) return;
    std::optional<FrameHeader> fh;
    if (!ParseHeader(head, 1 << 30, &fh).ok() || !fh) return;
    std::string data(fh->data_len, '\0'), message;
    boost::asio::read(s, boost::asio::buffer(data), ec);
    if (ec || !DecodePayload(*fh, data, &message).ok()) return;
    auto doc = nlohmann::json::parse(message);
    const size_t total = doc["data"].size();
    size_t n = total, failed = 0;
    std::string redirect;
    {
      std::lock_guard lock(mu_);
      ++requests_;
      request_hosts_.emplace_back();
      for (auto& v : doc["data"]) request_hosts_.back().insert(v["host"].get<std::string>());
      if (!own_.empty() && n > 0 && own_.count(doc["data"][0]["host"]) == 0) {
        redirect = R"({"response":"failed","redirect":{"revision":1,"address":")" + other_ + "\"}}";
        n = 0;
      }
      if (refuse_ > 0 && redirect.empty()) {
        --refuse_;
        failed = n;
        n = 0;
      }
      for (size_t i = 0; i < n; ++i) {
        auto& v = doc["data"][i];
        if (!own_.empty() && own_.count(v["host"]) == 0) {
          ++failed;
          continue;
        }
        values_.push_back({v["host"], v["key"], v["value"], std::nullopt, std::nullopt});
      }
    }
    if (reply_ == "close") return;
    std::string json =
        !redirect.empty() ? redirect
        : reply_.empty()
            ? "{\"response\":\"success\",\"info\":\"processed: " + std::to_string(total - failed) +
                  "; failed: " + std::to_string(failed) + "; total: " + std::to_string(total) +
                  "; seconds spent: 0.0001\"}"
            : reply_;
    std::string frame = EncodeHeader(json.size(), json.size(), false) + json;
    boost::asio::write(s, boost::asio::buffer(frame), ec);
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp::endpoint acceptor_endpoint_ = acceptor_.local_endpoint();
  std::string reply_;
  std::mutex mu_;
  std::vector<zabitan::sender::Value> values_;
  int requests_ = 0;
  int refuse_ = 0;             // RefuseNext
  std::set<std::string> own_;  // ActAsProxy
  std::string other_;
  std::vector<std::set<std::string>> request_hosts_;
  std::thread thread_;
};

#endif  // ZABITAN_TESTS_SENDER_FAKE_TRAPPER_H_
