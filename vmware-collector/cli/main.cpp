// zabitan-vmware: pulls ESXi/vCenter performance data over the vSphere API into Zabbix.
// One run connects (keeping the session across runs; --check, --logout), reads the inventory,
// sends low-level discovery with datastore sizes, power states and uptimes, then the realtime
// performance samples of every host and VM (aggregates and per NIC, disk and datastore, with
// their instances' discovery), or prints it all (--dry-run).
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <toml++/toml.h>

#include "zabitan/common/config.h"
#include "zabitan/common/log.h"
#include "zabitan/common/printable.h"
#include "zabitan/common/secret_file.h"
#include "zabitan/sender/destination.h"
#include "zabitan/sender/input_line.h"
#include "zabitan/sender/sender.h"
#include "zabitan/vsphere/discovery.h"
#include "zabitan/vsphere/inventory.h"
#include "zabitan/vsphere/metrics.h"
#include "zabitan/vsphere/perf.h"
#include "zabitan/vsphere/session.h"
#include "zabitan/vsphere/soap_client.h"

namespace zabitan::vmware {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr const char* kDefaultStateDir = "/var/lib/zabitan/vmware";

struct Options {
  std::string config = kDefaultConfigPath;
  std::string url, user, password_file, ca_file, thumbprint, state_dir, zabbix_server, zabbix_host;
  bool insecure = false;
  bool logout = false;
  bool check = false;
  bool dry_run = false;
  int verbose = 0;
  std::vector<std::string> vm_counters, hv_counters;  // extra counters, group.name.rollup
};

// An array of strings in [section] of the config file at `path` (already loaded once by
// Config::Load, which checked it). ConfigSection has no getter for arrays yet; this belongs
// there (common/) as GetStringList.
Status GetStringList(const std::string& path, std::string_view section, std::string_view key,
                     std::optional<std::vector<std::string>>* out) {
  out->reset();
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Ok();  // no file: defaults (Config::Load has told a missing required one)
  std::stringstream text;
  text << in.rdbuf();
  toml::table root;
  try {
    root = toml::parse(text.str(), path);
  } catch (const toml::parse_error&) {
    return Status::Ok();  // Config::Load has reported it
  }
  const toml::node* node = root[section][key].node();
  if (node == nullptr) return Status::Ok();
  auto where = [&] {
    return path + ":" + std::to_string(node->source().begin.line) + ": " + std::string(section) + "." +
           std::string(key);
  };
  const toml::array* array = node->as_array();
  if (array == nullptr) return Status::Error(where() + ": expected an array of strings");
  std::vector<std::string> list;
  for (const toml::node& element : *array) {
    if (!element.is_string()) return Status::Error(where() + ": expected an array of strings");
    list.push_back(*element.value<std::string>());
  }
  *out = std::move(list);
  return Status::Ok();
}

// [vmware] keys fill what the command line left empty.
Status ApplyConfig(Options* o, bool config_given) {
  Config config;
  if (Status s = Config::Load(o->config, config_given, &config); !s.ok()) return s;
  ConfigSection sec;
  if (Status s = config.Section("vmware", &sec); !s.ok()) return s;
  if (Status s = sec.CheckKnownKeys({"url", "user", "password_file", "ca_file", "thumbprint", "state_dir",
                                      "zabbix_server", "zabbix_host", "vm_counters", "hv_counters"});
      !s.ok()) {
    return s;
  }
  for (auto [key, slot] : {std::pair{"vm_counters", &o->vm_counters}, std::pair{"hv_counters", &o->hv_counters}}) {
    std::optional<std::vector<std::string>> v;
    if (Status s = GetStringList(o->config, "vmware", key, &v); !s.ok()) return s;
    if (v && slot->empty()) *slot = *v;  // --vm-counter/--hv-counter win
  }
  struct Key {
    const char* name;
    std::string* slot;
  } keys[] = {{"url", &o->url}, {"user", &o->user}, {"password_file", &o->password_file},
              {"ca_file", &o->ca_file}, {"thumbprint", &o->thumbprint}, {"state_dir", &o->state_dir},
              {"zabbix_server", &o->zabbix_server}, {"zabbix_host", &o->zabbix_host}};
  for (const Key& k : keys) {
    std::optional<std::string> v;
    if (Status s = sec.GetString(k.name, &v); !s.ok()) return s;
    if (v && k.slot->empty()) *k.slot = *v;
  }
  if (o->state_dir.empty()) o->state_dir = kDefaultStateDir;
  return Status::Ok();
}

// The password: from --password-file (mode 0600), or $ZABITAN_VMWARE_PASSWORD; never argv.
Status ReadPassword(const Options& o, std::string* password) {
  if (!o.password_file.empty()) {
    if (Status s = ReadSecretFile(o.password_file, password); !s.ok()) return s;
    while (!password->empty() && (password->back() == '\n' || password->back() == '\r')) password->pop_back();
    return Status::Ok();
  }
  if (const char* env = std::getenv("ZABITAN_VMWARE_PASSWORD")) {
    *password = env;
    return Status::Ok();
  }
  return Status::Error("no password: give --password-file FILE (mode 0600) or set ZABITAN_VMWARE_PASSWORD");
}

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
  bool IsNew(const std::string& uuid, uint32_t clock) const {
    auto it = last_.find(uuid);
    return it == last_.end() || clock > it->second;
  }
  void Advance(const std::string& uuid, uint32_t clock) {
    uint32_t& last = next_[uuid];
    last = std::max(last, clock);
  }
  Status Save() {
    for (auto& [uuid, clock] : next_) last_[uuid] = std::max(last_[uuid], clock);
    std::string tmp = path_ + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << nlohmann::json(last_).dump() << "\n";
      if (!out) return Status::Error(tmp + ": cannot write");
    }
    if (std::rename(tmp.c_str(), path_.c_str()) != 0) return Status::Error(path_ + ": " + std::strerror(errno));
    return Status::Ok();
  }

 private:
  std::string path_;
  std::map<std::string, uint32_t> last_, next_;
};

