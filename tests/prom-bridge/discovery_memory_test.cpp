// DiscoveryMemory (discovery_memory.h): a family's discovery value is due when its rows
// changed, when the refresh interval has passed, and after a missing or damaged state file.
#include "zabitan/prom_bridge/discovery_memory.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include <catch2/catch.hpp>

#include "zabitan/prom_bridge/mapping.h"

namespace {

using zabitan::prom_bridge::DiscoveryMemory;

// The discovery value the Mapper makes for `body` (the bridge's own rows, not a hand-written one).
std::string Rows(const std::string& body) {
  std::vector<zabitan::sender::Value> values;
  zabitan::prom_bridge::MappingOptions o;
  o.host = std::string("web01");
  zabitan::prom_bridge::Mapper mapper(o, 1000, &values);
  zabitan::prom_bridge::Parser parser(zabitan::prom_bridge::Format::kText004, {}, &mapper);
  parser.Feed(body);
  REQUIRE(parser.Finish().ok());
  for (const auto& v : values) {
    if (v.key == "prom.discovery[up]") return v.value;
  }
  FAIL("no prom.discovery[up] in the values");
  return {};
}

const char* kTwo = "up{job=\"a\",instance=\"x\"} 1\nup{job=\"a\",instance=\"y\"} 1\n";
const char* kThree =
    "up{job=\"a\",instance=\"x\"} 1\nup{job=\"a\",instance=\"y\"} 1\nup{job=\"a\",instance=\"z\"} "
    "0\n";

}  // namespace

TEST_CASE("discovery memory: unchanged rows are not due until the refresh", "[discovery]") {
  const std::string key = "prom.discovery[up]";
  const std::string two = Rows(kTwo), three = Rows(kThree);
  DiscoveryMemory m(3600);
  CHECK(m.Due(key, two, 1000));  // never sent
  m.Delivered(key, two, 1000);
  // The next scrape, same series, other values: its discovery value is the same and not due.
  CHECK(Rows("up{job=\"a\",instance=\"x\"} 0\nup{job=\"a\",instance=\"y\"} 0\n") == two);
  CHECK_FALSE(m.Due(key, two, 1010));
  CHECK_FALSE(m.Due(key, two, 1000 + 3599));
  // One series added: due, with all three rows.
  CHECK(m.Due(key, three, 1020));
  CHECK(three.find("instance=x") != std::string::npos);
  CHECK(three.find("instance=z") != std::string::npos);
  m.Delivered(key, three, 1020);
  CHECK_FALSE(m.Due(key, three, 1030));
  // One vanished: due again; a label changed (job): due.
  CHECK(m.Due(key, two, 1040));
  CHECK(m.Due(key,
              Rows("up{job=\"b\",instance=\"x\"} 1\nup{job=\"b\",instance=\"y\"} "
                   "1\nup{job=\"b\",instance=\"z\"} 0\n"),
              1040));
  // The refresh: due an hour after it was delivered, whatever the rows; a clock set back too.
  CHECK(m.Due(key, three, 1020 + 3600));
  CHECK(m.Due(key, three, 1019));
  // Another family is not this one's.
  CHECK(m.Due("prom.discovery[down]", three, 1030));
}

TEST_CASE("discovery memory: saved, loaded, missing and damaged files", "[discovery]") {
  char dir[] = "/tmp/zabitan-discovery-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  const std::string file = zabitan::prom_bridge::DiscoveryStateFile(dir, "web01");
  CHECK(file != zabitan::prom_bridge::DiscoveryStateFile(dir, "web02"));
  const std::string key = "prom.discovery[up]", two = Rows(kTwo);
  {
    DiscoveryMemory m;
    REQUIRE(m.Load(file).ok());  // missing: empty
    CHECK(m.size() == 0);
    m.Delivered(key, two, 5000);
    REQUIRE(m.Save(file).ok());
  }
  DiscoveryMemory m;
  REQUIRE(m.Load(file).ok());
  CHECK_FALSE(m.Due(key, two, 5010));  // a cron run after the one that sent it
  CHECK(m.Due(key, Rows(kThree), 5010));
  for (const char* bad : {"{\"prom.discovery[up]\": [1]}", "[1,2]", "{\"k\": [-1, 2]}", "{tr"}) {
    std::ofstream(file, std::ios::trunc) << bad;
    DiscoveryMemory d;
    d.Delivered("other", "x", 1);
    zabitan::Status s = d.Load(file);
    CHECK_FALSE(s.ok());
    CHECK(s.message().find(file) != std::string::npos);
    CHECK(d.size() == 0);  // damaged: everything is due again
    CHECK(d.Due(key, two, 5010));
  }
  std::remove(file.c_str());
  // A file in the way (here a folder) is not a first run: an error with its errno, not silence.
  REQUIRE(mkdir(file.c_str(), 0700) == 0);
  zabitan::Status in_the_way = DiscoveryMemory().Load(file);
  CHECK(in_the_way.code() == std::errc::is_a_directory);
  CHECK(in_the_way.message().find(file) != std::string::npos);
  rmdir(file.c_str());
  std::remove((file + ".tmp").c_str());
  rmdir(dir);
}
