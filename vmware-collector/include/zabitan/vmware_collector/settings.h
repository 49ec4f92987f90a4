// zabitan — Settings: what one zabitan-vmware run is told, from its command line and the
// [vmware] section of the config file (zabitan-vmware(1), CONFIGURATION).
//
// The program fills Settings from its options, then ApplyConfig fills what they left unset
// from the config and the defaults. The password never travels in Settings: ReadPassword
// takes it from password_file (mode 0600) or $ZABITAN_VMWARE_PASSWORD. Plain values and
// functions of their arguments; ReadPassword reads the environment. Thread-safe while nothing
// changes the environment.
//
// Example:
//   zabitan::vmware_collector::Settings s;
//   s.url = "https://vcenter.example.com/sdk";
//   zabitan::Status st = zabitan::vmware_collector::ApplyConfig(&s, false);  // defaults filled
//   std::string password;
//   if (st.ok()) st = zabitan::vmware_collector::ReadPassword(s, &password);
#ifndef ZABITAN_VMWARE_COLLECTOR_SETTINGS_H_
#define ZABITAN_VMWARE_COLLECTOR_SETTINGS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "zabitan/common/config.h"
#include "zabitan/common/status.h"

namespace zabitan::vmware_collector {

inline constexpr int64_t kDefaultInterval = 60;
inline constexpr int64_t kDefaultTimeout = 60;  // seconds per vSphere call
inline constexpr int64_t kDefaultInventoryRefresh = 3600;
inline constexpr int64_t kDefaultConcurrency = 8;
inline constexpr size_t kMaxNameSuffix = 32;  // --name-suffix, in bytes
inline constexpr int64_t kDefaultSpoolMaxBytes = int64_t{1} << 30;
inline constexpr const char* kDefaultStateDir = "/var/lib/zabitan/vmware";

struct Settings {
  std::string config = kDefaultConfigPath;
  std::string url, user, password_file, ca_file, thumbprint, state_dir, zabbix_server, zabbix_host;
  bool insecure = false;
  bool logout = false;
  bool check = false;
  bool dry_run = false;
  bool daemon = false;
  bool once = false;               // wins over `daemon = true` in the config
  int64_t interval = 0;            // seconds between cycle starts (--daemon); 0: unset
  int64_t timeout = 0;             // seconds a vSphere call may take; 0: unset
  std::string spool;               // spool folder; empty: none
  std::string name_suffix;         // " (SUFFIX)" on every visible name (discovery.h); empty: none
  int64_t spool_max_bytes = 0;     // 0: unset
  int64_t inventory_refresh = -1;  // seconds between full reads; 0: every run; -1: unset
  int64_t concurrency = 0;         // QueryPerf calls at once; 0: unset
  int verbose = 0;
  std::vector<std::string> vm_counters, hv_counters;  // extra counters, group.name.rollup
};

// Fills what the command line left unset from [vmware] of settings->config (which must exist
// when `config_given`), then the defaults. An unknown key or a value out of range is an error
// naming the file, line and key.
Status ApplyConfig(Settings* settings, bool config_given);

// The password: from password_file (mode 0600, trailing line ends dropped), or
// $ZABITAN_VMWARE_PASSWORD; an error saying how to give one when neither is there.
Status ReadPassword(const Settings& settings, std::string* password);

// The state files of one endpoint (and user) inside settings.state_dir.
std::string InventoryFile(const Settings& settings);
std::string WatermarkFile(const Settings& settings);

}  // namespace zabitan::vmware_collector

#endif  // ZABITAN_VMWARE_COLLECTOR_SETTINGS_H_
