// zabitan-vmware's state between runs, besides the session and the inventory: how far each
// entity's samples have been sent (Watermarks) and the perfCounter catalogue (CounterCache).
#ifndef ZABITAN_VMWARE_CLI_STATE_H_
#define ZABITAN_VMWARE_CLI_STATE_H_

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zabitan/common/log.h"
#include "zabitan/vsphere/inventory.h"
#include "zabitan/vsphere/perf.h"
#include "zabitan/vsphere/session.h"
#include "zabitan/vsphere/soap_client.h"

namespace zabitan::vmware {

// How far each entity's samples have been sent: consecutive runs send every sample once.
class Watermarks {
 public:
  explicit Watermarks(std::string path) : path_(std::move(path)) {
    std::ifstream in(path_);
    nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_object()) {
      for (auto& [uuid, clock] : j.items()) {
        if (clock.is_number_unsigned()) last_[uuid] = clock.get<uint32_t>();
      }
    }
  }
  bool IsNew(const std::string& uuid, uint32_t clock) const { return clock > Last(uuid); }
  // True before the first run that sent samples (no file, or an empty one).
  bool empty() const { return last_.empty(); }
  // The clock of the last sample sent for the entity; 0 when none was.
  uint32_t Last(const std::string& uuid) const {
    auto it = last_.find(uuid);
    return it == last_.end() ? 0 : it->second;
  }
  // How many realtime samples (20 s apart) a query must ask for so that none of `entities`
  // misses a sample since its watermark: at least the last 5 minutes (an entity seen for the
  // first time, or a run soon after the last), at most the hour vSphere keeps realtime data.
  // Two samples of slack cover a clock of the endpoint a little behind ours.
  int SamplesNeeded(const std::vector<const vsphere::Entity*>& entities, uint32_t now) const {
    int64_t needed = kRecentSamples;
    for (const vsphere::Entity* e : entities) {
      auto it = last_.find(e->uuid);
      if (it == last_.end() || it->second >= now) continue;
      needed = std::max<int64_t>(needed, (now - it->second) / kRealtimeInterval + 2);
    }
    return static_cast<int>(std::min<int64_t>(needed, kRealtimeRetention));
  }
  static constexpr int64_t kRecentSamples = 15, kRealtimeInterval = 20, kRealtimeRetention = 180;

  // A cycle's advances count only once saved: a cycle that could not deliver leaves none behind.
  void StartCycle() { next_.clear(); }
  void Advance(const std::string& uuid, uint32_t clock) {
    uint32_t& last = next_[uuid];
    last = std::max(last, clock);
  }
  // Takes the cycle's advances, then writes them. When the write fails they still hold in this
  // process (a daemon's next cycle goes on from them); only the next run starts from the file.
  Status Save() {
    for (auto& [uuid, clock] : next_) last_[uuid] = std::max(last_[uuid], clock);
    next_.clear();
    return vsphere::WriteStateFile(path_, nlohmann::json(last_).dump() + "\n");
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::map<std::string, uint32_t> last_, next_;
};

// The perfCounter catalogue, cached in the state folder per endpoint (its instanceUuid and API
// version: ids differ between builds) so a warm run skips the largest reply of all. The cache
// is read again from the endpoint when a wanted path is missing from it, unless the endpoint
// was already known not to offer that path when the cache was written (`absent`), so a counter
// an endpoint lacks does not cost a full read on every run.
class CounterCache {
 public:
  CounterCache(const std::string& state_dir, const vsphere::ServiceContent& sc)
      : path_(state_dir + "/counters-" +
              vsphere::StateKey(sc.instance_uuid + "@" + sc.api_version) + ".json") {}

  Status Get(vsphere::SoapClient& client, const vsphere::ServiceContent& sc,
             const std::vector<std::string>& wanted,
             std::map<std::string, vsphere::Counter>* catalogue) {
    std::set<std::string> absent;
    if (Load(catalogue, &absent)) {
      bool complete = true;
      for (const std::string& p : wanted)
        complete = complete && (catalogue->count(p) > 0 || absent.count(p) > 0);
      if (complete) {
        log::Debug("counter catalogue from " + path_);
        return Status::Ok();
      }
    }
    catalogue->clear();
    if (Status s = vsphere::ReadCounters(client, sc, catalogue); !s.ok()) return s;
    absent.clear();
    for (const std::string& p : wanted) {
      if (catalogue->count(p) == 0) absent.insert(p);
    }
    if (Status s = Save(*catalogue, absent); !s.ok())
      log::Warning(s.message());  // the run goes on uncached
    return Status::Ok();
  }

 private:
  bool Load(std::map<std::string, vsphere::Counter>* catalogue,
            std::set<std::string>* absent) const {
    std::ifstream in(path_);
    if (!in) return false;
    nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (!j.is_object() || !j["counters"].is_array() || !j["absent"].is_array()) return false;
    for (const auto& c : j["counters"]) {
      if (!c.is_array() || c.size() != 3 || !c[0].is_number_integer() || !c[1].is_string() ||
          !c[2].is_string()) {
        return false;  // damaged: read the endpoint again
      }
      vsphere::Counter counter{c[0].get<int>(), c[1].get<std::string>(), c[2].get<std::string>()};
      (*catalogue)[counter.path] = counter;
    }
    for (const auto& a : j["absent"]) {
      if (a.is_string()) absent->insert(a.get<std::string>());
    }
    return true;
  }
  Status Save(const std::map<std::string, vsphere::Counter>& catalogue,
              const std::set<std::string>& absent) const {
    nlohmann::json j{{"counters", nlohmann::json::array()}, {"absent", absent}};
    for (const auto& [path, c] : catalogue) j["counters"].push_back({c.key, c.path, c.unit});
    return vsphere::WriteStateFile(path_, j.dump() + "\n");
  }

  std::string path_;
};

}  // namespace zabitan::vmware

#endif  // ZABITAN_VMWARE_CLI_STATE_H_
