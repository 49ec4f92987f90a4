#include "zabitan/sender/sender.h"

#include <filesystem>
#include <map>

#include <catch2/catch.hpp>

#include "../temp_files.h"
#include "fake_trapper.h"
#include "sender/src/request.h"
#include "zabitan/sender/error.h"
#include "zabitan/sender/pending_delivery.h"

using namespace zabitan::sender;
using zabitan::kDefaultSpoolMaxBytes;
using zabitan::Spool;

namespace {

// A port on which nothing listens: bind one, then let it go.
uint16_t ClosedPort() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

SenderOptions Options(std::vector<std::vector<Endpoint>> clusters, size_t batch = 100,
                      size_t connections = 4) {
  SenderOptions o;
  for (auto& nodes : clusters) o.destinations.push_back({nodes});
  o.batch_size = batch;
  o.connections = connections;
  o.exchange.timeout = std::chrono::seconds(10);
  return o;
}

}  // namespace

TEST_CASE("sender: every value arrives, each item's values in order", "[sender]") {
  FakeTrapper trapper;
  std::vector<BatchOutcome> outcomes;
  Sender sender(Options({{{"127.0.0.1", trapper.port()}}}, 97, 4),
                [&](const BatchOutcome& o) { outcomes.push_back(o); });
  const int kItems = 37, kValues = 5000;
  for (int i = 0; i < kValues; ++i) {
    REQUIRE(sender.Add({"h" + std::to_string(i % 3), "k" + std::to_string(i % kItems),
                        std::to_string(i), std::nullopt, std::nullopt}));
  }
  sender.Finish();
  CHECK(sender.status() == RunStatus::kSucceeded);
  CHECK(sender.values_sent() == kValues);
  auto got = trapper.values();
  REQUIRE(got.size() == kValues);
  std::map<std::string, int> last;
  for (const Value& v : got) {
    int n = std::stoi(v.value);
    auto [it, fresh] = last.try_emplace(v.host + "/" + v.key, n);
    if (!fresh) {
      CHECK(n > it->second);
      it->second = n;
    }
  }
}

TEST_CASE("sender: the first request is a probe of zabbix_sender's size", "[sender]") {
  FakeTrapper trapper;
  Sender sender(Options({{{"127.0.0.1", trapper.port()}}}, 1000, 8), [](const BatchOutcome&) {});
  for (int i = 0; i < 250; ++i) sender.Add({"h", "k" + std::to_string(i), "v", {}, {}});
  sender.Finish();
  CHECK(trapper.requests() == 1);
  CHECK(trapper.values().size() == 250);
}

TEST_CASE("sender: a server that refuses the probe gets nothing more", "[sender]") {
  FakeTrapper trapper("127.0.0.1", R"({"response":"failed","info":"no"})");
  Sender sender(Options({{{"127.0.0.1", trapper.port()}}}, 100, 8), [](const BatchOutcome&) {});
  bool accepted = true;
  for (int i = 0; i < 5000 && accepted; ++i) {
    accepted = sender.Add({"h", "k" + std::to_string(i), "v", {}, {}});
  }
  sender.Finish();
  CHECK(sender.status() == RunStatus::kFailed);
  CHECK(trapper.requests() == 1);
  CHECK(trapper.values().size() == 100);
}

TEST_CASE("sender: HA cluster fails over to the node that answers", "[sender]") {
  FakeTrapper trapper;
  int answered = 0;
  Sender sender(Options({{{"127.0.0.1", ClosedPort()}, {"127.0.0.1", trapper.port()}}}, 10, 1),
                [&](const BatchOutcome& o) { answered += o.node->port == trapper.port(); });
  for (int i = 0; i < 50; ++i) sender.Add({"h", "k", std::to_string(i), {}, {}});
  sender.Finish();
  CHECK(sender.status() == RunStatus::kSucceeded);
  CHECK(answered == 5);
  CHECK(trapper.values().size() == 50);
}

TEST_CASE("sender: nothing listening fails the run", "[sender]") {
  Sender sender(Options({{{"127.0.0.1", ClosedPort()}}}, 10, 2), [](const BatchOutcome&) {});
  bool accepted = true;
  for (int i = 0; i < 1000 && accepted; ++i) accepted = sender.Add({"h", "k", "v", {}, {}});
  sender.Finish();
  CHECK_FALSE(accepted);
  CHECK(sender.status() == RunStatus::kFailed);
  CHECK(sender.values_sent() == 0);
}

