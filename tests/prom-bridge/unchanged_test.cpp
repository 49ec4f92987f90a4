// UnchangedFilter (unchanged.h): Zabbix's "Discard unchanged with heartbeat" at the edge: an
// unchanged value is due once per heartbeat, a changed one at once, a new item at once; the
// memory survives a cron run, forgets what was not seen for a heartbeat, and starts afresh from
// a damaged file; discard_unchanged is read from [prom] and a target's table.
#include "zabitan/prom_bridge/unchanged.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "zabitan/prom_bridge/config.h"

namespace {

using zabitan::prom_bridge::UnchangedFilter;

// Runs the rule over a series of (clock, value) scrapes as the delivery does (every value due
// is sent and accepted) and returns the clocks sent.
std::vector<int64_t> SentClocks(UnchangedFilter* f, const std::string& key,
                                const std::vector<std::pair<int64_t, std::string>>& scrapes,
                                int64_t heartbeat) {
  std::vector<int64_t> sent;
  for (const auto& [clock, value] : scrapes) {
    if (!f->Due(key, value, clock, heartbeat)) continue;
    f->Sent(key, value, clock);
    sent.push_back(clock);
  }
  return sent;
}

}  // namespace

TEST_CASE("unchanged: once per heartbeat when constant, every scrape when changing",
          "[unchanged]") {
  UnchangedFilter f;
  std::vector<std::pair<int64_t, std::string>> constant, changing;
  for (int64_t t = 1000; t < 1000 + 10 * 60; t += 60) {  // ten scrapes a minute apart
    constant.emplace_back(t, "1");
    changing.emplace_back(t, std::to_string(t * 2));
  }
  // Heartbeat 300 s: 1000 (first), 1300 (300 s later: due), 1600 is past the last scrape.
  CHECK(SentClocks(&f, "prom.value[up,]", constant, 300) == std::vector<int64_t>{1000, 1300});
  CHECK(SentClocks(&f, "prom.value[x_total,]", changing, 300).size() == 10);
  // A heartbeat that is not a multiple of the interval: due at the first scrape at or after it.
  UnchangedFilter g;
  CHECK(SentClocks(&g, "k", constant, 150) == std::vector<int64_t>{1000, 1180, 1360, 1540});
  // Off: every value.
  UnchangedFilter off;
  CHECK(SentClocks(&off, "k", constant, 0).size() == 10);
  CHECK(off.size() == 1);  // the caller records nothing when off; Sent still remembers
}

TEST_CASE("unchanged: a change goes at once and restarts the heartbeat", "[unchanged]") {
  UnchangedFilter f;
  CHECK(f.Due("k", "1", 100, 60));  // never sent: the first value of a new series
  f.Sent("k", "1", 100);
  CHECK_FALSE(f.Due("k", "1", 110, 60));
  CHECK_FALSE(f.Due("k", "1", 159, 60));
  CHECK(f.Due("k", "2", 120, 60));  // changed: at once
  f.Sent("k", "2", 120);
  CHECK_FALSE(f.Due("k", "2", 170, 60));  // 50 s after the change's send
  CHECK(f.Due("k", "1", 170, 60));        // back to the old value: a change too
  CHECK(f.Due("k", "2.0", 170, 60));      // compared as sent (text), as Zabbix compares strings
  CHECK(f.Due("k", "2", 119, 60));        // a clock set back: due
  CHECK(f.Due("other", "2", 170, 60));    // another item is not this one's
  // Not recorded (the delivery was refused or spooled): still due at the next scrape.
  CHECK(f.Due("k", "3", 180, 60));
  CHECK(f.Due("k", "3", 190, 60));
  f.Clear();
  CHECK(f.Due("k", "2", 171, 60));  // forgotten after a failed delivery: everything goes again
}

TEST_CASE("unchanged: saved, loaded, bounded; missing and damaged files", "[unchanged]") {
  char dir[] = "/tmp/zabitan-unchanged-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  const std::string file = zabitan::prom_bridge::UnchangedStateFile(dir, "web01");
  CHECK(file != zabitan::prom_bridge::UnchangedStateFile(dir, "web02"));
  {
    UnchangedFilter f;
    REQUIRE(f.Load(file).ok());  // missing: empty
    CHECK(f.size() == 0);
    f.Sent("old", "1", 1000);
    f.Sent("k", "7", 2000);
    f.Sent("seen", "5", 1500);
    CHECK_FALSE(f.Due("seen", "5", 1900, 600));  // seen at 1900, not sent
    // "old" was last seen 1000 s before the newest (2000): longer than the heartbeat (600),
    // so its next value is due anyway and it is forgotten; "seen" (100 s) is kept.
    REQUIRE(f.Save(file, 600).ok());
    CHECK(f.size() == 2);
  }
  UnchangedFilter f;
  REQUIRE(f.Load(file).ok());
  CHECK(f.size() == 2);
  CHECK_FALSE(f.Due("k", "7", 2010, 600));  // a cron run after the one that sent it
  CHECK(f.Due("k", "8", 2010, 600));
  CHECK_FALSE(f.Due("seen", "5", 2090, 600));
  CHECK(f.Due("old", "1", 2010, 600));
  for (const char* bad : {"{\"k\": [\"1\", 2]}", "[1,2]", "{\"k\": [1, 2, 3]}", "{tr"}) {
    std::ofstream(file, std::ios::trunc) << bad;
    UnchangedFilter d;
    d.Sent("other", "x", 1);
    zabitan::Status s = d.Load(file);
    CHECK_FALSE(s.ok());
    CHECK(s.message().find(file) != std::string::npos);
    CHECK(d.size() == 0);  // damaged: every value goes once
  }
  std::remove(file.c_str());
  std::remove((file + ".tmp").c_str());
  rmdir(dir);
}

TEST_CASE("unchanged: discard_unchanged in [prom] and a target's table", "[unchanged]") {
  using namespace zabitan::prom_bridge;
  zabitan::Config c;
  REQUIRE(zabitan::Config::Parse(R"([prom]
zabbix_host = "web01"
discard_unchanged = 600
[prom.targets.a]
url = "http://a/metrics"
[prom.targets.b]
url = "http://b/metrics"
discard_unchanged = 0
)",
                                 "z.toml", &c)
              .ok());
  PromSettings p;
  REQUIRE(ReadPromSettings(c, &p).ok());
  REQUIRE(p.targets.size() == 2);
  Target a, b, none;
  TargetSettings s = p.targets[0].second;
  s.Under(p.defaults);
  REQUIRE(MakeTarget("a", s, &a).ok());
  CHECK(a.discard_unchanged == 600);
  s = p.targets[1].second;
  s.Under(p.defaults);
  REQUIRE(MakeTarget("b", s, &b).ok());
  CHECK(b.discard_unchanged == 0);  // the table over [prom]
  TargetSettings plain;
  plain.url = "http://c/";
  plain.zabbix_host = "h";
  REQUIRE(MakeTarget("c", plain, &none).ok());
  CHECK(none.discard_unchanged == 0);  // off by default
  REQUIRE(zabitan::Config::Parse("[prom]\ndiscard_unchanged = -1\n", "z.toml", &c).ok());
  CHECK(ReadPromSettings(c, &p).message() ==
        "z.toml:2: prom.discard_unchanged: -1 is outside 0..2592000");
}
