#include "zabitan/sender/routed_sender.h"

#include <ctime>
#include <memory>

#include <catch2/catch.hpp>

#include "../temp_files.h"
#include "fake_pending_server.h"
#include "fake_trapper.h"

using namespace zabitan::sender;
using zabitan::testing::FakeServer;
using zabitan::testing::TempDir;

namespace {

// The factory's transports all reach one server.
struct Forward : PendingTransport {
  explicit Forward(FakeServer* server) : server_(server) {}
  std::vector<PendingReply> SendAll(const std::vector<std::string>& payloads) override {
    return server_->SendAll(payloads);
  }
  FakeServer* server_;
};

// A RoutedSender whose fast batches go to `trapper` and pending values to `server`; the rule
// item ("h", "rule.discovery") exists from the start.
std::unique_ptr<RoutedSender> Open(const std::string& dir, uint16_t port, FakeServer* server) {
  RoutedSenderOptions o;
  REQUIRE(
      ParseDestinations("127.0.0.1:" + std::to_string(port), kDefaultPort, &o.destinations).ok());
  o.state_dir = dir;
  o.scope = "h";
  o.known_from_start = [](const std::string&, const std::string& key) {
    return key == "rule.discovery";
  };
  o.transport = [server](const Destination&) { return std::make_unique<Forward>(server); };
  std::unique_ptr<RoutedSender> out;
  // Out of REQUIRE, which names its expression twice (clang-tidy: a use after the move).
  const bool opened = RoutedSender::Open(std::move(o), &out).ok();
  REQUIRE(opened);
  return out;
}

Value V(const std::string& key, const std::string& value, uint32_t clock) {
  return {"h", key, value, clock, 0};
}

}  // namespace

TEST_CASE("routed sender: items known from the start go in the fast batches", "[sender]") {
  TempDir dir;
  FakeTrapper trapper;
  FakeServer server;
  auto out = Open(dir.path(), trapper.port(), &server);
  const uint32_t now = static_cast<uint32_t>(std::time(nullptr));
  REQUIRE(out->Add(V("rule.discovery", "{\"data\":[]}", now), now, ""));
  bool saved = false;
  CHECK(out->Finish("1 value made", true, [&saved] { saved = true; }) == kExitOk);
  CHECK(saved);
  CHECK_FALSE(out->failed());
  REQUIRE(trapper.values().size() == 1);
  CHECK(trapper.values()[0].key == "rule.discovery");
  CHECK(server.requests == 0);  // nothing was pending
}

TEST_CASE(
    "routed sender: a new item's values wait until Zabbix has it, then go once with their clocks",
    "[sender]") {
  TempDir dir;
  FakeTrapper trapper;
  FakeServer server;
  const uint32_t first = static_cast<uint32_t>(std::time(nullptr)) - 100;
  {
    auto out = Open(dir.path(), trapper.port(), &server);
    out->Add(V("rule.discovery", "{\"data\":[{\"{#ID}\":\"1\"}]}", first), first, "");
    out->Add(V("item[1]", "5", first), first, "h\nrule");
    CHECK(out->Finish("2 values made", true, [] {}) == kExitOk);  // waiting is not an error
  }
  CHECK(server.history.empty());
  CHECK(trapper.values().size() == 1);  // the discovery only
  CHECK(server.requests == 1);          // item[1] alone, refused
  {                                     // held on disk, under the name PendingStorePrefix gives
    std::unique_ptr<PendingStore> st;
    std::vector<Destination> d;
    REQUIRE(
        ParseDestinations("127.0.0.1:" + std::to_string(trapper.port()), kDefaultPort, &d).ok());
    REQUIRE(PendingStore::Open(PendingStorePrefix(dir.path(), "h", d[0]), {}, &st).ok());
    CHECK_FALSE(st->IsKnown("h", "item[1]"));
    CHECK(st->held_values() == 1);
  }
  server.items.insert({"h", "item[1]"});  // Zabbix processed the discovery
  {
    auto out = Open(dir.path(), trapper.port(), &server);
    out->Add(V("item[1]", "6", first + 60), first + 60, "h\nrule");
    CHECK(out->Finish("1 value made", true, [] {}) == kExitOk);
  }
  REQUIRE(server.rows({"h", "item[1]"}) == 2);
  CHECK(server.history[{"h", "item[1]"}][0].first == first);  // its own clock
  // Known now: the next value goes in the fast batches, the store holds nothing.
  {
    auto out = Open(dir.path(), trapper.port(), &server);
    out->Add(V("item[1]", "7", first + 120), first + 120, "h\nrule");
    CHECK(out->Finish("1 value made", true, [] {}) == kExitOk);
  }
  CHECK(server.rows({"h", "item[1]"}) == 2);
  REQUIRE(trapper.values().size() == 2);
  CHECK(trapper.values()[1].value == "7");
}

