#include "zabitan/prom_bridge/config.h"

#include <catch2/catch.hpp>

using namespace zabitan;
using namespace zabitan::prom_bridge;

namespace {

Status Read(const std::string& text, PromSettings* out) {
  Config c;
  Status s = Config::Parse(text, "z.toml", &c);
  return s.ok() ? ReadPromSettings(c, out) : s;
}

}  // namespace

TEST_CASE("prom config: [prom] defaults and a table per target", "[prom]") {
  PromSettings p;
  REQUIRE(Read(R"([prom]
zabbix_server = "zbx"
zabbix_host = "web01"
interval = 30
timeout = 2.5
tls_connect = "psk"
tls_psk_identity = "id"
include = ["node_*"]
[prom.targets.node]
url = "http://localhost:9100/metrics"
match = ['mode!="idle"']
rates = ["node_cpu_*"]
[prom.targets.router]
url = "https://10.0.0.1:9100/metrics"
zabbix_host = "router"
interval = 0.5
proxy_protocol = 2
quantiles = [0.5, 1]
)",
               &p)
              .ok());
  CHECK(*p.zabbix_server == "zbx");
  CHECK(p.tls.at("connect") == "psk");
  CHECK(p.tls.at("psk_identity") == "id");
  REQUIRE(p.targets.size() == 2);
  CHECK(p.targets[0].first == "node");  // by name
  CHECK(p.targets[1].first == "router");

  Target node, router;
  TargetSettings n = p.targets[0].second;
  n.Under(p.defaults);
  REQUIRE(MakeTarget("node", n, &node).ok());
  CHECK(node.scrape.url == "http://localhost:9100/metrics");
  CHECK(node.mapping.host == "web01");
  CHECK(node.interval == std::chrono::seconds(30));
  CHECK(node.scrape.timeout == std::chrono::milliseconds(2500));
  CHECK(node.mapping.include == std::vector<std::string>{"node_*"});
  CHECK(node.mapping.rates == std::vector<std::string>{"node_cpu_*"});
  REQUIRE(node.mapping.matchers.size() == 1);
  CHECK(node.mapping.matchers[0].op() == LabelMatcher::Op::kNotEqual);

  TargetSettings r = p.targets[1].second;
  r.Under(p.defaults);
  REQUIRE(MakeTarget("router", r, &router).ok());
  CHECK(router.mapping.host == "router");  // the table over [prom]
  CHECK(router.interval == std::chrono::milliseconds(500));
  CHECK(router.scrape.proxy_protocol == 2);
  CHECK(router.mapping.quantiles == std::vector<double>{0.5, 1});

  // A flag over both: the command line's layer is the upper one.
  TargetSettings flags;
  flags.interval = 5;
  flags.Under(r);
  flags.Under(p.defaults);
  REQUIRE(MakeTarget("router", flags, &router).ok());
  CHECK(router.interval == std::chrono::seconds(5));
  CHECK(router.mapping.host == "router");
}