TEST_CASE("sender: one of two destinations down is partial", "[sender]") {
  FakeTrapper trapper;
  Sender sender(Options({{{"127.0.0.1", ClosedPort()}}, {{"127.0.0.1", trapper.port()}}}, 10, 2),
                [](const BatchOutcome&) {});
  for (int i = 0; i < 100; ++i) REQUIRE(sender.Add({"h", "k", std::to_string(i), {}, {}}));
  sender.Finish();
  CHECK(sender.status() == RunStatus::kPartial);
  CHECK(sender.values_sent() == 100);
  CHECK(trapper.values().size() == 100);
}

TEST_CASE("sender: failed values in a reply make the run partial", "[sender]") {
  FakeTrapper trapper(
      "127.0.0.1",
      R"({"response":"success","info":"processed: 0; failed: 1; total: 1; seconds spent: 0.1"})");
  Sender sender(Options({{{"127.0.0.1", trapper.port()}}}), [](const BatchOutcome&) {});
  sender.Add({"h", "k", "v", {}, {}});
  sender.Finish();
  CHECK(sender.status() == RunStatus::kPartial);
}

TEST_CASE("sender: a connection closed without a reply fails", "[sender]") {
  FakeTrapper trapper("127.0.0.1", "close");
  std::string error;
  std::error_code code;
  Sender sender(Options({{{"127.0.0.1", trapper.port()}}}), [&](const BatchOutcome& o) {
    error = o.status.message();
    code = o.status.code();
  });
  sender.Add({"h", "k", "v", {}, {}});
  sender.Finish();
  CHECK(sender.status() == RunStatus::kFailed);
  CHECK(code == Errc::kNoReply);
  CHECK(error.find("closed") != std::string::npos);
}

TEST_CASE("sender: compressed requests reach the trapper intact", "[sender]") {
  FakeTrapper trapper;
  SenderOptions o = Options({{{"127.0.0.1", trapper.port()}}});
  o.compress = true;
  Sender sender(o, [](const BatchOutcome&) {});
  for (int i = 0; i < 300; ++i) sender.Add({"h", "k" + std::to_string(i), "value", {}, {}});
  sender.Finish();
  CHECK(sender.status() == RunStatus::kSucceeded);
  CHECK(trapper.values().size() == 300);
}

namespace {
struct SpoolDir : zabitan::testing::TempDir {
  std::unique_ptr<Spool> Open() {
    std::unique_ptr<Spool> s;
    REQUIRE(Spool::Open(path(), kDefaultSpoolMaxBytes, std::chrono::milliseconds(100), &s).ok());
    return s;
  }
};

SenderOptions WithSpool(SenderOptions o, Spool* spool) {
  o.spool = spool;
  return o;
}
}  // namespace

TEST_CASE("sender: a dead server's values are spooled and sent first next time",
          "[sender][spool]") {
  SpoolDir dir;
  uint16_t port = ClosedPort();
  {
    auto spool = dir.Open();
    SenderOptions o = Options({{{"127.0.0.1", port}}}, 100, 4);
    o.spool = spool.get();
    Sender sender(o, [](const BatchOutcome&) {});
    for (int i = 0; i < 1000; ++i) {
      REQUIRE(sender.Add({"h", "k" + std::to_string(i % 13), std::to_string(i), {}, {}}));
    }
    sender.Finish();
    CHECK(sender.status() == RunStatus::kSpooled);
    CHECK(sender.values_spooled() == 1000);
    CHECK(spool->queued_values() == 1000);
  }
  FakeTrapper trapper("127.0.0.1", "", port);  // the server is back
  auto spool = dir.Open();
  SenderOptions flush = Options({{{"127.0.0.1", port}}}, 100, 4);
  flush.spool = spool.get();
  Sender sender(flush, [](const BatchOutcome&) {});
  sender.Add({"h", "k0", "new", {}, {}});
  sender.Finish();
  CHECK(sender.status() == RunStatus::kSucceeded);
  CHECK(sender.values_unspooled() == 1000);
  auto got = trapper.values();
  REQUIRE(got.size() == 1001);
  CHECK(got.back().value == "new");  // spooled values first
  std::map<std::string, int> last;
  for (const Value& v : got) {
    if (v.value == "new") continue;
    int n = std::stoi(v.value);
    auto [it, fresh] = last.try_emplace(v.key, n);
    if (!fresh) {
      CHECK(n > it->second);
      it->second = n;
    }
  }
  CHECK(spool->queued_values() == 0);
}

