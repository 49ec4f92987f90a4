#include "zabitan/remote_cmd/policy.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "zabitan/remote_cmd/audit.h"
#include "zabitan/remote_cmd/error.h"

using namespace zabitan;
using namespace zabitan::remote_cmd;

namespace {

Status Load(const std::string& text, Policy* p) {
  Config c;
  if (Status s = Config::Parse(text, "z.toml", &c); !s.ok()) return s;
  return LoadPolicy(c, p);
}

const char* kGood = R"([remote_cmd]
url = "https://vc/sdk"
user = "u"
password_file = "/etc/zabitan/pw"
report_server = "127.0.0.1"
report_host = "zabitan-endpoint"
[remote_cmd.groups.web]
hosts = ["vm-web01", "vm-web02"]
pool = ["web-3", "web-4"]
max = 2
cooldown = 60
[remote_cmd.groups.db]
hosts = ["vm-db01"]
pool = ["db-2"]
url = "https://other/sdk"
)";

// One group with its host and an endpoint, but no pool yet.
const char* kOneGroup = R"([remote_cmd]
url = "u"
user = "u"
password_file = "p"
[remote_cmd.groups.g]
hosts = ["h"]
)";

}  // namespace

TEST_CASE("policy: groups, defaults and per-group endpoints", "[remote][policy]") {
  Policy p;
  REQUIRE(Load(kGood, &p).ok());
  REQUIRE(p.groups.size() == 2);
  const Group* web = p.GroupFor("vm-web02");
  REQUIRE(web != nullptr);
  CHECK(web->name == "web");
  CHECK(web->max == 2);
  CHECK(web->cooldown == std::chrono::seconds(60));
  CHECK(web->endpoint.url == "https://vc/sdk");
  CHECK(p.GroupFor("vm-db01")->endpoint.url == "https://other/sdk");
  CHECK(p.GroupFor("vm-db01")->endpoint.user == "u");
  CHECK(p.GroupFor("nobody") == nullptr);
  CHECK(p.time_budget == std::chrono::seconds(25));
  CHECK(p.state_dir == kDefaultStateDir);
  CHECK(p.scale_up_speech.find("Fedoraさんにお手伝いをお願いしたよ") != std::string::npos);
}

TEST_CASE("policy: what is refused", "[remote][policy]") {
  Policy p;
  std::string bad =
      std::string(kGood) + "[remote_cmd.groups.dup]\nhosts = [\"vm-web01\"]\npool = [\"x\"]\n";
  CHECK(Load(bad, &p).code() == zabitan::remote_cmd::Errc::kBadPolicy);
  CHECK(Load(bad, &p).message() ==
        "z.toml: remote_cmd.groups.web.hosts: \"vm-web01\" is in group dup too");
  CHECK(Load("[remote_cmd.groups.g]\nhosts = [\"h\"]\n", &p).message() ==
        "z.toml: remote_cmd.groups.g.pool: no VM to scale (nor a pool_folder or a template)");
  CHECK(Load("[remote_cmd.groups.g]\nhosts = [\"h\"]\npool = [\"v\"]\n", &p).message() ==
        "z.toml: remote_cmd.groups.g: url, user and password_file are needed (here or in "
        "[remote_cmd])");
  CHECK(Load("[remote_cmd]\nurl=\"u\"\nuser=\"u\"\npassword_file=\"p\"\n[remote_cmd.groups.g]"
             "\nhosts = [\"h\"]\npool = [\"v\"]\nmin = 3\nmax = 2\n",
             &p)
            .message() == "z.toml: remote_cmd.groups.g: min is above max");
  CHECK(Load("[remote_cmd]\nshell = \"/bin/sh\"\n", &p).message() ==
        "z.toml:2: remote_cmd.shell: unknown key");
  CHECK(Load("[remote_cmd.groups.\"a b\"]\n", &p).message() ==
        "z.toml: remote_cmd.groups.a b: a group name is letters, digits, '_' and '-'");
  CHECK(Load("[remote_cmd]\nreport_server = \"x\"\n", &p).message() ==
        "z.toml: remote_cmd.report_host: required with report_server");
}

