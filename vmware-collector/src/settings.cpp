#include "zabitan/vmware_collector/settings.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <tuple>
#include <utility>

#include "zabitan/common/printable.h"
#include "zabitan/common/secret_file.h"
#include "zabitan/vsphere/session.h"

namespace zabitan::vmware_collector {

// [vmware] keys fill what the command line left empty.
Status ApplyConfig(Settings* o, bool config_given) {
  Config config;
  if (Status s = Config::Load(o->config, config_given, &config); !s.ok()) return s;
  ConfigSection sec;
  if (Status s = config.Section("vmware", &sec); !s.ok()) return s;
  if (Status s = sec.CheckKnownKeys(
          {"url", "user", "password_file", "ca_file", "thumbprint", "state_dir", "zabbix_server",
           "zabbix_host", "vm_counters", "hv_counters", "daemon", "interval", "spool",
           "spool_max_bytes", "inventory_refresh", "concurrency", "timeout", "name_suffix"});
      !s.ok()) {
    return s;
  }
  for (auto [key, slot] :
       {std::pair{"vm_counters", &o->vm_counters}, std::pair{"hv_counters", &o->hv_counters}}) {
    std::optional<std::vector<std::string>> v;
    if (Status s = sec.GetStringList(key, &v); !s.ok()) return s;
    if (v && slot->empty()) *slot = *v;  // --vm-counter/--hv-counter win
  }
  struct Key {
    const char* name;
    std::string* slot;
  } keys[] = {{"url", &o->url},
              {"user", &o->user},
              {"password_file", &o->password_file},
              {"ca_file", &o->ca_file},
              {"thumbprint", &o->thumbprint},
              {"state_dir", &o->state_dir},
              {"zabbix_server", &o->zabbix_server},
              {"zabbix_host", &o->zabbix_host},
              {"spool", &o->spool},
              {"name_suffix", &o->name_suffix}};
  for (const Key& k : keys) {
    std::optional<std::string> v;
    if (Status s = sec.GetString(k.name, &v); !s.ok()) return s;
    if (v && k.slot->empty()) *k.slot = *v;
  }
  std::optional<bool> daemon;
  if (Status s = sec.GetBool("daemon", &daemon); !s.ok()) return s;
  if (daemon && *daemon && !o->once) o->daemon = true;
  for (auto [key, slot, min, max, unset] :
       {std::tuple{"interval", &o->interval, int64_t{1}, int64_t{86400}, int64_t{0}},
        std::tuple{"spool_max_bytes", &o->spool_max_bytes, int64_t{1} << 20, INT64_MAX, int64_t{0}},
        std::tuple{"inventory_refresh", &o->inventory_refresh, int64_t{0}, int64_t{86400} * 7,
                   int64_t{-1}},
        std::tuple{"concurrency", &o->concurrency, int64_t{1}, int64_t{64}, int64_t{0}},
        std::tuple{"timeout", &o->timeout, int64_t{1}, int64_t{3600}, int64_t{0}}}) {
    std::optional<int64_t> v;
    if (Status s = sec.GetInt(key, min, max, &v); !s.ok()) return s;
    if (v && *slot == unset) *slot = *v;
  }
  // Zabbix's visible names hold 128 characters; a vSphere name up to 80, its UUID 36.
  if (o->name_suffix.size() > kMaxNameSuffix ||
      std::any_of(o->name_suffix.begin(), o->name_suffix.end(),
                  [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
    return Status::Error("--name-suffix (or [vmware] name_suffix) \"" +
                         Printable(o->name_suffix, 80) + "\": at most " +
                         std::to_string(kMaxNameSuffix) + " bytes, no control characters");
  }
  if (o->state_dir.empty()) o->state_dir = kDefaultStateDir;
  if (o->interval == 0) o->interval = kDefaultInterval;
  if (o->inventory_refresh < 0) o->inventory_refresh = kDefaultInventoryRefresh;
  if (o->concurrency == 0) o->concurrency = kDefaultConcurrency;
  if (o->timeout == 0) o->timeout = kDefaultTimeout;
  if (o->spool_max_bytes == 0) o->spool_max_bytes = kDefaultSpoolMaxBytes;
  return Status::Ok();
}

// The password: from --password-file (mode 0600), or $ZABITAN_VMWARE_PASSWORD; never argv.
Status ReadPassword(const Settings& o, std::string* password) {
  if (!o.password_file.empty()) {
    return ReadSecretLine(o.password_file, password);
  }
  if (const char* env = std::getenv("ZABITAN_VMWARE_PASSWORD")) {
    *password = env;
    return Status::Ok();
  }
  return Status::Error(
      "no password: give --password-file FILE (mode 0600) or set ZABITAN_VMWARE_PASSWORD");
}

// The inventory's state file: per endpoint and user, as the session it belongs to.
std::string InventoryFile(const Settings& o) {
  return o.state_dir + "/inventory-" + vsphere::StateKey(o.url + "\n" + o.user) + ".json";
}

std::string WatermarkFile(const Settings& o) {
  return o.state_dir + "/perf-" + vsphere::StateKey(o.url) + ".json";
}

}  // namespace zabitan::vmware_collector
