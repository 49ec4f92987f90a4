// zabitan — the policy: what zabitan-remote-cmd may do, whatever its arguments say.
//
// The [remote_cmd] section of the toolkit's config, with one table per scaling group:
//
//   [remote_cmd]
//   url = "https://vcenter.example.com/sdk"      # the vSphere endpoint (a group may override)
//   user = "scaler@vsphere.local"
//   password_file = "/etc/zabitan/vcenter.password"  # mode 0600
//   state_dir = "/var/lib/zabitan/remote-cmd"
//   audit_log = "/var/log/zabitan/remote-cmd.log"
//   time_budget = 25                             # seconds, below Zabbix's script timeout
//   report_server = "127.0.0.1"                   # zabbix_sender -z syntax; "" = no report
//   report_host = "zabitan-endpoint"              # the Zabbix host of zabitan.remote.*
//   notify = true                                 # tell the mascot, through [sstp]
//
//   [remote_cmd.groups.web]
//   hosts = ["vm-web01", "vm-web02"]   # Zabbix hosts whose triggers may scale this group
//   pool = ["web-03", "web-04"]        # VMs to power on, in this order (by name)
//   pool_folder = "DC0/vm/web-pool"    # and/or the VMs directly in this folder, by name
//   min = 0                            # powered-on pool members never go below
//   max = 2                            # ... nor above
//   cooldown = 300                     # seconds between two actions of the group
//   max_actions_per_hour = 6
//   shutdown_grace = 60                # seconds for ShutdownGuest before PowerOff
//   template = "web-template"          # clone it when no pool VM is off (pool may then be empty)
//   name_pattern = "web-{n:02}"        # the clones' names: the pattern's next free number
//   folder = "web"                     # where clones go (default: the template's folder)
//   resource_pool = "Resources"        # (default: the template's pool; needed for a template)
//   datastore = "datastore1"           # (default: the template's)
//
// LoadPolicy only reads its Config; a loaded Policy is read-only, so threads may share it.
//
// Example:
//   zabitan::Config config;
//   zabitan::Status s = zabitan::Config::Parse("[remote_cmd]\n", "zabitan.toml", &config);
//   zabitan::remote_cmd::Policy policy;
//   s = zabitan::remote_cmd::LoadPolicy(config, &policy);
//   const zabitan::remote_cmd::Group* g = policy.GroupFor("vm-web01");
#ifndef ZABITAN_REMOTE_CMD_POLICY_H_
#define ZABITAN_REMOTE_CMD_POLICY_H_

#include <chrono>
#include <string>
#include <vector>

#include "zabitan/common/config.h"
#include "zabitan/common/status.h"

namespace zabitan::remote_cmd {

inline constexpr const char* kDefaultStateDir = "/var/lib/zabitan/remote-cmd";
inline constexpr const char* kDefaultAuditLog = "/var/log/zabitan/remote-cmd.log";

struct Endpoint {
  std::string url, user, password_file, ca_file, thumbprint;
  bool insecure = false;
};

struct Group {
  std::string name;
  std::vector<std::string> hosts;
  std::vector<std::string> pool;
  // An inventory path (datacenter/vm/folder...): the VMs directly in that folder are pool
  // members too, by name after those of `pool` (its subfolders' VMs and templates are not).
  std::string pool_folder;
  int min = 0;
  int max = 1;
  std::chrono::seconds cooldown{300};
  int max_actions_per_hour = 6;
  std::chrono::seconds shutdown_grace{60};
  // Cloning, when `clone_template` is set: names of vSphere objects, resolved at clone time.
  std::string clone_template, name_pattern, folder, resource_pool, datastore;
  Endpoint endpoint;
};

// TLS for the report to Zabbix: [sender]'s tls_* settings under report_tls_* names, because the
// report host (a host of its own in Zabbix, with its own PSK identity) is not [sender]'s host.
struct ReportTls {
  std::string connect;  // "", "unencrypted", "psk" or "cert"
  std::string psk_identity, psk_file, ca_file, crl_file, cert_file, key_file;
  std::string server_cert_issuer, server_cert_subject;
  bool check_host = false;
};

struct Policy {
  std::string state_dir = kDefaultStateDir;
  std::string audit_log = kDefaultAuditLog;
  std::chrono::seconds time_budget{25};
  std::string report_server;
  std::string report_host;
  ReportTls report_tls;
  bool notify = false;
  std::string scale_up_speech;  // SakuraScript template; {vm} {host} {members} {max} {result}
  std::string scale_down_speech;
  std::string failure_speech;
  std::vector<Group> groups;

  // The group whose `hosts` names `host`, or null: nothing may be done for that host.
  const Group* GroupFor(const std::string& host) const;
};

Status LoadPolicy(const Config& config, Policy* policy);

// A clone's name: `pattern` with its {n} or {n:0W} (zero-padded to W digits) replaced by `n`;
// "" when the pattern has no such placeholder, or more than one.
std::string CloneName(const std::string& pattern, int n);
Status CheckNamePattern(const std::string& pattern);

// An inventory path as SearchIndex.FindByInventoryPath takes it ("DC0/vm/web-pool"): printable
// UTF-8 (no control character), at most kMaxInventoryPath bytes, '/'-separated names none of
// which is empty (so no '/' at either end, none doubled). Whether it names a folder is known
// only to vSphere, at run time.
inline constexpr size_t kMaxInventoryPath = 1024;
Status CheckInventoryPath(const std::string& path);

}  // namespace zabitan::remote_cmd

#endif  // ZABITAN_REMOTE_CMD_POLICY_H_