TEST_CASE("sender: with a spool and nothing new, the spool is flushed", "[sender][spool]") {
  SpoolDir dir;
  FakeTrapper trapper;
  Destination live{{{"127.0.0.1", trapper.port()}}};
  {
    auto spool = dir.Open();
    REQUIRE(spool
                ->Append(live.ToString(),
                         R"({"request":"sender data","data":[{"host":"h","key":"k","value":"1"}]})",
                         1)
                .ok());
  }
  auto spool = dir.Open();
  SenderOptions o = Options({{{"127.0.0.1", trapper.port()}}});
  o.spool = spool.get();
  Sender sender(o, [](const BatchOutcome&) {});
  sender.Finish();
  CHECK(sender.values_unspooled() == 1);
  CHECK(trapper.values().size() == 1);
  CHECK(spool->queued_values() == 0);
}

TEST_CASE("sender: a 7.0 proxy-group redirect is followed once and remembered",
          "[sender][redirect]") {
  FakeTrapper target;
  std::string redirect = R"({"response":"failed","redirect":{"revision":3,"address":"127.0.0.1:)" +
                         std::to_string(target.port()) + R"("}})";
  FakeTrapper proxy("127.0.0.1", redirect);
  std::vector<uint16_t> answered;
  Sender sender(Options({{{"127.0.0.1", proxy.port()}}}, 10, 1),
                [&](const BatchOutcome& o) { answered.push_back(o.node->port); });
  for (int i = 0; i < 30; ++i) sender.Add({"h", "k", std::to_string(i), {}, {}});
  sender.Finish();
  CHECK(sender.status() == RunStatus::kSucceeded);
  CHECK(target.values().size() == 30);
  CHECK(proxy.requests() == 1);  // later batches go straight to the proxy named
  CHECK(answered == std::vector<uint16_t>(3, target.port()));
}

TEST_CASE("sender: a second redirect in a row is an error", "[sender][redirect]") {
  FakeTrapper proxy("127.0.0.1",
                    R"({"response":"failed","redirect":{"revision":1,"address":"127.0.0.1:1"}})");
  std::string error;
  std::error_code code;
  // The redirect target is the proxy itself: it redirects again.
  std::string again = R"({"response":"failed","redirect":{"revision":2,"address":"127.0.0.1:)" +
                      std::to_string(proxy.port()) + R"("}})";
  FakeTrapper first("127.0.0.1", again);
  Sender sender(Options({{{"127.0.0.1", first.port()}}}), [&](const BatchOutcome& o) {
    error = o.status.message();
    code = o.status.code();
  });
  sender.Add({"h", "k", "v", {}, {}});
  sender.Finish();
  CHECK(sender.status() == RunStatus::kFailed);
  CHECK(code == Errc::kRedirectLoop);
  CHECK(error.find("sequential redirect") != std::string::npos);  // the line people read
}

// Issue #18: a redirect to a proxy that is down (the group has not failed over yet, so the
// configured proxy redirects there again) names the target and why, not "sequential redirects".
TEST_CASE("sender: a redirect to a proxy that does not answer says so", "[sender][redirect]") {
  const uint16_t dead = ClosedPort();
  FakeTrapper proxy("127.0.0.1",
                    R"({"response":"failed","redirect":{"revision":1,"address":"127.0.0.1:)" +
                        std::to_string(dead) + R"("}})");
  std::error_code code;
  std::string error;
  Sender sender(Options({{{"127.0.0.1", proxy.port()}}}), [&](const BatchOutcome& o) {
    code = o.status.code();
    error = o.status.message();
  });
  sender.Add({"h", "k", "v", {}, {}});
  sender.Finish();
  CHECK(sender.status() == RunStatus::kFailed);
  CHECK(proxy.requests() == 2);  // asked again after the target did not answer
  CHECK(code == Errc::kRedirectTargetDown);
  CHECK(error.rfind("redirected to 127.0.0.1:" + std::to_string(dead) + ", which did not answer: ",
                    0) == 0);
}

