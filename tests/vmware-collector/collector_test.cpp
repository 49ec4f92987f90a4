// The collector's cycle where no endpoint answers: its e2e tests (tests/e2e/vsphere_*) cover
// the cycles that collect; these cases need no simulator.
#include "zabitan/vmware_collector/collector.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <utility>

#include <catch2/catch.hpp>

#include "../temp_files.h"
#include "zabitan/sender/routed_sender.h"
#include "zabitan/vmware_collector/inventory_file.h"

using namespace zabitan::vmware_collector;
using zabitan::testing::TempDir;
namespace vsphere = zabitan::vsphere;

namespace {

// A port on 127.0.0.1 that refuses connections: bound, never listening.
class ClosedPort {
 public:
  ClosedPort() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    REQUIRE(fd_ >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port_ = ntohs(a.sin_port);
  }
  ~ClosedPort() { ::close(fd_); }
  ClosedPort(const ClosedPort&) = delete;
  ClosedPort& operator=(const ClosedPort&) = delete;
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/sdk"; }

 private:
  int fd_;
  int port_ = 0;
};

// What is written to stderr (fd 2) while it lives: the warnings shown at every verbosity.
class CapturedStderr {
 public:
  explicit CapturedStderr(std::string path) : path_(std::move(path)), saved_(::dup(2)) {
    REQUIRE(saved_ >= 0);
    std::fflush(stderr);
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(::dup2(fd, 2) == 2);
    ::close(fd);
  }
  ~CapturedStderr() { Restore(); }
  CapturedStderr(const CapturedStderr&) = delete;
  CapturedStderr& operator=(const CapturedStderr&) = delete;
  std::string Text() {
    Restore();
    std::ifstream in(path_);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

 private:
  void Restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
    saved_ = -1;
  }
  std::string path_;
  int saved_;
};

Settings DryRun(const std::string& url, const std::string& state_dir) {
  Settings s;
  s.url = url;
  s.user = "monitor";
  s.state_dir = state_dir;
  s.zabbix_host = "vcenter01";
  s.dry_run = true;
  s.config = "/nonexistent/zabitan.toml";
  REQUIRE(ApplyConfig(&s, false).ok());
  return s;
}

}  // namespace

TEST_CASE(
    "vmware-collector/collector: an endpoint that cannot be reached fails the cycle, and "
    "changes no state",
    "[vmware-collector]") {
  ClosedPort closed;
  TempDir dir;
  const Settings s = DryRun(closed.Url(), dir.path());
  // What an earlier run left: a damaged inventory file is read whole again, not an error.
  std::ofstream(InventoryFile(s)) << "{\"session\": 1}";
  vsphere::SoapOptions options;
  options.url = s.url;
  options.connect_timeout = options.timeout = std::chrono::milliseconds(2000);
  std::unique_ptr<vsphere::SoapClient> client;
  REQUIRE(vsphere::SoapClient::Create(options, &client).ok());
  const vsphere::ServiceContent sc;
  Collector collector(s, *client, sc, {"monitor", "secret"}, nullptr);
  CHECK(collector.Cycle() == zabitan::sender::kExitFailure);
  CHECK(client->calls() == 1);  // the Login, refused at the door
  CHECK_FALSE(std::filesystem::exists(vsphere::SessionFile(s.state_dir, s.url, s.user)));
  CHECK_FALSE(std::filesystem::exists(WatermarkFile(s)));
}

TEST_CASE(
    "vmware-collector/collector: damaged watermarks are said at every verbosity, a first run is "
    "not",
    "[vmware-collector]") {
  ClosedPort closed;
  TempDir dir;
  const Settings s = DryRun(closed.Url(), dir.path());
  vsphere::SoapOptions options;
  options.url = s.url;
  std::unique_ptr<vsphere::SoapClient> client;
  REQUIRE(vsphere::SoapClient::Create(options, &client).ok());
  const vsphere::ServiceContent sc;
  {
    CapturedStderr err(dir.path() + "/first.err");
    Collector first(s, *client, sc, {"monitor", "secret"}, nullptr);  // no state files yet
    CHECK(err.Text().empty());
  }
  std::ofstream(WatermarkFile(s)) << "{\"5001-aa\": 17";  // cut short
  std::ofstream(InventoryFile(s)) << "";  // damaged too, but only a cost: said at -v
  CapturedStderr err(dir.path() + "/damaged.err");
  Collector damaged(s, *client, sc, {"monitor", "secret"}, nullptr);
  CHECK(err.Text() ==
        "zabitan-vmware: warning: " + WatermarkFile(s) +
            ": damaged (not JSON): samples of the last 5 minutes may be sent again\n");
}