// Realtime samples of every host and VM, newer than their watermark, with their own clocks:
// zabitan.vmware.{hv,vm}.perf[COUNTER] and perf[COUNTER,INSTANCE] on the entity's own Zabbix
// host, after the discovery of the instances seen (metrics.h).
Status AddPerformance(const Options& o, vsphere::SoapClient& client, const vsphere::ServiceContent& sc,
                      const std::vector<vsphere::Entity>& entities, Watermarks* marks,
                      std::vector<sender::Value>* values) {
  std::map<std::string, vsphere::Counter> catalogue;
  if (Status s = vsphere::ReadCounters(client, sc, &catalogue); !s.ok()) return s;
  vsphere::QueryLimits limits;
  if (Status s = vsphere::ReadMaxQueryMetrics(client, sc, &limits.max_query_metrics); !s.ok()) return s;
  log::Debug("maxQueryMetrics " + std::to_string(limits.max_query_metrics));
  const uint32_t now = static_cast<uint32_t>(std::time(nullptr));
  std::vector<sender::Value> samples;
  for (const char* type : {"HostSystem", "VirtualMachine"}) {
    std::vector<vsphere::MetricSpec> specs = vsphere::DefaultMetrics(type);
    std::vector<std::string> unknown;
    const bool vm = std::string_view(type) == "VirtualMachine";
    vsphere::AddExtraCounters(vm ? o.vm_counters : o.hv_counters, catalogue, &specs, &unknown);
    for (const std::string& path : unknown) {
      // Shown at every verbosity (log::Warning needs -v): a mistyped counter must not go unseen.
      std::fprintf(stderr, "zabitan-vmware: warning: %s counter \"%s\" is not offered by this endpoint: skipped\n",
                   vm ? "VM" : "host", Printable(path, 100).c_str());
    }
    std::vector<vsphere::MetricId> metrics;
    std::map<std::string, const vsphere::MetricSpec*> spec_of;  // counter path -> spec
    for (const vsphere::MetricSpec& spec : specs) {
      auto it = catalogue.find(spec.path);
      if (it == catalogue.end()) {
        log::Debug("counter " + spec.path + " is not offered by this endpoint");
        continue;
      }
      metrics.push_back({&it->second, spec.QueryInstance()});
      spec_of[spec.path] = &spec;
    }
    std::vector<const vsphere::Entity*> of_type;
    for (const vsphere::Entity& e : entities) {
      if (e.moref.type == type && !e.uuid.empty()) of_type.push_back(&e);
    }
    if (metrics.empty() || of_type.empty()) continue;
    std::vector<vsphere::Series> series;
    // 15 samples of 20 s: the last 5 minutes, enough for a cron run every 5 minutes.
    Status s = vsphere::QueryRealtime(
        client, sc, of_type, metrics, 15, limits, [&](const vsphere::PerfResult& r) {
          series.insert(series.end(), r.series.begin(), r.series.end());
          for (const vsphere::Sample& smp : r.samples) {
            if (!marks->IsNew(smp.entity->uuid, smp.clock)) continue;
            auto spec = spec_of.find(smp.counter->path);
            if (spec == spec_of.end()) continue;
            std::string key = vsphere::PerfKey(type, *spec->second, smp.instance);
            if (key.empty()) continue;  // e.g. the aggregate of a per-disk counter
            samples.push_back({smp.entity->uuid, std::move(key), smp.value, smp.clock, smp.ns});
            marks->Advance(smp.entity->uuid, smp.clock);
          }
        });
    if (!s.ok()) return s;
    std::vector<sender::Value> lld = vsphere::InstanceDiscoveryValues(type, specs, series, entities, now);
    values->insert(values->end(), std::make_move_iterator(lld.begin()), std::make_move_iterator(lld.end()));
  }
  // The instances' discovery goes first, then the samples.
  values->insert(values->end(), std::make_move_iterator(samples.begin()), std::make_move_iterator(samples.end()));
  return Status::Ok();
}

