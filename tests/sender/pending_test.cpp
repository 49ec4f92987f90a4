#include "zabitan/sender/pending.h"

#include <sys/stat.h>

#include <fstream>
#include <map>
#include <set>
#include <stdexcept>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "../temp_files.h"
#include "fake_pending_server.h"
#include "zabitan/sender/pending_delivery.h"

using namespace zabitan::sender;
using zabitan::testing::FakeServer;
using zabitan::testing::Item;
using zabitan::testing::TempDir;

namespace {

std::unique_ptr<PendingStore> OpenStore(const std::string& prefix, PendingLimits limits = {}) {
  std::unique_ptr<PendingStore> store;
  REQUIRE(PendingStore::Open(prefix, limits, &store).ok());
  return store;
}

void AddSamples(PendingStore* store, const Item& id, uint32_t from, int n,
                const std::string& group = "") {
  for (int i = 0; i < n; ++i) {
    const uint32_t clock = from + 20 * static_cast<uint32_t>(i);
    store->Add({id.first, id.second, std::to_string(i), clock, 7u}, group, true, clock);
  }
}

void Deliver(FakeServer& server, PendingStore* store) {
  std::string transport_error;
  REQUIRE(DeliverPending(server, store, &transport_error).ok());
}

const uint32_t t0 = 1800000000;
const Item vm{"vm-1", "zabitan.vmware.vm.perf[cpu.usage.average]"};

}  // namespace