// Issue #18: zabbix_sender 7.0's -g.
TEST_CASE("sender: grouped by host, every request holds one host's values", "[sender]") {
  FakeTrapper trapper;
  SenderOptions o = Options({{{"127.0.0.1", trapper.port()}}}, 100, 4);
  o.group_by_host = true;
  Sender sender(o, [](const BatchOutcome&) {});
  const int kValues = 3000;
  for (int i = 0; i < kValues; ++i) {  // hosts interleaved, one of them rare
    std::string host = i % 50 == 0 ? "rare" : "h" + std::to_string(i % 4);
    REQUIRE(sender.Add({host, "k" + std::to_string(i % 7), std::to_string(i), {}, {}}));
  }
  sender.Finish();
  CHECK(sender.status() == RunStatus::kSucceeded);
  CHECK(trapper.values().size() == kValues);
  auto requests = trapper.request_hosts();
  CHECK(requests.size() >= kValues / 100);
  for (const auto& hosts : requests) CHECK(hosts.size() == 1);
  CHECK(requests.front() == std::set<std::string>{"h1"});  // the first host to fill the probe
  std::map<std::string, int> last;                         // each item's values in order
  for (const Value& v : trapper.values()) {
    auto [it, fresh] = last.try_emplace(v.host + "/" + v.key, std::stoi(v.value));
    if (!fresh) {
      CHECK(std::stoi(v.value) > it->second);
      it->second = std::stoi(v.value);
    }
  }
}

// Issue #18: a collector's values span hosts that a 7.0 proxy group spreads over its proxies; a
// proxy decides by a request's first host and refuses the values of the other proxy's hosts.
TEST_CASE("sender: grouped by host, each host's values reach the proxy of the group that has it",
          "[sender][redirect]") {
  FakeTrapper a, b;
  a.ActAsProxy({"h0", "h2"}, "127.0.0.1:" + std::to_string(b.port()));
  b.ActAsProxy({"h1", "h3"}, "127.0.0.1:" + std::to_string(a.port()));
  for (bool one_host : {true, false}) {
    CAPTURE(one_host);
    a.Clear();
    b.Clear();
    SenderOptions o = Options({{{"127.0.0.1", a.port()}, {"127.0.0.1", b.port()}}}, 50, 4);
    o.group_by_host = one_host;
    Sender sender(o, [](const BatchOutcome&) {});
    const int kValues = 2000;
    for (int i = 0; i < kValues; ++i)
      sender.Add(
          {"h" + std::to_string(i % 4), "k" + std::to_string(i % 7), std::to_string(i), {}, {}});
    sender.Finish();
    auto got_a = a.values(), got_b = b.values();
    if (!one_host) {  // mixed requests: some values refused (the check below can fail)
      CHECK(sender.status() == RunStatus::kPartial);
      CHECK(got_a.size() + got_b.size() < kValues);
      continue;
    }
    CHECK(sender.status() == RunStatus::kSucceeded);
    REQUIRE(got_a.size() + got_b.size() == kValues);
    std::map<std::string, int> last;
    for (auto* got : {&got_a, &got_b}) {
      for (const Value& v : *got) {
        CHECK((got == &got_a) == (v.host == "h0" || v.host == "h2"));
        int n = std::stoi(v.value);
        auto [it, fresh] = last.try_emplace(v.host + "/" + v.key, n);
        if (!fresh) CHECK(n > it->second);  // each item in order
        it->second = n;
      }
    }
  }
}

// A proxy that has just taken a host over refuses its values until its configuration holds it.
TEST_CASE("sender: a one-host request refused whole after a failover is tried again",
          "[sender][redirect]") {
  for (bool failover : {true, false}) {
    CAPTURE(failover);
    FakeTrapper proxy;
    proxy.RefuseNext(2);
    std::vector<Endpoint> nodes = {{"127.0.0.1", proxy.port()}};
    if (failover) nodes.insert(nodes.begin(), {"127.0.0.1", ClosedPort()});  // the dead proxy
    SenderOptions o = Options({nodes}, 100, 2);
    o.group_by_host = true;
    Sender sender(o, [](const BatchOutcome&) {});
    for (int i = 0; i < 10; ++i) sender.Add({"h", "k", std::to_string(i), {}, {}});
    sender.Finish();
    if (failover) {
      CHECK(sender.status() == RunStatus::kSucceeded);
      CHECK(proxy.values().size() == 10);
      CHECK(proxy.requests() == 3);
    } else {  // nothing says a proxy failed over: the refusal stands (a disabled host)
      CHECK(sender.status() == RunStatus::kPartial);
      CHECK(proxy.values().empty());
      CHECK(proxy.requests() == 1);
    }
  }
}