// One collection: inventory → discovery values → Zabbix (or stdout with --dry-run).
int Collect(const Options& o, vsphere::SoapClient& client, const vsphere::ServiceContent& sc) {
  if (o.zabbix_host.empty()) {
    log::Error("give --zabbix-host (the endpoint's host name in Zabbix)");
    return kExitFailure;
  }
  std::vector<vsphere::Entity> entities;
  if (Status s = vsphere::RetrieveInventory(client, sc, &entities); !s.ok()) {
    log::Error(s.message());
    return kExitFailure;
  }
  std::vector<sender::Value> values =
      vsphere::DiscoveryValues(o.zabbix_host, entities, static_cast<uint32_t>(std::time(nullptr)));
  Watermarks marks(o.state_dir + "/perf-" + vsphere::StateKey(o.url) + ".json");
  if (Status s = AddPerformance(o, client, sc, entities, &marks, &values); !s.ok()) {
    log::Error(s.message());
    return kExitFailure;
  }
  if (o.dry_run) {  // prints, and leaves the watermarks alone
    for (const sender::Value& v : values) std::printf("%s\n", sender::FormatInputLine(v).c_str());
    return kExitOk;
  }
  sender::SenderOptions so;
  if (o.zabbix_server.empty()) {
    log::Error("give --zabbix-server (or --dry-run)");
    return kExitFailure;
  }
  if (Status s = sender::ParseDestinations(o.zabbix_server, sender::kDefaultPort, &so.destinations); !s.ok()) {
    log::Error("--zabbix-server: " + s.message());
    return kExitFailure;
  }
  uint64_t failed = 0;
  sender::Sender out(so, [&failed](const sender::BatchOutcome& b) {
    if (!b.response || !b.response->success) {
      log::Error("sending to " + b.node->ToString() + " failed: " + b.status.message());
    } else {
      failed += static_cast<uint64_t>(b.response->failed.value_or(0));
    }
  });
  for (const sender::Value& v : values) out.Add(v);
  out.Finish();
  std::printf("%zu entities, %zu values sent, %llu refused by Zabbix\n", entities.size(),
              values.size(), static_cast<unsigned long long>(failed));
  if (out.status() == sender::RunStatus::kFailed) return kExitFailure;
  // The samples were delivered: the next run starts after them.
  if (Status s = marks.Save(); !s.ok()) log::Warning(s.message());
  return out.status() == sender::RunStatus::kPartial ? 2 : kExitOk;
}

