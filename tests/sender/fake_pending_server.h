// A Zabbix server as DeliverPending sees it (a PendingTransport), for the unit tests of the
// pending values (pending_test.cpp, routed_sender_test.cpp).
#ifndef ZABITAN_TESTS_SENDER_FAKE_PENDING_SERVER_H_
#define ZABITAN_TESTS_SENDER_FAKE_PENDING_SERVER_H_

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "zabitan/sender/pending_delivery.h"

namespace zabitan::testing {

using Item = std::pair<std::string, std::string>;

// A trapper as Zabbix's: a value of an item its configuration knows is stored, any other is
// counted as failed; history keeps every stored value (a duplicate shows as a second row).
struct FakeServer : zabitan::sender::PendingTransport {
  std::set<Item> items;
  std::map<Item, std::vector<std::pair<uint32_t, uint32_t>>> history;
  enum class Fault { kNone, kNoReply, kCrashAfterStoring, kUnreachable } fault = Fault::kNone;
  size_t requests = 0;

  std::vector<zabitan::sender::PendingReply> SendAll(
      const std::vector<std::string>& payloads) override {
    std::vector<zabitan::sender::PendingReply> replies;
    for (const std::string& p : payloads) {
      ++requests;
      zabitan::sender::PendingReply r;
      if (fault == Fault::kUnreachable) {
        r.error = "connect: refused";
        replies.push_back(r);
        continue;
      }
      int64_t processed = 0, failed = 0;
      const nlohmann::json request = nlohmann::json::parse(p);
      for (const auto& v : request["data"]) {
        Item id{v["host"].get<std::string>(), v["key"].get<std::string>()};
        if (items.count(id) == 0) {
          ++failed;
          continue;
        }
        ++processed;
        history[id].push_back({v["clock"].get<uint32_t>(), v["ns"].get<uint32_t>()});
      }
      if (fault == Fault::kCrashAfterStoring) throw std::runtime_error("crash");
      if (fault == Fault::kNoReply) {
        r.kind = zabitan::sender::PendingReply::Kind::kUnknown;
        r.error = "read: timed out";
      } else {
        r.kind = zabitan::sender::PendingReply::Kind::kAnswered;
        r.success = true;
        r.processed = processed;
        r.failed = failed;
      }
      replies.push_back(r);
    }
    return replies;
  }
  size_t rows(const Item& id) const {
    auto it = history.find(id);
    return it == history.end() ? 0 : it->second.size();
  }
};

}  // namespace zabitan::testing

#endif  // ZABITAN_TESTS_SENDER_FAKE_PENDING_SERVER_H_