// Issue #20: zabitan-prom's stores are per Zabbix host, so that adding a target (a host) does
// not move the values already waiting to a store nobody opens again.
TEST_CASE("routed sender: per-host stores keep a host's waiting values when hosts are added",
          "[sender]") {
  TempDir dir;
  FakeTrapper trapper;
  FakeServer server;
  auto open = [&] {
    RoutedSenderOptions o;
    REQUIRE(ParseDestinations("127.0.0.1:" + std::to_string(trapper.port()), kDefaultPort,
                              &o.destinations)
                .ok());
    o.state_dir = dir.path();
    o.scope = "prom";
    o.scope_per_host = true;
    o.transport = [&server](const Destination&) { return std::make_unique<Forward>(&server); };
    std::unique_ptr<RoutedSender> out;
    // Out of REQUIRE, which names its expression twice (clang-tidy: a use after the move).
    const bool opened = RoutedSender::Open(std::move(o), &out).ok();
    REQUIRE(opened);
    return out;
  };
  const uint32_t first = static_cast<uint32_t>(std::time(nullptr)) - 100;
  {
    auto out = open();
    out->Add({"a", "item[1]", "5", first, 0}, first, "a\nrule");
    CHECK(out->Finish("1 value made", true, [] {}) == kExitOk);  // refused: it waits
  }
  {  // held in host a's store, named as a one-host zabitan-prom named its store before
    std::vector<Destination> d;
    REQUIRE(
        ParseDestinations("127.0.0.1:" + std::to_string(trapper.port()), kDefaultPort, &d).ok());
    std::unique_ptr<PendingStore> st;
    REQUIRE(PendingStore::Open(PendingStorePrefix(dir.path(), "prom\na", d[0]), {}, &st).ok());
    CHECK(st->held_values() == 1);
  }
  server.items.insert({"a", "item[1]"});
  server.items.insert({"b", "item[2]"});
  {  // a second target, another host: a's value goes with its own clock, b's new one too
    auto out = open();
    out->Add({"b", "item[2]", "7", first + 60, 0}, first + 60, "b\nrule");
    out->Add({"a", "item[1]", "6", first + 60, 0}, first + 60, "a\nrule");
    CHECK(out->Finish("2 values made", true, [] {}) == kExitOk);
  }
  REQUIRE(server.rows({"a", "item[1]"}) == 2);
  CHECK(server.history[{"a", "item[1]"}][0].first == first);
  CHECK(server.rows({"b", "item[2]"}) == 1);
  {  // and without host a's target: nothing of a's is lost or sent again
    auto out = open();
    out->Add({"b", "item[2]", "8", first + 120, 0}, first + 120, "b\nrule");
    CHECK(out->Finish("1 value made", true, [] {}) == kExitOk);
  }
  CHECK(server.rows({"a", "item[1]"}) == 2);
  CHECK(server.rows({"b", "item[2]"}) == 1);  // known now: the fast batches
  CHECK(trapper.values().size() == 1);
}

TEST_CASE("routed sender: a waiting discovery value is not kept for the next run", "[sender]") {
  TempDir dir;
  FakeTrapper trapper;
  FakeServer server;
  const uint32_t now = static_cast<uint32_t>(std::time(nullptr));
  {
    auto out = Open(dir.path(), trapper.port(), &server);
    out->Add(V("other.discovery", "{\"data\":[]}", now), now);
    CHECK(out->Finish("1 value made", true, [] {}) == kExitOk);
  }
  server.items.insert({"h", "other.discovery"});
  const size_t before = server.requests;
  {
    auto out = Open(dir.path(), trapper.port(), &server);
    CHECK(out->Finish("0 values made", true, [] {}) == kExitOk);
  }
  CHECK(server.requests == before);
  CHECK(server.history.empty());
}

TEST_CASE("routed sender: Zabbix unreachable without a spool fails the run and keeps the state",
          "[sender]") {
  TempDir dir;
  FakeServer server;
  uint16_t closed = 0;
  {
    FakeTrapper t;
    closed = t.port();
  }  // a port nothing listens on any more
  auto out = Open(dir.path(), closed, &server);
  const uint32_t now = static_cast<uint32_t>(std::time(nullptr));
  out->Add(V("rule.discovery", "{\"data\":[]}", now), now, "");
  bool saved = false;
  CHECK(out->Finish("1 value made", true, [&saved] { saved = true; }) == kExitFailure);
  CHECK(out->failed());
  CHECK_FALSE(saved);
}

TEST_CASE("routed sender: exit codes, discovery keys, store names", "[sender]") {
  CHECK(WorseExit(kExitOk, kExitSpooled) == kExitSpooled);
  CHECK(WorseExit(kExitPartial, kExitSpooled) == kExitPartial);
  CHECK(WorseExit(kExitPartial, kExitFailure) == kExitFailure);
  CHECK(WorseExit(kExitOk, kExitOk) == kExitOk);
  CHECK(IsDiscoveryKey("zabitan.vmware.vm.discovery"));
  CHECK(IsDiscoveryKey("prom.discovery[node_cpu_seconds_total]"));
  CHECK_FALSE(IsDiscoveryKey("prom.value[a.discovery]"));
  CHECK_FALSE(IsDiscoveryKey("discovery"));
  // FNV-1a, as zabitan-vmware named its stores before this class: the files stay found.
  std::vector<Destination> d;
  REQUIRE(ParseDestinations("a", kDefaultPort, &d).ok());
  CHECK(PendingStorePrefix("/s", "a", d[0]).rfind("/s/pending-af63dc4c8601ec8c-", 0) == 0);
}
