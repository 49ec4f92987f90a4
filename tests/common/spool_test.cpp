#include "zabitan/common/spool.h"

#include "../temp_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

using namespace zabitan;
namespace fs = std::filesystem;

namespace {

using zabitan::testing::TempDir;

std::unique_ptr<Spool> OpenSpool(const std::string& dir, uint64_t max = kDefaultSpoolMaxBytes) {
  std::unique_ptr<Spool> spool;
  zabitan::Status s = Spool::Open(dir, max, std::chrono::milliseconds(100), &spool);
  INFO(s.message());
  REQUIRE(s.ok());
  return spool;
}

}  // namespace

TEST_CASE("spool: requests come back oldest first, per destination", "[spool]") {
  TempDir dir;
  auto spool = OpenSpool(dir.path() + "/s");
  REQUIRE(spool->Append("a:1", "first", 2).ok());
  REQUIRE(spool->Append("b:1", "other", 1).ok());
  REQUIRE(spool->Append("a:1", "second", 3).ok());
  CHECK(spool->queued_values("a:1") == 5);
  CHECK(spool->queued_values() == 6);
  std::optional<Spool::Entry> e;
  REQUIRE(spool->Oldest("a:1", &e).ok());
  REQUIRE(e);
  CHECK(e->payload == "first");
  CHECK(e->values == 2);
  REQUIRE(spool->Remove("a:1", e->seq).ok());
  REQUIRE(spool->Oldest("a:1", &e).ok());
  CHECK(e->payload == "second");
  CHECK_FALSE(spool->Remove("a:1", e->seq + 100).ok());
}

TEST_CASE("spool: survives a restart, in order", "[spool]") {
  TempDir dir;
  {
    auto spool = OpenSpool(dir.path());
    for (int i = 0; i < 12; ++i) REQUIRE(spool->Append("zbx:10051", "req" + std::to_string(i), 1).ok());
    REQUIRE(spool->set_preferred_node("zbx:10051", 1).ok());
  }
  auto spool = OpenSpool(dir.path());
  CHECK(spool->queued_values("zbx:10051") == 12);
  CHECK(spool->destinations() == std::vector<std::string>{"zbx:10051"});
  CHECK(spool->preferred_node("zbx:10051") == 1u);
  for (int i = 0; i < 12; ++i) {
    std::optional<Spool::Entry> e;
    REQUIRE(spool->Oldest("zbx:10051", &e).ok());
    CHECK(e->payload == "req" + std::to_string(i));
    REQUIRE(spool->Remove("zbx:10051", e->seq).ok());
  }
  REQUIRE(spool->Append("zbx:10051", "after", 1).ok());  // sequence numbers keep growing
}

TEST_CASE("spool: a write cut short by a crash is not a request", "[spool]") {
  TempDir dir;
  std::string folder;
  {
    auto spool = OpenSpool(dir.path());
    REQUIRE(spool->Append("zbx:10051", "complete", 1).ok());
    for (const auto& e : fs::directory_iterator(dir.path())) {
      if (e.path().filename().string().starts_with("q-")) folder = e.path();
    }
  }
  std::ofstream(folder + "/.tmp-00000000000000000009-5.req") << "{\"request\":\"sender da";
  auto spool = OpenSpool(dir.path());
  CHECK(spool->queued_values() == 1);
  CHECK_FALSE(fs::exists(folder + "/.tmp-00000000000000000009-5.req"));
}

TEST_CASE("spool: bounded, the oldest is dropped and counted", "[spool]") {
  TempDir dir;
  auto spool = OpenSpool(dir.path(), 1000);
  std::string payload(300, 'x');
  for (int i = 0; i < 5; ++i) REQUIRE(spool->Append("zbx:10051", payload + std::to_string(i), 10).ok());
  CHECK(spool->queued_values() == 30);
  CHECK(spool->dropped_values() == 20);
  std::optional<Spool::Entry> e;
  REQUIRE(spool->Oldest("zbx:10051", &e).ok());
  CHECK(e->payload == payload + "2");
  CHECK_FALSE(spool->Append("zbx:10051", std::string(2000, 'y'), 1).ok());
}

TEST_CASE("spool: one run at a time", "[spool]") {
  TempDir dir;
  auto first = OpenSpool(dir.path());
  std::unique_ptr<Spool> second;
  auto s = Spool::Open(dir.path(), kDefaultSpoolMaxBytes, std::chrono::milliseconds(100), &second);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message().find("locked by another run") != std::string::npos);
  first.reset();
  CHECK(Spool::Open(dir.path(), kDefaultSpoolMaxBytes, std::chrono::milliseconds(100), &second).ok());
}

TEST_CASE("spool: files are private to the owner", "[spool]") {
  TempDir dir;
  auto spool = OpenSpool(dir.path() + "/s");
  REQUIRE(spool->Append("zbx:10051", "secret-ish values", 1).ok());
  struct stat st;
  REQUIRE(::stat((dir.path() + "/s").c_str(), &st) == 0);
  CHECK((st.st_mode & 077) == 0);
}

TEST_CASE("spool: a queue moves to other destinations in order", "[spool]") {
  TempDir dir;
  auto spool = OpenSpool(dir.path());
  REQUIRE(spool->Append("old:1", "r1", 1).ok());
  REQUIRE(spool->Append("old:1", "r2", 2).ok());
  REQUIRE(spool->Move("old:1", {"a:1", "b:1"}).ok());
  CHECK(spool->queued_values("old:1") == 0);
  for (const char* dest : {"a:1", "b:1"}) {
    std::optional<Spool::Entry> e;
    REQUIRE(spool->Oldest(dest, &e).ok());
    CHECK(e->payload == "r1");
    REQUIRE(spool->Remove(dest, e->seq).ok());
    REQUIRE(spool->Oldest(dest, &e).ok());
    CHECK(e->payload == "r2");
  }
}
