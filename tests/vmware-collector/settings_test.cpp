#include "zabitan/vmware_collector/settings.h"

#include <stdlib.h>

#include <catch2/catch.hpp>

#include "../temp_files.h"

using namespace zabitan::vmware_collector;
using zabitan::testing::TempFile;

TEST_CASE("vmware-collector/settings: the defaults fill what nothing set", "[vmware-collector]") {
  Settings s;
  s.config = "/nonexistent/zabitan.toml";  // not given: a missing file is no config
  REQUIRE(ApplyConfig(&s, false).ok());
  CHECK(s.state_dir == kDefaultStateDir);
  CHECK(s.interval == kDefaultInterval);
  CHECK(s.timeout == kDefaultTimeout);
  CHECK(s.inventory_refresh == kDefaultInventoryRefresh);
  CHECK(s.concurrency == kDefaultConcurrency);
  CHECK(s.spool_max_bytes == kDefaultSpoolMaxBytes);
  CHECK_FALSE(s.daemon);
}

TEST_CASE("vmware-collector/settings: [vmware] fills what the command line left unset",
          "[vmware-collector]") {
  TempFile config(
      "[vmware]\nurl = \"https://vc/sdk\"\nuser = \"monitor\"\ninterval = 30\ninventory_refresh = "
      "0\n"
      "vm_counters = [\"mem.shared.average\"]\ndaemon = true\nconcurrency = 4\n",
      0600);
  Settings s;
  s.config = config.path();
  s.user = "admin";  // the command line wins
  s.concurrency = 2;
  REQUIRE(ApplyConfig(&s, true).ok());
  CHECK(s.url == "https://vc/sdk");
  CHECK(s.user == "admin");
  CHECK(s.interval == 30);
  CHECK(s.inventory_refresh == 0);  // 0 is a value (every run), not "unset"
  CHECK(s.concurrency == 2);
  CHECK(s.vm_counters == std::vector<std::string>{"mem.shared.average"});
  CHECK(s.daemon);

  Settings once;
  once.config = config.path();
  once.once = true;  // --once wins over daemon = true
  REQUIRE(ApplyConfig(&once, true).ok());
  CHECK_FALSE(once.daemon);
}

TEST_CASE("vmware-collector/settings: a key it does not know or a value out of range is refused",
          "[vmware-collector]") {
  TempFile unknown("[vmware]\nurll = \"x\"\n", 0600);
  Settings s;
  s.config = unknown.path();
  CHECK_FALSE(ApplyConfig(&s, true).ok());
  TempFile range("[vmware]\nconcurrency = 65\n", 0600);
  Settings r;
  r.config = range.path();
  CHECK_FALSE(ApplyConfig(&r, true).ok());
  Settings missing;
  missing.config = "/nonexistent/zabitan.toml";
  CHECK_FALSE(ApplyConfig(&missing, true).ok());  // given but absent
}

TEST_CASE(
    "vmware-collector/settings: the password from its file or the environment, never empty-handed",
    "[vmware-collector]") {
  TempFile file("s3cret\r\n", 0600);
  Settings s;
  s.password_file = file.path();
  std::string password;
  REQUIRE(ReadPassword(s, &password).ok());
  CHECK(password == "s3cret");

  TempFile open_file("s3cret\n", 0644);  // readable by others: refused
  s.password_file = open_file.path();
  CHECK_FALSE(ReadPassword(s, &password).ok());

  Settings env;
  ::setenv("ZABITAN_VMWARE_PASSWORD", "from-env", 1);
  REQUIRE(ReadPassword(env, &password).ok());
  CHECK(password == "from-env");
  ::unsetenv("ZABITAN_VMWARE_PASSWORD");
  CHECK_FALSE(ReadPassword(env, &password).ok());
}

TEST_CASE("vmware-collector/settings: state files per endpoint (and user)", "[vmware-collector]") {
  Settings a;
  a.state_dir = "/s";
  a.url = "https://vc1/sdk";
  a.user = "u";
  Settings b = a;
  b.user = "v";
  CHECK(InventoryFile(a).starts_with("/s/inventory-"));
  CHECK(InventoryFile(a) != InventoryFile(b));  // per user: the session it belongs to
  CHECK(WatermarkFile(a) == WatermarkFile(b));  // per endpoint: what was sent from it
  CHECK(WatermarkFile(a).starts_with("/s/perf-"));
}

TEST_CASE(
    "vmware-collector/settings: name_suffix from [vmware]; too long or a control char refused",
    "[vmware-collector]") {
  TempFile ok("[vmware]\nname_suffix = \"vc-b\"\n", 0600);
  for (auto [given, want] : {std::pair{"", "vc-b"}, std::pair{"east", "east"}}) {  // CLI wins
    Settings s;
    s.config = ok.path();
    s.name_suffix = given;
    REQUIRE(ApplyConfig(&s, true).ok());
    CHECK(s.name_suffix == want);
  }
  for (const std::string& bad : {std::string(kMaxNameSuffix + 1, 'x'), std::string("a\tb")}) {
    Settings b;
    b.config = "/nonexistent/zabitan.toml";
    b.name_suffix = bad;
    zabitan::Status st = ApplyConfig(&b, false);
    CHECK_FALSE(st.ok());
    CHECK(st.message().find("--name-suffix") != std::string::npos);
  }
}
