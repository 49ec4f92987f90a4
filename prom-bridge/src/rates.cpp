// zabitan — counter rates computed by the bridge (rates.h).
#include "zabitan/prom_bridge/rates.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "state_file.h"
#include "zabitan/common/whole_file.h"
#include "zabitan/sender/pending.h"

namespace zabitan::prom_bridge {

std::optional<double> RateState::Update(const std::string& key, double value, int64_t time_ms) {
  auto [it, added] = last_.try_emplace(key, Last{value, time_ms});
  if (added) return std::nullopt;
  Last prev = it->second;
  if (time_ms <= prev.time_ms) return std::nullopt;  // not newer: keep the earlier one
  it->second = {value, time_ms};
  double increase = value >= prev.value ? value - prev.value : value;  // lower: a reset
  return increase / (static_cast<double>(time_ms - prev.time_ms) / 1000.0);
}

Status RateState::Load(const std::string& path) {
  last_.clear();
  nlohmann::json doc;
  if (Status s = ReadStateObject(path, "rate state", &doc); !s.ok()) return s;
  for (const auto& [key, v] : doc.items()) {
    if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number_integer()) {
      last_.clear();
      return Status::Error("rate state " + path + ": damaged entry for " + key);
    }
    last_[key] = {v[0].get<double>(), v[1].get<int64_t>()};
  }
  return Status::Ok();
}

Status RateState::Save(const std::string& path, int64_t keep_ms) {
  int64_t newest = 0;
  for (const auto& [key, last] : last_) newest = std::max(newest, last.time_ms);
  std::erase_if(last_, [&](const auto& e) { return newest - e.second.time_ms > keep_ms; });
  nlohmann::json doc = nlohmann::json::object();
  for (const auto& [key, last] : last_) doc[key] = {last.value, last.time_ms};
  return WriteFileWhole(path, doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string RateStateFile(const std::string& state_dir, const std::string& host,
                          const std::string& url) {
  char name[40];
  std::snprintf(name, sizeof name, "/rates-%016" PRIx64 ".json", sender::ItemHash(host, url));
  return state_dir + name;
}

}  // namespace zabitan::prom_bridge
