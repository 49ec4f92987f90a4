// zabitan — which low-level discovery values zabitan-prom may leave out of a delivery.
//
// A family's discovery value (prom.discovery[F]) makes the Zabbix server run low-level discovery
// on every row, which costs it more CPU than the family's values (bench.prom_vs_http_agent). So
// a discovery value is sent only when it is due:
//  - its rows differ from the last value of that key delivered (a new or vanished series, a
//    label changed: the value as sent is compared, through a hash), or
//  - none was delivered for kDiscoveryRefresh (1 hour), so that a host re-created by hand or a
//    template re-linked gets its items back within the hour. The template's rules keep lost
//    resources for 7 days (6.0 "Keep lost resources period", 7.0 "Delete lost resources"), and
//    Zabbix marks an item lost only when a discovery value without its row arrives, so leaving
//    values out marks nothing lost.
// The caller records a value as delivered only when the whole delivery ended well (exit 0) and
// forgets a host's memory otherwise, so that after values refused (a host re-created, a template
// unlinked) or Zabbix unreachable every discovery goes again.
// Kept per Zabbix host in the state folder (discovery-HASH(host).json, written whole), so cron
// runs leave out what an earlier run delivered, as the daemon does; a missing or damaged file
// is an empty memory (every discovery goes again).
// Not thread-safe: used by the one thread that delivers.
//
// Example:
//   #include <ctime>
//   std::string path = zabitan::prom_bridge::DiscoveryStateFile("/var/lib/zabitan/prom", "web01");
//   zabitan::prom_bridge::DiscoveryMemory m;
//   zabitan::Status s = m.Load(path);  // damaged: an error, and empty
//   std::string key = "prom.discovery[node_cpu_seconds]", rows = R"([{"{#PROM.ID}":"cpu=0"}])";
//   int64_t now = std::time(nullptr);
//   if (m.Due(key, rows, now)) m.Delivered(key, rows, now);  // once the delivery ended well
//   s = m.Save(path);
#ifndef ZABITAN_PROM_BRIDGE_DISCOVERY_MEMORY_H_
#define ZABITAN_PROM_BRIDGE_DISCOVERY_MEMORY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "zabitan/common/status.h"

namespace zabitan::prom_bridge {

// Seconds after which an unchanged discovery value is sent again: well within the template's
// 7-day lost-resource lifetime, short enough that a host re-created by hand is whole again soon.
inline constexpr int64_t kDiscoveryRefresh = 3600;

class DiscoveryMemory {
 public:
  explicit DiscoveryMemory(int64_t refresh_s = kDiscoveryRefresh) : refresh_s_(refresh_s) {}

  // Whether the discovery value `rows` of `key` is to be sent at `now` (seconds since the epoch).
  bool Due(std::string_view key, std::string_view rows, int64_t now) const;
  // `rows` of `key` reached Zabbix at `now`.
  void Delivered(std::string_view key, std::string_view rows, int64_t now);
  void Clear() { last_.clear(); }
  size_t size() const { return last_.size(); }

  // A missing file is an empty memory; a damaged one is an error naming it, and an empty memory.
  Status Load(const std::string& path);
  Status Save(const std::string& path) const;  // whole, mode 0600

 private:
  struct Last {
    uint64_t hash;
    int64_t at;
  };
  int64_t refresh_s_;
  std::unordered_map<std::string, Last> last_;
};

// The discovery memory of a Zabbix host: STATE_DIR/discovery-HASH(host).json.
std::string DiscoveryStateFile(const std::string& state_dir, const std::string& host);

}  // namespace zabitan::prom_bridge

#endif  // ZABITAN_PROM_BRIDGE_DISCOVERY_MEMORY_H_