TEST_CASE("policy: pool_folder, alone or with pool", "[remote][policy]") {
  const std::string head = kOneGroup;
  Policy p;
  REQUIRE(Load(head + "pool_folder = \"DC0/vm/web-pool\"\n", &p).ok());
  CHECK(p.groups[0].pool_folder == "DC0/vm/web-pool");
  CHECK(p.groups[0].pool.empty());
  REQUIRE(Load(head + "pool = [\"web-03\"]\npool_folder = \"Folder 1/DC 0/vm/ウェブ/pool\"\n", &p)
              .ok());
  CHECK(p.groups[0].pool == std::vector<std::string>{"web-03"});
  CHECK(p.groups[0].pool_folder == "Folder 1/DC 0/vm/ウェブ/pool");
  REQUIRE(Load(head + "pool = [\"web-03\"]\n", &p).ok());
  CHECK(p.groups[0].pool_folder.empty());
  CHECK(Load(head, &p).message() ==
        "z.toml: remote_cmd.groups.g.pool: no VM to scale (nor a pool_folder or a template)");
}

TEST_CASE("policy: a pool_folder that is no inventory path is refused", "[remote][policy]") {
  const std::string head = kOneGroup;
  const std::string where = "z.toml: remote_cmd.groups.g.pool_folder: ";
  Policy p;
  CHECK(Load(head + "pool_folder = \"\"\n", &p).message() ==
        where + "an inventory path is needed, e.g. \"DC0/vm/web-pool\"");
  for (const char* path : {"/DC0/vm/web", "DC0/vm/web/", "DC0//web", "/", "//"}) {
    CHECK(Load(head + "pool_folder = \"" + path + "\"\n", &p).message() ==
          where + "\"" + path + "\": an empty name (a '/' at an end, or two in a row)");
  }
  CHECK(Load(head + "pool_folder = \"DC0/vm/a\\tb\"\n", &p).message() ==
        where + "\"DC0/vm/a\\x09b\": control character or invalid UTF-8");
  CHECK(Load(head + "pool_folder = \"DC0/vm/\\u0085\"\n", &p).code() ==
        zabitan::remote_cmd::Errc::kBadPolicy);
  CHECK(Load(head + "pool_folder = \"DC0/vm/\\u007f\"\n", &p).code() ==
        zabitan::remote_cmd::Errc::kBadPolicy);
  const std::string longest = "DC0/vm/" + std::string(kMaxInventoryPath - 7, 'x');
  CHECK(Load(head + "pool_folder = \"" + longest + "\"\n", &p).ok());
  zabitan::Status too_long = Load(head + "pool_folder = \"" + longest + "x\"\n", &p);
  CHECK(too_long.code() == zabitan::remote_cmd::Errc::kBadPolicy);
  CHECK(too_long.message().find("longer than 1024 bytes") != std::string::npos);
  CHECK(Load(head + "pool_folder = [\"DC0/vm/web\"]\n", &p).message().find("pool_folder") !=
        std::string::npos);
}

TEST_CASE("policy: inventory paths", "[remote][policy]") {
  CHECK(CheckInventoryPath("DC0/vm").ok());
  CHECK(CheckInventoryPath("DC0/vm/web-pool").ok());
  CHECK(CheckInventoryPath("DC0/vm/a%2fb").ok());  // a '/' inside a name, as vSphere escapes it
  CHECK_FALSE(CheckInventoryPath("DC0/vm/\xff").ok());
  CHECK_FALSE(CheckInventoryPath(std::string("DC0/vm/a\0b", 10)).ok());
}

TEST_CASE("audit: one JSON line, hostile arguments escaped", "[remote][audit]") {
  AuditRecord r;
  r.args = {"scale-up", "--host", "vm\n$(id)\xff"};
  r.outcome = "rejected";
  r.detail = "rejected: --host";
  std::string line = AuditLine(r);
  CHECK(line.find('\n') == std::string::npos);
  auto j = nlohmann::json::parse(line);
  CHECK(j["args"][2] == "vm\n$(id)\xef\xbf\xbd");
  CHECK(j["outcome"] == "rejected");
}
