// zabitan — counter rates computed by the bridge: the per-second rate of a counter between two
// scrapes, sent beside the raw counter as prom.edgerate[SAMPLE,ID] (mapping.h).
//
// The rule, as Prometheus' rate() over two samples: (value - previous) / (time - previous time);
// a value lower than the previous one means the counter was reset (the exporter restarted), and
// the increase is then the value itself (counted from 0). The first sample of a series gives no
// rate, nor does a sample not newer than the previous one. The previous samples are kept per
// target in the state folder (rates-HASH.json, written whole), so one-shot runs from cron rate
// across runs as a daemon does; a series not seen for a day is forgotten.
// Not thread-safe: one RateState per target, used by the thread that scrapes it.
//
// Example:
//   zabitan::prom_bridge::RateState rates;
//   zabitan::Status s = rates.Load("/var/lib/zabitan/prom_bridge/rates-x.json");  // missing: empty
//   std::optional<double> r = rates.Update("prom.edgerate[x_total,]", 1234, 1764000000000);
//   s = rates.Save("/var/lib/zabitan/prom_bridge/rates-x.json");
#ifndef ZABITAN_PROM_BRIDGE_RATES_H_
#define ZABITAN_PROM_BRIDGE_RATES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "zabitan/common/status.h"

namespace zabitan::prom_bridge {

class RateState {
 public:
  // The rate of `key` from its previous sample to this one, which it remembers.
  std::optional<double> Update(const std::string& key, double value, int64_t time_ms);

  // A missing file is an empty state; a damaged one is an error naming it (the caller starts
  // afresh: the next scrape's rates are lost, not wrong).
  Status Load(const std::string& path);
  // Forgets the series older than `keep_ms` before the newest, then writes the rest whole
  // (mode 0600).
  Status Save(const std::string& path, int64_t keep_ms = 86'400'000);

  size_t size() const { return last_.size(); }

 private:
  struct Last {
    double value;
    int64_t time_ms;
  };
  std::unordered_map<std::string, Last> last_;
};

// The state file of a target's rates: STATE_DIR/rates-HASH(host, url).json.
std::string RateStateFile(const std::string& state_dir, const std::string& host,
                          const std::string& url);

}  // namespace zabitan::prom_bridge

#endif  // ZABITAN_PROM_BRIDGE_RATES_H_