int Run(int argc, char** argv) {
  Options o;
  CLI::App app{"zabitan-vmware: ESXi/vCenter performance data into Zabbix"};
  auto* config_opt = app.add_option("--config", o.config, "zabitan config file ([vmware] section)");
  app.add_option("--url", o.url, "vSphere endpoint, https://vcenter.example.com/sdk");
  app.add_option("--user", o.user, "vSphere user");
  app.add_option("--password-file", o.password_file, "file holding the password (mode 0600)");
  app.add_option("--ca-file", o.ca_file, "CA bundle (PEM) that signs the endpoint's certificate");
  app.add_option("--thumbprint", o.thumbprint, "accept exactly the certificate with this SHA-256 fingerprint");
  app.add_flag("--insecure", o.insecure, "do not check the endpoint's certificate at all");
  app.add_option("--state-dir", o.state_dir, "where the session is kept between runs");
  app.add_flag("--check", o.check, "connect (reusing the saved session), report and exit");
  app.add_flag("--logout", o.logout, "log the saved session out and forget it");
  app.add_option("--zabbix-server", o.zabbix_server, "where to send (zabbix_sender's -z syntax)");
  app.add_option("--zabbix-host", o.zabbix_host, "the endpoint's host in Zabbix (LLD, datastores)");
  app.add_flag("--dry-run", o.dry_run, "print the values as zabbix_sender -T -N input instead of sending");
  app.add_option("--vm-counter", o.vm_counters, "also collect this counter (group.name.rollup) of every VM; repeatable")
      ->type_name("PATH")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--hv-counter", o.hv_counters, "also collect this counter (group.name.rollup) of every host; repeatable")
      ->type_name("PATH")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_flag("-v", o.verbose, "more output (-vv for debug)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  log::Init("zabitan-vmware", std::max(o.verbose, 0), false);
  if (Status s = ApplyConfig(&o, config_opt->count() > 0); !s.ok()) {
    log::Error(s.message());
    return kExitFailure;
  }
  if (o.url.empty() || o.user.empty()) {
    log::Error("give --url and --user (or url and user in [vmware])");
    return kExitFailure;
  }
  if (::mkdir(o.state_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    log::Error(o.state_dir + ": " + std::strerror(errno));
    return kExitFailure;
  }
  vsphere::SoapOptions so;
  so.url = o.url;
  so.ca_file = o.ca_file;
  so.thumbprint = o.thumbprint;
  so.insecure = o.insecure;
  std::unique_ptr<vsphere::SoapClient> client;
  vsphere::ServiceContent sc;
  Status s = vsphere::SoapClient::Create(so, &client);
  if (s.ok()) s = vsphere::RetrieveServiceContent(*client, &sc);
  if (!s.ok()) {
    log::Error(s.message());
    return kExitFailure;
  }
  const std::string state_file = vsphere::SessionFile(o.state_dir, o.url, o.user);
  if (o.logout) {
    vsphere::Credentials none;
    std::string cookie;
    if (ReadSecretFile(state_file, &cookie).ok()) {
      while (!cookie.empty() && cookie.back() == '\n') cookie.pop_back();
      client->set_cookie(cookie);
      s = vsphere::EndSession(*client, sc, state_file);
    }
    std::printf("logged out of %s\n", o.url.c_str());
    if (!s.ok()) log::Warning(s.message());
    return kExitOk;
  }
  vsphere::Credentials credentials{o.user, {}};
  if (Status ps = ReadPassword(o, &credentials.password); !ps.ok()) {
    log::Error(ps.message());
    return kExitFailure;
  }
  bool reused = false;
  if (s = vsphere::EnsureSession(*client, sc, credentials, state_file, &reused); !s.ok()) {
    log::Error(s.message());
    return kExitFailure;
  }
  if (o.check) {
    std::printf("connected to \"%s\" (%s, API %s) as %s: %s session\n", sc.full_name.c_str(),
                sc.api_type.c_str(), sc.api_version.c_str(), o.user.c_str(), reused ? "reused" : "new");
    return kExitOk;
  }
  log::Debug(std::string(reused ? "reused" : "new") + " session with " + sc.full_name);
  return Collect(o, *client, sc);
}

}  // namespace
}  // namespace zabitan::vmware

int main(int argc, char** argv) { return zabitan::vmware::Run(argc, argv); }
