// zabitan — which discovery values zabitan-prom may leave out (discovery_memory.h).
#include "zabitan/prom_bridge/discovery_memory.h"

#include <cinttypes>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "state_file.h"
#include "zabitan/common/whole_file.h"
#include "zabitan/sender/pending.h"

namespace zabitan::prom_bridge {

bool DiscoveryMemory::Due(std::string_view key, std::string_view rows, int64_t now) const {
  auto it = last_.find(std::string(key));
  if (it == last_.end()) return true;
  // A clock set back counts as due: better one value too many than none for a long time.
  return it->second.hash != sender::ItemHash(key, rows) || now < it->second.at ||
         now - it->second.at >= refresh_s_;
}

void DiscoveryMemory::Delivered(std::string_view key, std::string_view rows, int64_t now) {
  last_[std::string(key)] = {sender::ItemHash(key, rows), now};
}

Status DiscoveryMemory::Load(const std::string& path) {
  last_.clear();
  nlohmann::json doc;
  if (Status s = ReadStateObject(path, "discovery state", &doc); !s.ok()) return s;
  for (const auto& [key, v] : doc.items()) {
    if (!v.is_array() || v.size() != 2 || !v[0].is_number_unsigned() || !v[1].is_number_integer()) {
      last_.clear();
      return Status::Error("discovery state " + path + ": damaged entry for " + key);
    }
    last_[key] = {v[0].get<uint64_t>(), v[1].get<int64_t>()};
  }
  return Status::Ok();
}

Status DiscoveryMemory::Save(const std::string& path) const {
  nlohmann::json doc = nlohmann::json::object();
  for (const auto& [key, last] : last_) doc[key] = {last.hash, last.at};
  return WriteFileWhole(path, doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string DiscoveryStateFile(const std::string& state_dir, const std::string& host) {
  char name[48];
  std::snprintf(name, sizeof name, "/discovery-%016" PRIx64 ".json",
                sender::ItemHash(host, "discovery"));
  return state_dir + name;
}

}  // namespace zabitan::prom_bridge
