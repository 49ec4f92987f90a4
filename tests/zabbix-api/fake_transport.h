// A Transport for tests: answers each JSON-RPC request with a handler chosen by method name and
// remembers every request it got, so a test can look at what a client sent.
#ifndef ZABITAN_TESTS_PROVISION_FAKE_TRANSPORT_H_
#define ZABITAN_TESTS_PROVISION_FAKE_TRANSPORT_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zabitan/zabbix_api/transport.h"

namespace zabitan::testing {

class FakeZabbix {
 public:
  // Returns the "result" for the params; a handler may throw nlohmann::json with an error object.
  using Handler = std::function<nlohmann::json(const nlohmann::json& params)>;

  void On(const std::string& method, Handler handler) { handlers_[method] = std::move(handler); }
  void OnResult(const std::string& method, nlohmann::json result) {
    handlers_[method] = [result](const nlohmann::json&) { return result; };
  }

  std::vector<nlohmann::json> requests;  // as received, in order
  std::vector<std::string> bearers;      // the Authorization: Bearer token of each ("" for none)

  std::vector<std::string> Methods() const {
    std::vector<std::string> out;
    for (const auto& r : requests) out.push_back(r["method"]);
    return out;
  }

  // A Transport answering through this fake (which must outlive it).
  std::unique_ptr<zabbix_api::Transport> NewTransport();

  // Builds the reply body to one request body.
  std::string Reply(const std::string& body) {
    nlohmann::json request = nlohmann::json::parse(body);
    requests.push_back(request);
    nlohmann::json reply = {{"jsonrpc", "2.0"}, {"id", request["id"]}};
    auto it = handlers_.find(request["method"]);
    if (it == handlers_.end()) {
      reply["error"] = {{"code", -32601}, {"message", "Method not found."}, {"data", "no handler"}};
    } else {
      try {
        reply["result"] = it->second(request["params"]);
      } catch (const nlohmann::json& error) {
        reply["error"] = error;
      }
    }
    return reply.dump();
  }

 private:
  std::map<std::string, Handler> handlers_;
};

class FakeTransport : public zabbix_api::Transport {
 public:
  explicit FakeTransport(FakeZabbix* server) : server_(server) {}
  Status Post(const std::string& body, long* http_status, std::string* reply) override {
    *http_status = 200;
    server_->bearers.push_back(bearer());
    *reply = server_->Reply(body);
    return Status::Ok();
  }

 private:
  FakeZabbix* server_;
};

inline std::unique_ptr<zabbix_api::Transport> FakeZabbix::NewTransport() {
  return std::make_unique<FakeTransport>(this);
}

}  // namespace zabitan::testing

#endif  // ZABITAN_TESTS_PROVISION_FAKE_TRANSPORT_H_
