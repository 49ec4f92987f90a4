// Cloning a scaling group's template: the clone's name and when the decision clones (the
// CloneVM_Task request and reply: tests/vsphere/vm_power_test.cpp, vm_replies_test.cpp).
#include <catch2/catch.hpp>

#include "decision.h"
#include "invocations.h"
#include "zabitan/remote_cmd/error.h"
#include "zabitan/remote_cmd/policy.h"

using namespace zabitan::remote_cmd;
using zabitan::testing::Up;

namespace {

Group Web() {
  Group g;
  g.name = "web";
  g.pool = {"web-1"};
  g.max = 3;
  g.clone_template = "web-template";
  g.name_pattern = "web-{n:02}";
  return g;
}

}  // namespace

TEST_CASE("clone names: {n} and {n:0W}, exactly one placeholder") {
  CHECK(CloneName("web-{n:02}", 3) == "web-03");
  CHECK(CloneName("web-{n:02}", 123) == "web-123");
  CHECK(CloneName("web{n}", 7) == "web7");
  CHECK(CloneName("{n:03}-app", 7) == "007-app");
  CHECK(CloneName("web", 1).empty());
  CHECK(CloneName("web-{n}-{n}", 1).empty());
  CHECK(CloneName("web-{n:x}", 1).empty());
  CHECK(CloneName("web-{n:2}", 1).empty());
  CHECK(CloneName("web-{n", 1).empty());
  CHECK(CheckNamePattern("web-{n:02}").ok());
  CHECK_FALSE(CheckNamePattern("web").ok());
}

TEST_CASE("scale-up clones the template when no pool VM is off, under the next free name") {
  GroupState state;
  std::vector<PoolMember> pool = {{"web-1", "poweredOn"}};
  Decision d = Decide(Up("1"), Web(), state, pool, 1000000, {"web-1", "web-01", "web-template"});
  CHECK(d.kind == Decision::kClone);
  CHECK(d.vm == "web-02");
  CHECK(d.members == 1);

  // A powered-off clone of ours is powered on again before anything is cloned.
  pool = {{"web-1", "poweredOn"}, {"web-01", "poweredOff"}};
  d = Decide(Up("2"), Web(), state, pool, 1000000, {"web-1", "web-01", "web-template"});
  CHECK(d.kind == Decision::kPowerOn);
  CHECK(d.vm == "web-01");

  // max counts clones too.
  pool = {{"web-1", "poweredOn"}, {"web-01", "poweredOn"}, {"web-02", "poweredOn"}};
  d = Decide(Up("3"), Web(), state, pool, 1000000, {"web-1", "web-01", "web-02"});
  CHECK(d.kind == Decision::kNothing);
  CHECK(d.reason.find("maximum") != std::string::npos);

  // Without a template: nothing, as before.
  Group no_template = Web();
  no_template.clone_template.clear();
  pool = {{"web-1", "poweredOn"}};
  d = Decide(Up("4"), no_template, state, pool, 1000000, {"web-1"});
  CHECK(d.kind == Decision::kNothing);
}

TEST_CASE("policy: template, name pattern and placement of a group") {
  auto load = [](const std::string& group, Policy* p) {
    zabitan::Config c;
    zabitan::Status s = zabitan::Config::Parse(
        "[remote_cmd]\nurl = \"https://vc/sdk\"\nuser = \"u\"\npassword_file = "
        "\"/etc/zabitan/pw\"\n"
        "[remote_cmd.groups.web]\nhosts = [\"vm-web01\"]\n" +
            group,
        "z.toml", &c);
    return s.ok() ? LoadPolicy(c, p) : s;
  };
  Policy p;
  REQUIRE(load("template = \"web-template\"\nname_pattern = \"web-{n:02}\"\nfolder = \"web\"\n"
               "resource_pool = \"Resources\"\ndatastore = \"ds1\"\nmax = 4\n",
               &p)
              .ok());
  REQUIRE(p.groups.size() == 1);
  CHECK(p.groups[0].pool.empty());
  CHECK(p.groups[0].clone_template == "web-template");
  CHECK(p.groups[0].name_pattern == "web-{n:02}");
  CHECK(p.groups[0].folder == "web");
  CHECK(p.groups[0].resource_pool == "Resources");
  CHECK(p.groups[0].datastore == "ds1");

  REQUIRE(load("template = \"web-template\"\n", &p).ok());
  CHECK(p.groups[0].name_pattern == "web-{n:02}");  // the group's name, numbered

  zabitan::Status bad = load("template = \"t\"\nname_pattern = \"web\"\n", &p);
  CHECK(bad.code() == zabitan::remote_cmd::Errc::kBadPolicy);
  CHECK(bad.message().find("name_pattern") != std::string::npos);
  CHECK_FALSE(load("max = 2\n", &p).ok());  // neither pool nor template
}
