// zabitan-prom: where the scraped values go: stdout as zabbix_sender -T -N input (--dry-run), or
// Zabbix through the sender library's RoutedSender (discovery first, values of new series held
// in the state folder until Zabbix has made their items). One Output serves every delivery of
// a run (the daemon's cycles share its spool and state folder).
#ifndef ZABITAN_PROM_BRIDGE_CLI_OUTPUT_H_
#define ZABITAN_PROM_BRIDGE_CLI_OUTPUT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "zabitan/common/spool.h"
#include "zabitan/common/status.h"
#include "zabitan/prom_bridge/config.h"
#include "zabitan/prom_bridge/daemon.h"
#include "zabitan/prom_bridge/discovery_memory.h"
#include "zabitan/prom_bridge/unchanged.h"
#include "zabitan/sender/destination.h"
#include "zabitan/sender/exchange_options.h"

namespace zabitan::prom_bridge::cli {

struct OutputOptions {
  bool dry_run = false;
  std::string zabbix_server, state_dir, spool;
  // Names the pending stores (routed_sender.h), one per Zabbix host: scope + "\n" + host. The
  // values held for a host stay in its store whatever targets or hosts are added or removed.
  std::string scope;
  int64_t spool_max_bytes = int64_t{1} << 30;
  sender::ExchangeOptions exchange;  // TLS to the trapper
};

// What one delivery did: `scrape` is kExitFailure when a target failed (its line printed),
// `send` the RoutedSender's code (kExitOk for --dry-run), `collected` whether any target's
// scrape was there to send.
struct Delivered {
  int scrape = 0, send = 0;
  bool collected = false;
};

// The exchange options of the trapper connections: TLS from the --tls-* flags and tls_* keys
// (the sender's names and rules: sender/tls.h). Errors name the flag.
Status ExchangeFor(const PromSettings& settings, sender::ExchangeOptions* out);

class Output {
 public:
  // Checks the destinations, makes the state folder and opens the spool (held until the end).
  static Status Open(OutputOptions options, std::unique_ptr<Output>* out);
  Output() = default;
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  // Prints one line per failed target (`names[outcome.target]`), then prints or sends the
  // values of the others: every family's discovery first (sent only when due:
  // discovery_memory.h; printed always), its values after it (with --discard-unchanged, sent
  // only when due: unchanged.h; printed always).
  Delivered Deliver(const std::vector<ScrapeOutcome>& outcomes);

 private:
  int Send(const std::vector<ScrapeOutcome>& outcomes, bool any_ok);
  DiscoveryMemory& MemoryOf(const std::string& host);
  UnchangedFilter& FilterOf(const std::string& host);

  OutputOptions options_;
  std::vector<sender::Destination> destinations_;
  std::unique_ptr<Spool> spool_;
  // Per Zabbix host, read from the state folder at its first delivery, kept for the run (the
  // daemon's life) and saved after each delivery that sent a discovery value.
  std::map<std::string, DiscoveryMemory> memory_;
  // Per Zabbix host with --discard-unchanged, likewise: the last value sent of each item.
  std::map<std::string, UnchangedFilter> unchanged_;
};

}  // namespace zabitan::prom_bridge::cli

#endif  // ZABITAN_PROM_BRIDGE_CLI_OUTPUT_H_
