#include "zabitan/vmware_collector/watermarks.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "state_file.h"
#include "zabitan/common/whole_file.h"

namespace zabitan::vmware_collector {

Status Watermarks::Load() {
  last_.clear();
  next_.clear();
  nlohmann::json j;
  if (Status s = ReadStateJson(path_, &j); !s.ok()) return s;
  if (!j.is_object()) return Damaged(path_, "not an object of clocks");
  size_t bad = 0;
  for (auto& [uuid, clock] : j.items()) {
    // Every entry that is a clock still saves what it can of a resend.
    if (clock.is_number_unsigned() && clock.get<uint64_t>() <= UINT32_MAX)
      last_[uuid] = clock.get<uint32_t>();
    else
      ++bad;
  }
  if (bad > 0) return Damaged(path_, "entries that are not clocks: " + std::to_string(bad));
  return Status::Ok();
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
