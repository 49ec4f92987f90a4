// zabitan — Watermarks: how far each entity's samples have been sent, so that consecutive runs
// send every sample once.
//
// Kept per endpoint in a state file (JSON, {uuid: clock}). A cycle's advances count only once
// Save takes them: a cycle that could not deliver leaves none behind. When the write fails they
// still hold in this process (a daemon's next cycle goes on from them); only the next run
// starts from the file. Not thread-safe: one collector's.
//
// Example:
//   namespace vc = zabitan::vmware_collector;
//   vc::Watermarks marks("/var/lib/zabitan/vmware/perf-x.json");
//   zabitan::Status loaded = marks.Load();
//   if (!loaded.ok() && loaded.code() != vc::Errc::kNotFound) return 1;  // unreadable, damaged
//   marks.StartCycle();
//   if (marks.IsNew("5001-aa", 1764000020)) marks.Advance("5001-aa", 1764000020);
//   zabitan::Status s = marks.Save();
#ifndef ZABITAN_VMWARE_COLLECTOR_WATERMARKS_H_
#define ZABITAN_VMWARE_COLLECTOR_WATERMARKS_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "zabitan/common/status.h"
#include "zabitan/vmware_collector/error.h"
#include "zabitan/vsphere/types.h"

namespace zabitan::vmware_collector {

class Watermarks {
 public:
  // No watermark yet: Load reads the file at `path`, Save writes it.
  explicit Watermarks(std::string path) : path_(std::move(path)) {}

  // Reads the file, replacing what was held. Ok: its watermarks. Otherwise the code says why
  // there are none: Errc::kNotFound (none saved yet, a first run: no failure), kUnreadable
  // (permission, a folder in its place, I/O), kDamaged (empty, not JSON, not an object; or
  // some entries are not clocks, and the others are held).
  Status Load();
  bool IsNew(const std::string& uuid, uint32_t clock) const { return clock > Last(uuid); }
  // True before the first run that sent samples (no file, or an empty one).
  bool empty() const { return last_.empty(); }
  // The clock of the last sample sent for the entity; 0 when none was.
  uint32_t Last(const std::string& uuid) const;
  // How many realtime samples (20 s apart) a query must ask for so that none of `entities`
  // misses a sample since its watermark: at least the last 5 minutes (an entity seen for the
  // first time, or a run soon after the last), at most the hour vSphere keeps realtime data.
  // Two samples of slack cover a clock of the endpoint a little behind ours.
  int SamplesNeeded(const std::vector<const vsphere::Entity*>& entities, uint32_t now) const;
  static constexpr int64_t kRecentSamples = 15, kRealtimeInterval = 20, kRealtimeRetention = 180;

  void StartCycle() { next_.clear(); }
  void Advance(const std::string& uuid, uint32_t clock);
  // Takes the cycle's advances, then writes them (mode 0600, whole); a failure carries the
  // write's errno (std::errc).
  Status Save();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::map<std::string, uint32_t> last_, next_;
};

}  // namespace zabitan::vmware_collector

#endif  // ZABITAN_VMWARE_COLLECTOR_WATERMARKS_H_
