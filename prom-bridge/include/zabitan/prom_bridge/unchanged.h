// zabitan — Zabbix's "Discard unchanged with heartbeat" applied by zabitan-prom before sending
// (--discard-unchanged SECONDS, discard_unchanged in [prom] or a target's table; 0, off, is the
// default).
//
// Why at the edge: the trapper's intake of a value costs the Zabbix server more CPU than its
// own Prometheus-pattern preprocessing (bench.prom_vs_http_agent), so the one way to cost it
// less is to send fewer values. The rule is the one every Zabbix administrator knows from item
// preprocessing: a value equal (as text) to the last value sent for its item is not sent again
// until HEARTBEAT seconds have passed since that send; a changed value, and the first value of
// an item, go at once. Counters, rates, histogram buckets and quantiles all go through it; the
// low-level discovery values have their own rule (discovery_memory.h).
//
// The history then holds a row per change and one per heartbeat: a nodata() trigger needs a
// window longer than HEARTBEAT, and a constant item has its last value up to HEARTBEAT old.
//
// Only values that reached Zabbix move the memory: the caller records what it sent with Sent()
// when the whole delivery ended well (exit 0: accepted, or waiting in the pending store for
// discovery), and forgets the host's memory (Clear) otherwise: the trapper answers per request
// ("processed: N; failed: M"), not per value, so after any refusal or spooling every value of
// that host goes again at the next scrape.
// Kept per Zabbix host in the state folder (unchanged-HASH(host).json, written whole), so cron
// runs discard as a daemon does. Memory is bounded: an item not seen for HEARTBEAT is forgotten
// at Save (its next value is due anyway, so nothing changes). A missing or damaged file is an
// empty memory (every value goes once).
// Not thread-safe: used by the one thread that delivers.
//
// Example:
//   std::string path = zabitan::prom_bridge::UnchangedStateFile("/var/lib/zabitan/prom", "web01");
//   zabitan::prom_bridge::UnchangedFilter f;
//   zabitan::Status s = f.Load(path);  // damaged: an error, and empty
//   const std::string key = "prom.value[node_load1,]", value = "0.25";
//   if (f.Due(key, value, 1764000000, 600)) f.Sent(key, value, 1764000000);  // once delivered
//   s = f.Save(path, 600);
#ifndef ZABITAN_PROM_BRIDGE_UNCHANGED_H_
#define ZABITAN_PROM_BRIDGE_UNCHANGED_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "zabitan/common/status.h"

namespace zabitan::prom_bridge {

class UnchangedFilter {
 public:
  // Whether `value` of `key` at `clock` (seconds) is to be sent under a heartbeat of
  // `heartbeat_s` seconds (0: always); notes that the item was seen at `clock`. A clock older
  // than the last send (a clock set back) counts as due: better a value too many than none.
  bool Due(std::string_view key, std::string_view value, int64_t clock, int64_t heartbeat_s);
  // `value` of `key` with clock `clock` reached Zabbix.
  void Sent(std::string_view key, std::string_view value, int64_t clock);
  void Clear() { last_.clear(); }
  size_t size() const { return last_.size(); }

  // A missing file is an empty memory; a damaged one is an error naming it, and an empty memory.
  Status Load(const std::string& path);
  // Forgets the items not seen for `keep_s` before the newest seen, then writes the rest whole
  // (mode 0600).
  Status Save(const std::string& path, int64_t keep_s);

 private:
  struct Last {
    std::string value;  // as sent
    int64_t sent = 0, seen = 0;
  };
  std::unordered_map<std::string, Last> last_;
};

// The memory of a Zabbix host: STATE_DIR/unchanged-HASH(host).json.
std::string UnchangedStateFile(const std::string& state_dir, const std::string& host);

}  // namespace zabitan::prom_bridge

#endif  // ZABITAN_PROM_BRIDGE_UNCHANGED_H_
