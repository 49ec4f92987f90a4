// zabitan — "Discard unchanged with heartbeat" at the edge (unchanged.h).
#include "zabitan/prom_bridge/unchanged.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "state_file.h"
#include "zabitan/common/whole_file.h"
#include "zabitan/sender/pending.h"

namespace zabitan::prom_bridge {

bool UnchangedFilter::Due(std::string_view key, std::string_view value, int64_t clock,
                          int64_t heartbeat_s) {
  if (heartbeat_s <= 0) return true;
  auto it = last_.find(std::string(key));
  if (it == last_.end()) return true;
  Last& last = it->second;
  last.seen = std::max(last.seen, clock);
  return last.value != value || clock < last.sent || clock - last.sent >= heartbeat_s;
}

void UnchangedFilter::Sent(std::string_view key, std::string_view value, int64_t clock) {
  Last& last = last_[std::string(key)];
  last.value = std::string(value);
  last.sent = clock;
  last.seen = std::max(last.seen, clock);
}

Status UnchangedFilter::Load(const std::string& path) {
  last_.clear();
  nlohmann::json doc;
  if (Status s = ReadStateObject(path, "unchanged-value state", &doc); !s.ok()) return s;
  for (const auto& [key, v] : doc.items()) {
    if (!v.is_array() || v.size() != 3 || !v[0].is_string() || !v[1].is_number_integer() ||
        !v[2].is_number_integer()) {
      last_.clear();
      return Status::Error("unchanged-value state " + path + ": damaged entry for " + key);
    }
    last_[key] = {v[0].get<std::string>(), v[1].get<int64_t>(), v[2].get<int64_t>()};
  }
  return Status::Ok();
}

Status UnchangedFilter::Save(const std::string& path, int64_t keep_s) {
  int64_t newest = 0;
  for (const auto& [key, last] : last_) newest = std::max(newest, last.seen);
  // Not seen for keep_s (the heartbeat): its last send is older still, so its next value is
  // due whether it is remembered or not.
  std::erase_if(last_, [&](const auto& e) { return newest - e.second.seen > keep_s; });
  nlohmann::json doc = nlohmann::json::object();
  for (const auto& [key, last] : last_) doc[key] = {last.value, last.sent, last.seen};
  return WriteFileWhole(path, doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string UnchangedStateFile(const std::string& state_dir, const std::string& host) {
  char name[48];
  std::snprintf(name, sizeof name, "/unchanged-%016" PRIx64 ".json",
                sender::ItemHash(host, "unchanged"));
  return state_dir + name;
}

}  // namespace zabitan::prom_bridge
