// zabitan — zabitan-prom's settings: the [prom] section of the toolkit's TOML file
// (/etc/zabitan/zabitan.toml) with a table per target, and the command line over it.
//
//   [prom]
//   zabbix_server = "zbx.example.com"
//   zabbix_host = "web01"            # every key below [prom] is also a default for each target
//   interval = 30
//   [prom.targets.node]
//   url = "http://localhost:9100/metrics"
//   match = ['mode!="idle"']
//   rates = ["node_network_*_bytes_total"]
//   discard_unchanged = 600          # an unchanged value only every 10 min (unchanged.h)
//   [prom.targets.router]
//   url = "https://10.0.0.1:9100/metrics"
//   zabbix_host = "router"
//   ca_file = "/etc/zabitan/router-ca.pem"
//
// Layers, the first that sets a value wins: a command-line flag, the target's table, [prom],
// the built-in default. --target URLs on the command line replace the tables. An unknown key,
// a value of the wrong type or out of bounds is one line naming the file, the line, the key and
// what is wrong ("zabitan.toml:9: prom.targets.node.intervall: unknown key").
// Plain values and functions of their arguments: thread-safe.
//
// Example:
//   zabitan::Config config;
//   zabitan::Status s = zabitan::Config::Parse(
//       "[prom]\nzabbix_host = \"web01\"\n[prom.targets.node]\nurl = \"http://localhost:9100/\"\n",
//       "zabitan.toml", &config);
//   zabitan::prom_bridge::PromSettings settings;
//   if (s.ok()) s = zabitan::prom_bridge::ReadPromSettings(config, &settings);
//   zabitan::prom_bridge::Target target;
//   for (auto& [name, t] : settings.targets) {
//     t.Under(settings.defaults);  // the table over [prom]
//     if (s.ok()) s = zabitan::prom_bridge::MakeTarget(name, t, &target);
//   }
#ifndef ZABITAN_PROM_BRIDGE_CONFIG_H_
#define ZABITAN_PROM_BRIDGE_CONFIG_H_

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "zabitan/common/config.h"
#include "zabitan/common/status.h"
#include "zabitan/prom_bridge/mapping.h"
#include "zabitan/prom_bridge/parser.h"
#include "zabitan/prom_bridge/scraper.h"

namespace zabitan::prom_bridge {

// What can be said of one target; each unset until a layer sets it.
struct TargetSettings {
  std::optional<std::string> url, zabbix_host, ca_file, cert_file, key_file, user, password_file,
      bearer_token_file;
  std::optional<double> interval, timeout, connect_timeout;  // seconds
  std::optional<int64_t> max_series, max_body, max_line, max_labels, proxy_protocol;
  std::optional<int64_t> discard_unchanged;  // seconds of heartbeat (unchanged.h); 0: off
  std::optional<bool> insecure;
  std::optional<std::vector<double>> quantiles;
  std::optional<std::vector<std::string>> include, exclude, match, rates, resolve;

  // Fills what this layer left unset from `lower`.
  void Under(const TargetSettings& lower);
};

// The program's own keys, and the defaults and tables of the targets.
struct PromSettings {
  std::optional<std::string> zabbix_server, state_dir, spool;
  std::optional<int64_t> spool_max_bytes;
  std::optional<bool> daemon;
  // TLS to the trapper, by the sender's key names without "tls_" (connect, psk_identity,
  // psk_file, ca_file, crl_file, cert_file, key_file, server_cert_issuer, server_cert_subject,
  // cipher, cipher13), and check_host.
  std::map<std::string, std::string> tls;
  std::optional<bool> tls_check_host;
  TargetSettings defaults;
  std::vector<std::pair<std::string, TargetSettings>> targets;  // [prom.targets.NAME], by name

  void Under(const PromSettings& lower);  // the program's keys, TLS and defaults; not targets
};

// The TLS keys, in flag and key form: "connect" is --tls-connect and tls_connect.
const std::vector<std::string>& TlsKeyNames();

// Reads [prom] and its [prom.targets.NAME] tables of `config` (an absent section is empty).
Status ReadPromSettings(const Config& config, PromSettings* out);

// One target, resolved: what is scraped, and how its samples become Zabbix values.
struct Target {
  std::string name;  // the table's name, or the URL
  TargetOptions scrape;
  ParseLimits limits;
  MappingOptions mapping;  // rate_state is the caller's
  std::chrono::milliseconds interval{60'000};
  int64_t discard_unchanged = 0;  // heartbeat in seconds (unchanged.h); 0: every value sent
};

// The longest --discard-unchanged heartbeat: 30 days (Zabbix's own takes up to 788400000 s,
// but an item silent for a month is better told by a trigger than by a heartbeat).
inline constexpr int64_t kMaxHeartbeat = 30 * 86400;

// Resolves `s` (its defaults applied) into *out. Errors name the target: "target node: ...".
Status MakeTarget(const std::string& name, const TargetSettings& s, Target* out);

}  // namespace zabitan::prom_bridge

#endif  // ZABITAN_PROM_BRIDGE_CONFIG_H_
