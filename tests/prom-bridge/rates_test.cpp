#include "zabitan/prom_bridge/rates.h"

#include <sys/stat.h>

#include <fstream>

#include <catch2/catch.hpp>

#include "../temp_files.h"

using namespace zabitan::prom_bridge;

TEST_CASE("prom rates: per second, resets, first and stale samples", "[prom]") {
  RateState r;
  CHECK_FALSE(r.Update("k", 100, 10'000));  // first: no rate
  CHECK(*r.Update("k", 160, 40'000) == 2);  // 60 in 30 s
  CHECK_FALSE(r.Update("k", 170, 40'000));  // not newer: no rate, not remembered
  CHECK(*r.Update("k", 190, 50'000) == 3);  // from the one at 40 s
  CHECK(*r.Update("k", 25, 55'000) == 5);   // lower: a reset, 25 since 0 in 5 s
  CHECK(*r.Update("k", 25, 60'000) == 0);
  CHECK_FALSE(r.Update("other", 1, 60'000));  // each key its own
}

TEST_CASE("prom rates: kept in a file across runs, old series forgotten", "[prom]") {
  zabitan::testing::TempDir dir;
  const std::string file = RateStateFile(dir.path(), "web01", "http://localhost:9100/metrics");
  CHECK(file.find(dir.path() + "/rates-") == 0);
  CHECK(file != RateStateFile(dir.path(), "web02", "http://localhost:9100/metrics"));
  {
    RateState r;
    REQUIRE(r.Load(file).ok());  // missing: empty
    r.Update("old", 1, 0);
    r.Update("k", 100, 100'000'000);
    REQUIRE(r.Save(file, 86'400'000).ok());
    CHECK(r.size() == 1);  // "old" is more than a day older than "k"
  }
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  RateState again;
  REQUIRE(again.Load(file).ok());
  CHECK(again.size() == 1);
  CHECK(*again.Update("k", 110, 100'010'000) == 1);
  std::ofstream(file) << "{\"k\": [1]}";
  CHECK(again.Load(file).message().find("damaged entry for k") != std::string::npos);
  CHECK(again.size() == 0);
  std::ofstream(file) << "garbage";
  CHECK(again.Load(file).message() == "rate state " + file + ": not a JSON object");
}
