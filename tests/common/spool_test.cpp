#include "zabitan/common/spool.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "../skip.h"
#include "../temp_files.h"
#include "zabitan/common/error.h"

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
    for (int i = 0; i < 12; ++i)
      REQUIRE(spool->Append("zbx:10051", "req" + std::to_string(i), 1).ok());
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
  for (int i = 0; i < 5; ++i)
    REQUIRE(spool->Append("zbx:10051", payload + std::to_string(i), 10).ok());
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
  CHECK(s.code() == zabitan::Errc::kSpoolLocked);
  CHECK(s.message().find("locked by another run") != std::string::npos);
  first.reset();
  CHECK(
      Spool::Open(dir.path(), kDefaultSpoolMaxBytes, std::chrono::milliseconds(100), &second).ok());
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

namespace {

// Makes a spool in `dir` holding one request "real" for zbx:10051; returns its queue folder.
std::string SpoolWithOneRequest(const std::string& dir) {
  auto spool = OpenSpool(dir);
  REQUIRE(spool->Append("zbx:10051", "real", 1).ok());
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().starts_with("q-")) return e.path();
  }
  return {};
}

}  // namespace

// #15.2: whatever is in the spool is read back and sent, so nobody else may write there.
TEST_CASE("spool: a folder others can enter is refused with the chmod", "[spool][trust]") {
  TempDir dir;
  REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
  std::unique_ptr<Spool> spool;
  Status s = Spool::Open(dir.path(), kDefaultSpoolMaxBytes, std::chrono::milliseconds(100), &spool);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message() ==
        dir.path() + ": mode 0755 lets group or others in; a spool must be private: chmod 0700 " +
            dir.path());
}

TEST_CASE("spool: a folder of another user is refused with the chown", "[spool][trust]") {
  if (::geteuid() != 0)
    ZABITAN_SKIP("not root: chown to nobody needs root, the refusal not exercised");
  TempDir dir;
  REQUIRE(::chown(dir.path().c_str(), 65534, 65534) == 0);
  std::unique_ptr<Spool> spool;
  Status s = Spool::Open(dir.path(), kDefaultSpoolMaxBytes, std::chrono::milliseconds(100), &spool);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message() == dir.path() +
                           ": owned by uid 65534, not by the running user (uid 0); a spool must be "
                           "private: chown 0 " +
                           dir.path());
}

TEST_CASE("spool: a request that is a symlink is never read", "[spool][trust]") {
  TempDir dir, elsewhere;
  std::string secret = elsewhere.path() + "/secret";
  std::ofstream(secret) << "private key material";
  std::string folder = SpoolWithOneRequest(dir.path());
  REQUIRE(::symlink(secret.c_str(), (folder + "/00000000000000000000-7.req").c_str()) == 0);
  auto spool = OpenSpool(dir.path());
  CHECK(spool->queued_values() == 1);  // the symlink is not an entry
  std::optional<Spool::Entry> e;
  REQUIRE(spool->Oldest("zbx:10051", &e).ok());
  CHECK(e->payload == "real");
  // Swapped in after the folder was read: Oldest refuses it instead of following it.
  REQUIRE(spool->Remove("zbx:10051", e->seq).ok());
  REQUIRE(spool->Append("zbx:10051", "next", 1).ok());
  std::string next;
  for (const auto& f : fs::directory_iterator(folder)) {
    if (f.path().string().ends_with("-1.req") &&
        f.path().string() != folder + "/00000000000000000000-7.req")
      next = f.path();
  }
  REQUIRE(!next.empty());
  REQUIRE(::unlink(next.c_str()) == 0);
  REQUIRE(::symlink(secret.c_str(), next.c_str()) == 0);
  Status s = spool->Oldest("zbx:10051", &e);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message() == next + ": a symbolic link, not a spool entry");
}

TEST_CASE("spool: a FIFO in the queue does not block", "[spool][trust]") {
  TempDir dir;
  std::string folder = SpoolWithOneRequest(dir.path());
  REQUIRE(::mkfifo((folder + "/00000000000000000000-3.req").c_str(), 0600) == 0);
  CHECK(OpenSpool(dir.path())->queued_values() == 1);  // the FIFO is not an entry
  REQUIRE(::unlink((folder + "/destination").c_str()) == 0);
  REQUIRE(::mkfifo((folder + "/destination").c_str(), 0600) == 0);
  auto spool = OpenSpool(dir.path());  // would block forever reading the FIFO
  CHECK(spool->queued_values() == 0);  // a queue whose destination is not a file is ignored
}

TEST_CASE("spool: a destination that does not match its queue folder is ignored",
          "[spool][trust]") {
  TempDir dir;
  std::string folder = SpoolWithOneRequest(dir.path());
  std::ofstream(folder + "/destination", std::ios::trunc) << "evil.example:10051";
  auto spool = OpenSpool(dir.path());
  CHECK(spool->destinations().empty());
}

// #17.7
TEST_CASE("spool: opening without create refuses what is not a spool", "[spool]") {
  TempDir dir;
  std::unique_ptr<Spool> spool;
  Status s = Spool::Open(dir.path() + "/typo", kDefaultSpoolMaxBytes,
                         std::chrono::milliseconds(100), &spool, false);
  CHECK(s.message() == dir.path() + "/typo: no such spool");
  CHECK_FALSE(fs::exists(dir.path() + "/typo"));
  s = Spool::Open(dir.path(), kDefaultSpoolMaxBytes, std::chrono::milliseconds(100), &spool, false);
  CHECK(s.message() == dir.path() + ": not a spool (it has no lock file)");
  CHECK_FALSE(fs::exists(dir.path() + "/lock"));
  OpenSpool(dir.path() + "/s");
  CHECK(Spool::Open(dir.path() + "/s", kDefaultSpoolMaxBytes, std::chrono::milliseconds(100),
                    &spool, false)
            .ok());
}

// #17.4
TEST_CASE("spool: after its folder is removed, Reload counts what is gone", "[spool]") {
  TempDir dir;
  auto spool = OpenSpool(dir.path() + "/s");
  REQUIRE(spool->Append("zbx:10051", "a", 3).ok());
  REQUIRE(spool->Append("zbx:10051", "b", 4).ok());
  CHECK(spool->Intact());
  fs::remove_all(dir.path() + "/s");
  CHECK_FALSE(spool->Intact());
  CHECK_FALSE(spool->Append("zbx:10051", "c", 5).ok());
  CHECK(spool->Reload() == 7);
  CHECK(spool->queued_values() == 0);
}
