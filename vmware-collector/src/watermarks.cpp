#include "zabitan/vmware_collector/watermarks.h"

#include <algorithm>
#include <fstream>

#include <nlohmann/json.hpp>

#include "zabitan/common/whole_file.h"

namespace zabitan::vmware_collector {

Watermarks::Watermarks(std::string path) : path_(std::move(path)) {
  std::ifstream in(path_);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_object()) return;
  for (auto& [uuid, clock] : j.items()) {
    if (clock.is_number_unsigned()) last_[uuid] = clock.get<uint32_t>();
  }
}

uint32_t Watermarks::Last(const std::string& uuid) const {
  auto it = last_.find(uuid);
  return it == last_.end() ? 0 : it->second;
}

int Watermarks::SamplesNeeded(const std::vector<const vsphere::Entity*>& entities,
                              uint32_t now) const {
  int64_t needed = kRecentSamples;
  for (const vsphere::Entity* e : entities) {
    auto it = last_.find(e->uuid);
    if (it == last_.end() || it->second >= now) continue;
    needed = std::max<int64_t>(needed, (now - it->second) / kRealtimeInterval + 2);
  }
  return static_cast<int>(std::min<int64_t>(needed, kRealtimeRetention));
}

void Watermarks::Advance(const std::string& uuid, uint32_t clock) {
  uint32_t& last = next_[uuid];
  last = std::max(last, clock);
}

Status Watermarks::Save() {
  for (auto& [uuid, clock] : next_) last_[uuid] = std::max(last_[uuid], clock);
  next_.clear();
  return WriteFileWhole(path_, nlohmann::json(last_).dump() + "\n");
}

}  // namespace zabitan::vmware_collector