TEST_CASE("pending values: a redirect of a proxy group is followed once", "[sender][redirect]") {
  FakeTrapper a, b;
  a.ActAsProxy({"h0"}, "127.0.0.1:" + std::to_string(b.port()));
  b.ActAsProxy({"h1"}, "127.0.0.1:1");  // its own redirect would go nowhere
  std::vector<Destination> d;
  REQUIRE(ParseDestinations("127.0.0.1:" + std::to_string(a.port()), kDefaultPort, &d).ok());
  TrapperTransport t(d[0], {}, 2);
  RequestBuilder h0, h1;
  h0.Add({"h0", "k", "1", {}, {}});
  h1.Add({"h1", "k", "2", {}, {}});
  auto replies = t.SendAll({h0.Finish(std::nullopt), h1.Finish(std::nullopt)});
  REQUIRE(replies.size() == 2);
  for (const PendingReply& r : replies) {
    CHECK(r.kind == PendingReply::Kind::kAnswered);
    CHECK(r.success);
    CHECK(r.failed == 0);
  }
  CHECK(a.values().size() == 1);
  CHECK(b.values().size() == 1);
}

// #17.2: told to stop, a run with a spool sends nothing new and keeps it all.
TEST_CASE("sender: a stop request spools what is not sent yet", "[sender][spool]") {
  SpoolDir dir;
  FakeTrapper trapper;
  auto spool = dir.Open();
  StopRequest stop;
  SenderOptions o = Options({{{"127.0.0.1", trapper.port()}}}, 100, 4);
  o.spool = spool.get();
  o.stop = &stop;
  Sender sender(o, [](const BatchOutcome&) {});
  for (int i = 0; i < 250; ++i) REQUIRE(sender.Add({"h", "k", std::to_string(i), {}, {}}));
  sender.Dispatch();  // the first request goes out
  stop.at_ns = std::chrono::steady_clock::now().time_since_epoch().count();
  stop.requested = true;
  for (int i = 250; i < 1000; ++i) sender.Add({"h", "k", std::to_string(i), {}, {}});
  sender.Finish();
  CHECK(sender.values_sent() + spool->queued_values() == 1000);
  CHECK(trapper.values().size() == sender.values_sent());
  CHECK(spool->queued_values() >= 750);
  CHECK(sender.values_lost() == 0);
}

// #17.4: a spool folder removed mid-run is not the server's fault.
TEST_CASE("sender: a spool that vanishes does not stop delivery to a live server",
          "[sender][spool]") {
  SpoolDir dir;
  uint16_t port = ClosedPort();
  auto spool = dir.Open();
  Sender sender(WithSpool(Options({{{"127.0.0.1", port}}}, 100, 1), spool.get()),
                [](const BatchOutcome&) {});
  auto add = [&](int from, int to) {
    for (int i = from; i < to; ++i) REQUIRE(sender.Add({"h", "k", std::to_string(i), {}, {}}));
    sender.Finish();
  };
  add(0, 300);
  REQUIRE(spool->queued_values() == 300);
  std::filesystem::remove_all(dir.path());
  FakeTrapper trapper("127.0.0.1", "", port);  // the server is back, within its back-off
  add(300, 600);
  CHECK(trapper.values().size() == 300);
  CHECK(spool->queued_values() == 0);
  CHECK(sender.values_lost() == 300);  // the ones that were in the folder
  CHECK(sender.status() == RunStatus::kLost);
}

// Issue #19: with asio::detached, an exception in a batch's coroutine vanished, its lane stayed
// busy and Start() waited for it forever. Now the run ends, failed, with the values counted lost.
TEST_CASE("sender: a batch that throws ends the run with an error instead of hanging", "[sender]") {
  FakeTrapper trapper;
  int calls = 0;
  Sender sender(Options({{{"127.0.0.1", trapper.port()}}}, 10, 2), [&](const BatchOutcome&) {
    if (++calls == 2) throw std::runtime_error("observer exploded");
  });
  for (int i = 0; i < 500; ++i) {
    if (!sender.Add(
            {"h", "k" + std::to_string(i % 7), std::to_string(i), std::nullopt, std::nullopt}))
      break;
  }
  sender.Finish();
  CHECK(sender.status() == RunStatus::kFailed);
  CHECK(sender.values_lost() > 0);
}