TEST_CASE("prom config: one line naming the file, the key and what is wrong", "[prom]") {
  PromSettings p;
  CHECK(Read("[prom]\nintervall = 3\n", &p).message() == "z.toml:2: prom.intervall: unknown key");
  CHECK(Read("[prom.targets.a]\nurl = \"http://x\"\n\ntimout = 3\n", &p).message() ==
        "z.toml:4: prom.targets.a.timout: unknown key");
  CHECK(Read("[prom.targets.a]\nurl = \"http://x\"\ninterval = \"60\"\n", &p).message() ==
        "z.toml:3: prom.targets.a.interval: expected a number");
  CHECK(Read("[prom.targets.a]\nurl = \"http://x\"\ninterval = 0\n", &p).message() ==
        "z.toml:3: prom.targets.a.interval: outside 0.1..86400");
  CHECK(Read("[prom.targets.a]\ninterval = 1\n", &p).message() ==
        "z.toml: prom.targets.a.url: missing (the target's address)");
  CHECK(Read("[prom]\nurl = \"http://x\"\n", &p).message() ==
        "z.toml:2: prom.url: unknown key");  // a target's key: in [prom.targets.NAME]
  CHECK(Read("[prom]\ntargets = 1\n", &p).message().find("prom.targets") != std::string::npos);
  CHECK(Read("[prom.targets]\nurl = \"http://x\"\n", &p).message() ==
        "z.toml:2: prom.targets.url: unknown key (each target is a table: [prom.targets.NAME])");
  CHECK(Read("[prom.targets.a]\nurl = \"http://x\"\nmatch = ['job=x']\n", &p).message() ==
        "z.toml:3: prom.targets.a.match: label matcher job=x: the value is not quoted (write "
        "name=\"value\", !=, =~ or !~)");
  CHECK(Read("[prom]\ntls_psk_fil = \"x\"\n", &p).message() ==
        "z.toml:2: prom.tls_psk_fil: unknown key");
}

TEST_CASE("prom config: targets that cannot be scraped are refused up front", "[prom]") {
  Target t;
  TargetSettings s;
  s.url = "ftp://x/metrics";
  s.zabbix_host = "h";
  CHECK(MakeTarget("a", s, &t).message() ==
        "target a: ftp://x/metrics: not http://, https:// or unix:SOCKET[:/PATH]");
  s.url = "unix:/run/x.sock";
  s.proxy_protocol = 1;
  CHECK(MakeTarget("a", s, &t).message().find("PROXY header is for TCP") != std::string::npos);
  s.proxy_protocol.reset();
  s.zabbix_host.reset();
  CHECK(MakeTarget("a", s, &t).message().find("no Zabbix host") != std::string::npos);
  s.zabbix_host = "h";
  s.user = "u";
  CHECK(MakeTarget("a", s, &t).message().find("needs both user and password_file") !=
        std::string::npos);
  s.user.reset();
  REQUIRE(MakeTarget("a", s, &t).ok());
  CHECK(t.interval == std::chrono::seconds(60));  // the defaults
  CHECK(t.scrape.timeout == std::chrono::seconds(10));
}

// Issue #20: a target name with a dot. TOML reads [prom.targets.web.example] as a table
// "example" inside a target "web"; only the quoted key [prom.targets."web.example"] names
// one target "web.example".
TEST_CASE("prom config: a quoted target name with a dot is one target", "[prom]") {
  PromSettings p;
  REQUIRE(Read("[prom.targets.\"web.example\"]\nurl = \"http://web.example:9100/metrics\"\n"
               "interval = 5\n",
               &p)
              .ok());
  REQUIRE(p.targets.size() == 1);
  CHECK(p.targets[0].first == "web.example");
  CHECK(*p.targets[0].second.url == "http://web.example:9100/metrics");
  CHECK(*p.targets[0].second.interval == 5);
  // Its errors name it as it is written.
  CHECK(Read("[prom.targets.\"web.example\"]\nurl = \"http://x\"\ntimout = 3\n", &p).message() ==
        "z.toml:3: prom.targets.\"web.example\".timout: unknown key");
}

TEST_CASE("prom config: an unquoted dotted target name is refused, saying why", "[prom]") {
  PromSettings p;
  const std::string why =
      ": a table inside target web: a target name with a dot is quoted: "
      "[prom.targets.\"web.example\"]";
  CHECK(Read("[prom.targets.web.example]\nurl = \"http://x\"\n", &p).message() ==
        "z.toml:1: prom.targets.web.example" + why);
  // Also beside a real target "web" (its keys do not make the nested table a setting).
  CHECK(Read("[prom.targets.web]\nurl = \"http://y\"\n[prom.targets.web.example]\nurl = "
             "\"http://x\"\n",
             &p)
            .message() == "z.toml:3: prom.targets.web.example" + why);
}