TEST_CASE(
    "pending values: refused until discovery are held and stored later, once, with their clocks",
    "[pending-values]") {
  TempDir dir;
  FakeServer server;
  auto store = OpenStore(dir.path() + "/p");
  CHECK(store->fresh());
  AddSamples(store.get(), vm, t0, 3);
  Deliver(server, store.get());
  CHECK(store->held_values() == 3);
  CHECK(store->counts().refused == 3);
  REQUIRE(store->Save().ok());
  struct stat st {};
  REQUIRE(::stat((dir.path() + "/p.values").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  // A restart; Zabbix has created the item meanwhile; two new samples come.
  store = OpenStore(dir.path() + "/p");
  CHECK(!store->fresh());
  CHECK(!store->IsKnown(vm.first, vm.second));
  server.items.insert(vm);
  AddSamples(store.get(), vm, t0 + 60, 2);
  Deliver(server, store.get());
  CHECK(store->held_values() == 0);
  CHECK(store->IsKnown(vm.first, vm.second));
  REQUIRE(server.rows(vm) == 5);
  CHECK(server.history[vm].front() == std::pair<uint32_t, uint32_t>{t0, 7});
  CHECK(server.requests == 2);  // one per item and run: all-or-nothing
}

TEST_CASE(
    "pending values: values, hosts and keys with tabs, newlines and backslashes survive a restart",
    "[pending-values]") {
  TempDir dir;
  const std::string odd = "a\tb\\c\nd\re\\t";
  auto store = OpenStore(dir.path() + "/p");
  store->Add({odd, odd, odd, t0, 5u}, odd, true, t0);
  REQUIRE(store->Save().ok());
  store = OpenStore(dir.path() + "/p");
  REQUIRE(store->items() == 1);
  const auto& [id, item] = *store->item_map().begin();
  CHECK(id == Item{odd, odd});
  CHECK(item.group == odd);
  REQUIRE(item.held.size() == 1);
  CHECK(item.held[0].value == odd);
  CHECK(item.held[0].ns == 5);
}

TEST_CASE("pending values: a damaged file is named, not taken for an empty one",
          "[pending-values]") {
  TempDir dir;
  std::ofstream(dir.path() + "/p.values") << "zabitan pending values 1\nI\th\tk\n";
  std::unique_ptr<PendingStore> store;
  zabitan::Status s = PendingStore::Open(dir.path() + "/p", {}, &store);
  REQUIRE(!s.ok());
  CHECK(s.message() ==
        dir.path() + "/p.values:2: a damaged line (move the file away to start afresh)");
}

TEST_CASE("pending values: a value collected again after a crash is not held twice",
          "[pending-values]") {
  TempDir dir;
  auto store = OpenStore(dir.path() + "/p");
  AddSamples(store.get(), vm, t0, 3);
  REQUIRE(store->Save().ok());
  store = OpenStore(dir.path() + "/p");
  AddSamples(store.get(), vm, t0, 4);  // the watermark had not moved: the same three, one new
  CHECK(store->held_values() == 4);
}

TEST_CASE(
    "pending values: values older than the window are given up, and the item is known from then on",
    "[pending-values]") {
  TempDir dir;
  auto store = OpenStore(dir.path() + "/p", {1000, 3600});
  AddSamples(store.get(), vm, t0, 3);
  store->Trim(t0 + 3600 + 30);  // the first two are older than an hour
  CHECK(store->held_values() == 1);
  CHECK(store->counts().given_up == 2);
  CHECK(store->counts().given_up_items == 0);
  store->Trim(t0 + 7200);
  CHECK(store->held_values() == 0);
  CHECK(store->counts().given_up_items == 1);
  CHECK(store->counts().given_up_example == vm.first + " " + vm.second);
  CHECK(store->IsKnown(vm.first, vm.second));  // its refusals are errors now, not a wait
  CHECK(store->items() == 0);
}

TEST_CASE("pending values: beyond max_values the oldest values go, whatever their item",
          "[pending-values]") {
  TempDir dir;
  auto store = OpenStore(dir.path() + "/p", {5, 3600});
  AddSamples(store.get(), vm, t0, 4);
  AddSamples(store.get(), {"vm-2", "k"}, t0 + 10, 4);
  store->Trim(t0 + 200);
  CHECK(store->held_values() == 5);
  CHECK(store->counts().given_up == 3);
  REQUIRE(store->Save().ok());
  CHECK(OpenStore(dir.path() + "/p")->held_values() == 5);
}

TEST_CASE(
    "pending values: crash between send and ack when Zabbix stored the values: nothing resent",
    "[pending-values]") {
  TempDir dir;
  FakeServer server;
  server.items.insert(vm);
  auto store = OpenStore(dir.path() + "/p");
  AddSamples(store.get(), vm, t0, 3);
  REQUIRE(store->Save().ok());  // as zabitan-vmware does before sending
  server.fault = FakeServer::Fault::kCrashAfterStoring;
  std::string error;
  CHECK_THROWS(DeliverPending(server, store.get(), &error));
  store.reset();  // the process is gone; its journal is on disk
  REQUIRE(server.rows(vm) == 3);

  server.fault = FakeServer::Fault::kNone;
  store = OpenStore(dir.path() + "/p");
  AddSamples(store.get(), vm, t0, 3);       // collected again (the watermark had not moved)...
  AddSamples(store.get(), vm, t0 + 60, 1);  // ...and one new sample: the probe
  Deliver(server, store.get());
  CHECK(server.rows(vm) == 4);  // each sample once
  CHECK(store->held_values() == 0);
  CHECK(store->counts().unresolved == 3);  // dropped, not resent: they were stored
}

TEST_CASE(
    "pending values: crash between send and ack when the item did not exist: held and stored later",
    "[pending-values]") {
  TempDir dir;
  FakeServer server;
  auto store = OpenStore(dir.path() + "/p");
  AddSamples(store.get(), vm, t0, 3);
  REQUIRE(store->Save().ok());
  server.fault = FakeServer::Fault::kCrashAfterStoring;
  std::string error;
  CHECK_THROWS(DeliverPending(server, store.get(), &error));
  store.reset();

  server.fault = FakeServer::Fault::kNone;
  store = OpenStore(dir.path() + "/p");
  CHECK(store->held_values() == 3);  // uncertain now
  AddSamples(store.get(), vm, t0 + 60, 1);
  Deliver(server, store.get());  // the probe is refused: the item still does not exist
  CHECK(store->held_values() == 4);
  REQUIRE(store->Save().ok());

  store = OpenStore(dir.path() + "/p");
  server.items.insert(vm);
  AddSamples(store.get(), vm, t0 + 80, 1);
  Deliver(server, store.get());
  CHECK(server.rows(vm) == 5);  // nothing lost, nothing twice
  CHECK(store->held_values() == 0);
}

TEST_CASE("pending values: a lost reply makes the values uncertain, never resent blindly",
          "[pending-values]") {
  TempDir dir;
  FakeServer server;
  server.items.insert(vm);
  auto store = OpenStore(dir.path() + "/p");
  AddSamples(store.get(), vm, t0, 2);
  server.fault = FakeServer::Fault::kNoReply;
  Deliver(server, store.get());
  REQUIRE(store->Save().ok());
  server.fault = FakeServer::Fault::kNone;
  store = OpenStore(dir.path() + "/p");
  Deliver(server, store.get());  // nothing new to probe with: nothing is sent
  CHECK(server.rows(vm) == 2);
  AddSamples(store.get(), vm, t0 + 40, 1);
  Deliver(server, store.get());
  CHECK(server.rows(vm) == 3);
  CHECK(store->counts().unresolved == 2);
}

TEST_CASE("pending values: Zabbix unreachable: everything held, one request tried",
          "[pending-values]") {
  TempDir dir;
  FakeServer server;
  server.fault = FakeServer::Fault::kUnreachable;
  auto store = OpenStore(dir.path() + "/p");
  AddSamples(store.get(), vm, t0, 2);
  std::string error;
  REQUIRE(DeliverPending(server, store.get(), &error).ok());
  CHECK(error == "connect: refused");
  CHECK(store->held_values() == 2);
  CHECK(store->counts().refused == 0);
}

TEST_CASE("pending values: a group goes in two requests: its first item alone, then the rest",
          "[pending-values]") {
  TempDir dir;
  FakeServer server;
  auto store = OpenStore(dir.path() + "/p");
  std::vector<Item> items;
  for (int i = 0; i < 10; ++i) items.push_back({"vm-1", "k" + std::to_string(i)});
  for (const Item& id : items) AddSamples(store.get(), id, t0, 3, "vm-1\n");
  Deliver(server, store.get());
  CHECK(server.requests == 1);  // refused: the rest waits without a request
  CHECK(store->held_values() == 30);
  for (const Item& id : items) server.items.insert(id);
  Deliver(server, store.get());
  CHECK(server.requests == 3);
  for (const Item& id : items) CHECK(server.rows(id) == 3);
  CHECK(store->held_values() == 0);
}

TEST_CASE("pending values: a group answered in part is dropped, never resent, and split",
          "[pending-values]") {
  TempDir dir;
  FakeServer server;
  auto store = OpenStore(dir.path() + "/p");
  const Item a{"vm-1", "a"}, b{"vm-1", "b"}, c{"vm-1", "c"};
  for (const Item& id : {a, b, c}) AddSamples(store.get(), id, t0, 2, "vm-1\n");
  server.items = {a, b};  // c: a key the template lacks
  Deliver(server, store.get());
  CHECK(store->counts().ambiguous == 4);  // b and c went together: one stored, one not
  CHECK(store->split_groups().count("vm-1\n") == 1);
  for (const Item& id : {a, b, c}) AddSamples(store.get(), id, t0 + 40, 1, "vm-1\n");
  Deliver(server, store.get());  // each alone now
  CHECK(server.rows(a) == 3);
  CHECK(server.rows(b) == 3);
  CHECK(store->held_values() == 1);  // c's new value waits
}

TEST_CASE("pending values: values not kept (discovery) are not written to disk",
          "[pending-values]") {
  TempDir dir;
  FakeServer server;
  auto store = OpenStore(dir.path() + "/p");
  store->Add({"vm-1", "x.discovery", "{}", t0, 0u}, "vm-1\n", false, t0);
  Deliver(server, store.get());
  CHECK(store->held_values() == 0);
  REQUIRE(store->Save().ok());
  CHECK(OpenStore(dir.path() + "/p")->items() == 0);
}

TEST_CASE("pending values: known items survive a restart, and no other item counts as known",
          "[pending-values]") {
  TempDir dir;
  auto store = OpenStore(dir.path() + "/p");
  for (int i = 0; i < 20000; i += 2) store->MarkKnown("vm-" + std::to_string(i), "k");
  REQUIRE(store->Save().ok());
  store = OpenStore(dir.path() + "/p");
  store->MarkKnown("vm-new", "k");
  int known = 0, wrong = 0;
  for (int i = 0; i < 20000; ++i) {
    const bool k = store->IsKnown("vm-" + std::to_string(i), "k");
    known += k;
    wrong += k != (i % 2 == 0);
  }
  CHECK(known == 10000);
  CHECK(wrong == 0);
  CHECK(store->IsKnown("vm-new", "k"));
  REQUIRE(store->Save().ok());
  CHECK(OpenStore(dir.path() + "/p")->IsKnown("vm-new", "k"));
}
