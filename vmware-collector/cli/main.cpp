// zabitan-vmware: pulls ESXi/vCenter performance data over the vSphere API into Zabbix.
// One run connects (keeping the session across runs; --check, --logout), reads the inventory,
// sends low-level discovery with datastore sizes, power states and uptimes, then the realtime
// performance samples of every host and VM (aggregates and per NIC, disk and datastore, with
// their instances' discovery), or prints it all (--dry-run). --daemon repeats that every
// --interval seconds in one process, keeping the session; --spool keeps what Zabbix did not take.
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "daemon.h"
#include "state.h"
#include "zabitan/common/config.h"
#include "zabitan/common/log.h"
#include "zabitan/common/printable.h"
#include "zabitan/common/secret_file.h"
#include "zabitan/common/spool.h"
#include "zabitan/sender/input_line.h"
#include "zabitan/sender/routed_sender.h"
#include "zabitan/vsphere/discovery.h"
#include "zabitan/vsphere/failure.h"
#include "zabitan/vsphere/inventory.h"
#include "zabitan/vsphere/metrics.h"
#include "zabitan/vsphere/perf.h"
#include "zabitan/vsphere/session.h"
#include "zabitan/vsphere/soap_client.h"

namespace zabitan::vmware {
namespace {

using sender::kExitFailure;
using sender::kExitOk;

constexpr int64_t kDefaultInterval = 60;
constexpr int64_t kDefaultTimeout = 60;  // seconds per vSphere call
constexpr int64_t kDefaultInventoryRefresh = 3600;
constexpr int64_t kDefaultConcurrency = 8;
constexpr uint64_t kDefaultSpoolMaxBytes = uint64_t{1} << 30;
constexpr const char* kDefaultStateDir = "/var/lib/zabitan/vmware";

struct Options {
  std::string config = kDefaultConfigPath;
  std::string url, user, password_file, ca_file, thumbprint, state_dir, zabbix_server, zabbix_host;
  bool insecure = false;
  bool logout = false;
  bool check = false;
  bool dry_run = false;
  bool daemon = false;
  bool once = false;            // wins over `daemon = true` in the config
  int64_t interval = 0;         // seconds between cycle starts (--daemon); 0: unset
  int64_t timeout = 0;          // seconds a vSphere call may take; 0: unset (60)
  std::string spool;            // spool folder; empty: none
  int64_t spool_max_bytes = 0;  // 0: unset
  int64_t inventory_refresh =
      -1;                   // seconds between full reads of the inventory; 0: every run; -1: unset
  int64_t concurrency = 0;  // QueryPerf calls at once; 0: unset
  int verbose = 0;
  std::vector<std::string> vm_counters, hv_counters;  // extra counters, group.name.rollup
};

// [vmware] keys fill what the command line left empty.
Status ApplyConfig(Options* o, bool config_given) {
  Config config;
  if (Status s = Config::Load(o->config, config_given, &config); !s.ok()) return s;
  ConfigSection sec;
  if (Status s = config.Section("vmware", &sec); !s.ok()) return s;
  if (Status s = sec.CheckKnownKeys(
          {"url", "user", "password_file", "ca_file", "thumbprint", "state_dir", "zabbix_server",
           "zabbix_host", "vm_counters", "hv_counters", "daemon", "interval", "spool",
           "spool_max_bytes", "inventory_refresh", "concurrency", "timeout"});
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
              {"spool", &o->spool}};
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
        std::tuple{"inventory_refresh", &o->inventory_refresh, int64_t{0}, int64_t{86400 * 7},
                   int64_t{-1}},
        std::tuple{"concurrency", &o->concurrency, int64_t{1}, int64_t{64}, int64_t{0}},
        std::tuple{"timeout", &o->timeout, int64_t{1}, int64_t{3600}, int64_t{0}}}) {
    std::optional<int64_t> v;
    if (Status s = sec.GetInt(key, min, max, &v); !s.ok()) return s;
    if (v && *slot == unset) *slot = *v;
  }
  if (o->state_dir.empty()) o->state_dir = kDefaultStateDir;
  if (o->interval == 0) o->interval = kDefaultInterval;
  if (o->inventory_refresh < 0) o->inventory_refresh = kDefaultInventoryRefresh;
  if (o->concurrency == 0) o->concurrency = kDefaultConcurrency;
  if (o->timeout == 0) o->timeout = kDefaultTimeout;
  if (o->spool_max_bytes == 0) o->spool_max_bytes = static_cast<int64_t>(kDefaultSpoolMaxBytes);
  return Status::Ok();
}

// The password: from --password-file (mode 0600), or $ZABITAN_VMWARE_PASSWORD; never argv.
Status ReadPassword(const Options& o, std::string* password) {
  if (!o.password_file.empty()) {
    if (Status s = ReadSecretFile(o.password_file, password); !s.ok()) return s;
    while (!password->empty() && (password->back() == '\n' || password->back() == '\r'))
      password->pop_back();
    return Status::Ok();
  }
  if (const char* env = std::getenv("ZABITAN_VMWARE_PASSWORD")) {
    *password = env;
    return Status::Ok();
  }
  return Status::Error(
      "no password: give --password-file FILE (mode 0600) or set ZABITAN_VMWARE_PASSWORD");
}

// The inventory's state file: per endpoint and user, as the session it belongs to.
std::string InventoryFile(const Options& o) {
  return o.state_dir + "/inventory-" + vsphere::StateKey(o.url + "\n" + o.user) + ".json";
}

// Realtime samples of every host and VM, newer than their watermark, with their own clocks:
// zabitan.vmware.{hv,vm}.perf[COUNTER] and perf[COUNTER,INSTANCE] on the entity's own Zabbix
// host, each entity's after the discovery of its instances (metrics.h), handed to `emit` as each
// QueryPerf batch is read: 10,000 VMs × 15 samples × 16 series never sit in memory at once.
using Emit = std::function<void(const sender::Value&)>;
Status AddPerformance(const Options& o, vsphere::SoapClient& client,
                      const vsphere::ServiceContent& sc,
                      const std::vector<vsphere::Entity>& entities, int64_t max_query_metrics,
                      Watermarks* marks, const Emit& emit) {
  std::vector<std::string> wanted;  // every path this run asks for
  for (const char* type : {"HostSystem", "VirtualMachine"}) {
    for (const vsphere::MetricSpec& spec : vsphere::DefaultMetrics(type))
      wanted.push_back(spec.path);
  }
  wanted.insert(wanted.end(), o.vm_counters.begin(), o.vm_counters.end());
  wanted.insert(wanted.end(), o.hv_counters.begin(), o.hv_counters.end());
  std::map<std::string, vsphere::Counter> catalogue;
  if (Status s = CounterCache(o.state_dir, sc).Get(client, sc, wanted, &catalogue); !s.ok())
    return s;
  vsphere::QueryLimits limits;
  limits.max_query_metrics = max_query_metrics;
  limits.concurrency = static_cast<size_t>(o.concurrency);
  const uint32_t now = static_cast<uint32_t>(std::time(nullptr));
  std::vector<vsphere::Entity> datastores;  // they name the datastore instances' discovery
  std::copy_if(entities.begin(), entities.end(), std::back_inserter(datastores),
               [](const vsphere::Entity& e) { return e.moref.type == "Datastore"; });
  for (const char* type : {"HostSystem", "VirtualMachine"}) {
    std::vector<vsphere::MetricSpec> specs = vsphere::DefaultMetrics(type);
    std::vector<std::string> unknown;
    const bool vm = std::string_view(type) == "VirtualMachine";
    vsphere::AddExtraCounters(vm ? o.vm_counters : o.hv_counters, catalogue, &specs, &unknown);
    for (const std::string& path : unknown) {
      // Shown at every verbosity (log::Warning needs -v): a mistyped counter must not go unseen.
      std::fprintf(
          stderr,
          "zabitan-vmware: warning: %s counter \"%s\" is not offered by this endpoint: skipped\n",
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
    // Back to the oldest watermark (a run after a pause fills the gap), within realtime's hour.
    const int max_sample = marks->SamplesNeeded(of_type, now);
    log::Debug(std::string(type) + ": " + std::to_string(max_sample) + " samples per series");
    Status s = vsphere::QueryRealtime(
        client, sc, of_type, metrics, max_sample,
        [marks](const vsphere::Entity& e) { return marks->Last(e.uuid); }, limits,
        [&](const vsphere::PerfResult& r) {
          // The batch's entities come whole (perf.h): their instances' discovery, then their
          // samples.
          for (const sender::Value& v :
               vsphere::InstanceDiscoveryValues(type, specs, r.series, datastores, now)) {
            emit(v);
          }
          for (const vsphere::Sample& smp : r.samples) {
            if (!marks->IsNew(smp.entity->uuid, smp.clock)) continue;
            auto spec = spec_of.find(smp.counter->path);
            if (spec == spec_of.end()) continue;
            std::string key = vsphere::PerfKey(type, *spec->second, smp.instance);
            if (key.empty()) continue;  // e.g. the aggregate of a per-disk counter
            emit({smp.entity->uuid, std::move(key), smp.value, smp.clock, smp.ns});
            marks->Advance(smp.entity->uuid, smp.clock);
          }
        });
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

// One collection: inventory → discovery values → Zabbix (or stdout with --dry-run).
// Exit codes as zabitan-sender's: 0 delivered, 2 partial, 3 spooled, 1 failed.
int Collect(const Options& o, vsphere::SoapClient& client, const vsphere::ServiceContent& sc,
            vsphere::Inventory* inventory, Spool* spool, Watermarks* watermarks) {
  if (o.zabbix_host.empty()) {
    log::Error("give --zabbix-host (the endpoint's host name in Zabbix)");
    return kExitFailure;
  }
  const std::string inventory_file = InventoryFile(o);
  bool full = false;
  if (Status s = vsphere::UpdateInventory(client, sc, std::chrono::seconds(o.inventory_refresh),
                                          std::time(nullptr), inventory, &full);
      !s.ok()) {
    log::Error(vsphere::FailureReason(s));
    return kExitFailure;
  }
  log::Debug(std::string(full ? "inventory read whole" : "inventory updated") + ": " +
             std::to_string(inventory->entities.size()) + " entities");
  if (full || inventory->max_query_metrics == 0) {
    if (Status s = vsphere::ReadMaxQueryMetrics(client, sc, &inventory->max_query_metrics);
        !s.ok()) {
      log::Error(vsphere::FailureReason(s));
      return kExitFailure;
    }
  }
  log::Debug("maxQueryMetrics " + std::to_string(inventory->max_query_metrics));
  if (Status s = vsphere::SaveInventory(inventory_file, *inventory); !s.ok())
    log::Warning(s.message());
  const std::vector<vsphere::Entity> entities = inventory->List();
  // Where the values go as they are made: stdout (--dry-run) or Zabbix (routed_sender.h): the
  // fast batches go out while the next QueryPerf replies are read.
  Watermarks& marks = *watermarks;
  marks.StartCycle();
  std::unique_ptr<sender::RoutedSender> out;
  if (!o.dry_run) {
    sender::RoutedSenderOptions oo;
    oo.state_dir = o.state_dir;
    oo.scope = o.url;
    oo.spool = spool;
    oo.concurrency = static_cast<size_t>(o.concurrency);
    const std::set<std::string> extra = vsphere::NamedCounterPaths(o.vm_counters, o.hv_counters);
    oo.group_of = [extra](const std::string& h, const std::string& k) {
      return vsphere::PendingGroup(h, k, extra);
    };
    // The endpoint's host is made before the first run: its template's items (the LLD rules) exist.
    oo.known_from_start = [&o](const std::string& host, const std::string& key) {
      return host == o.zabbix_host && key.find('[') == std::string::npos;
    };
    // A first run of this version after an older one: the entities it had sent samples of
    // (and the endpoint's own host) have their items.
    oo.sent_before = [&marks, &o](const std::string& host) {
      return !marks.empty() && (host == o.zabbix_host || marks.Last(host) > 0);
    };
    if (o.zabbix_server.empty()) {
      log::Error("give --zabbix-server (or --dry-run)");
      return kExitFailure;
    }
    if (Status s =
            sender::ParseDestinations(o.zabbix_server, sender::kDefaultPort, &oo.destinations);
        !s.ok()) {
      log::Error("--zabbix-server: " + s.message());
      return kExitFailure;
    }
    if (Status s = sender::RoutedSender::Open(std::move(oo), &out); !s.ok()) {
      log::Error(s.message());
      return kExitFailure;
    }
  }
  uint64_t made = 0;
  const Emit emit = [&](const sender::Value& v) {
    ++made;
    if (o.dry_run) {
      std::printf("%s\n", sender::FormatInputLine(v).c_str());
    } else {
      out->Add(v, static_cast<uint32_t>(std::time(nullptr)));
    }
  };
  // Discovery first: the values of new items wait for what Zabbix makes of it.
  for (const sender::Value& v : vsphere::DiscoveryValues(
           o.zabbix_host, entities, static_cast<uint32_t>(std::time(nullptr)))) {
    emit(v);
  }
  Status collected =
      AddPerformance(o, client, sc, entities, inventory->max_query_metrics, &marks, emit);
  std::string by_method;  // -v: what caching saves
  for (const auto& [method, n] : client.calls_by_method()) {
    by_method += (by_method.empty() ? "" : ", ") + method + " " + std::to_string(n);
  }
  log::Warning(std::to_string(client.calls()) + " SOAP calls so far (" + by_method + ")");
  if (!collected.ok()) {
    // An entity the queries named may be gone in a way no update told: read it all next time.
    inventory->full_read = 0;
    if (Status saved = vsphere::SaveInventory(inventory_file, *inventory); !saved.ok())
      log::Warning(saved.message());
  }
  if (o.dry_run) {  // printed; the watermarks stay where they are
    std::fflush(stdout);
    if (collected.ok()) return kExitOk;
    log::Error(vsphere::FailureReason(collected));
    return kExitFailure;
  }
  // What was sent before a failure to collect counts too: its watermarks are kept (unless the
  // sending failed), so the next run does not send it again.
  Status saved;
  const int code = out->Finish(
      std::to_string(entities.size()) + " entities, " + std::to_string(made) + " values sent",
      collected.ok(), [&marks, &saved] { saved = marks.Save(); });
  if (!collected.ok()) {
    log::Error(vsphere::FailureReason(collected));
    return kExitFailure;
  }
  if (!saved.ok()) {
    // Silent, this made every later cron run send its whole window again (duplicates against a
    // vCenter whose samples align): the admin must hear of the disk. A daemon keeps its
    // watermarks in memory and goes on from them.
    log::Error(saved.message() +
               ": the watermarks were not saved; the next run sends again what this one "
               "delivered since the last saved ones");
    return kExitFailure;
  }
  return code;
}

// One cycle: the session (logging in again when the endpoint ended it), then a collection.
int Cycle(const Options& o, vsphere::SoapClient& client, const vsphere::ServiceContent& sc,
          const vsphere::Credentials& credentials, const std::string& state_file,
          vsphere::Inventory* inventory, Spool* spool, Watermarks* watermarks) {
  bool reused = false;
  if (Status s = vsphere::EnsureSession(client, sc, credentials, state_file, &reused); !s.ok()) {
    log::Error(vsphere::FailureReason(s));
    return kExitFailure;
  }
  log::Debug(std::string(reused ? "reused" : "new") + " session with " + sc.full_name);
  return Collect(o, client, sc, inventory, spool, watermarks);
}

// --daemon: a cycle every `interval` seconds, counted from the start of the previous one; a
// cycle that overran starts the next at once (and says so). Returns the last cycle's code.
int Daemon(const Options& o, vsphere::SoapClient& client, const vsphere::ServiceContent& sc,
           const vsphere::Credentials& credentials, const std::string& state_file,
           vsphere::Inventory* inventory, Spool* spool, Watermarks* watermarks, StopSignals* stop) {
  const auto interval = std::chrono::seconds(o.interval);
  int code = kExitOk;
  for (uint64_t n = 1;; ++n) {
    auto start = std::chrono::steady_clock::now();
    code = Cycle(o, client, sc, credentials, state_file, inventory, spool, watermarks);
    auto took = std::chrono::steady_clock::now() - start;
    log::Debug("cycle " + std::to_string(n) + " ended with " + std::to_string(code));
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(interval - took);
    if (took >= interval) {
      // Shown at every verbosity: a daemon that cannot keep up falls behind (samples older
      // than vSphere's realtime hour are lost).
      std::fprintf(
          stderr,
          "zabitan-vmware: warning: cycle %llu took %.1f s, longer than the interval (%lld s): "
          "the next starts now\n",
          static_cast<unsigned long long>(n), std::chrono::duration<double>(took).count(),
          static_cast<long long>(o.interval));
      wait = std::chrono::milliseconds(0);
    }
    if (stop->Wait(wait)) return code;
  }
}

int Run(int argc, char** argv) {
  Options o;
  CLI::App app{"zabitan-vmware: ESXi/vCenter performance data into Zabbix"};
  auto* config_opt = app.add_option("--config", o.config, "zabitan config file ([vmware] section)");
  app.add_option("--url", o.url, "vSphere endpoint, https://vcenter.example.com/sdk");
  app.add_option("--user", o.user, "vSphere user");
  app.add_option("--password-file", o.password_file, "file holding the password (mode 0600)");
  app.add_option("--ca-file", o.ca_file, "CA bundle (PEM) that signs the endpoint's certificate");
  app.add_option("--thumbprint", o.thumbprint,
                 "accept exactly the certificate with this SHA-256 fingerprint");
  app.add_flag("--insecure", o.insecure, "do not check the endpoint's certificate at all");
  app.add_option("--state-dir", o.state_dir, "where the session is kept between runs");
  app.add_flag("--check", o.check, "connect (reusing the saved session), report and exit");
  app.add_flag("--logout", o.logout, "log the saved session out and forget it");
  app.add_option("--zabbix-server", o.zabbix_server, "where to send (zabbix_sender's -z syntax)");
  app.add_option("--zabbix-host", o.zabbix_host, "the endpoint's host in Zabbix (LLD, datastores)");
  app.add_flag("--dry-run", o.dry_run,
               "print the values as zabbix_sender -T -N input instead of sending");
  auto* once = app.add_flag("--once", o.once, "collect once and exit (the default)");
  app.add_flag("--daemon", o.daemon, "collect every --interval seconds until SIGTERM/SIGINT")
      ->excludes(once);
  app.add_option("--timeout", o.timeout, "seconds a vSphere call may take (default 60)")
      ->check(CLI::Range(int64_t{1}, int64_t{3600}));
  app.add_option("--interval", o.interval,
                 "seconds between the starts of two cycles (--daemon; default 60)")
      ->check(CLI::Range(int64_t{1}, int64_t{86400}));
  app.add_option("--inventory-refresh", o.inventory_refresh,
                 "seconds between full reads of the inventory (changes arrive in between; 0: every "
                 "run; default 3600)")
      ->check(CLI::Range(int64_t{0}, int64_t{86400 * 7}));
  app.add_option("--concurrency", o.concurrency, "QueryPerf calls in flight at once (default 8)")
      ->check(CLI::Range(int64_t{1}, int64_t{64}));
  app.add_option("--spool", o.spool,
                 "keep values Zabbix did not take in DIR; they go first next run")
      ->type_name("DIR");
  app.add_option("--spool-max-bytes", o.spool_max_bytes,
                 "size limit of the spool (oldest dropped; default 1 GiB)")
      ->check(CLI::Range(int64_t{1} << 20, INT64_MAX));
  app.add_option("--vm-counter", o.vm_counters,
                 "also collect this counter (group.name.rollup) of every VM; repeatable")
      ->type_name("PATH")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--hv-counter", o.hv_counters,
                 "also collect this counter (group.name.rollup) of every host; repeatable")
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
  if (Status sd = MakeStateDir(o.state_dir); !sd.ok()) {
    log::Error(sd.message());
    return kExitFailure;
  }
  vsphere::SoapOptions so;
  so.url = o.url;
  so.ca_file = o.ca_file;
  so.thumbprint = o.thumbprint;
  so.insecure = o.insecure;
  so.timeout = std::chrono::seconds(o.timeout);
  std::unique_ptr<vsphere::SoapClient> client;
  vsphere::ServiceContent sc;
  Status s = vsphere::SoapClient::Create(so, &client);
  if (s.ok()) s = vsphere::RetrieveServiceContent(*client, &sc);
  if (!s.ok()) {
    log::Error(vsphere::FailureReason(s));
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
  if (o.check) {
    bool reused = false;
    if (s = vsphere::EnsureSession(*client, sc, credentials, state_file, &reused); !s.ok()) {
      log::Error(vsphere::FailureReason(s));
      return kExitFailure;
    }
    std::printf("connected to \"%s\" (%s, API %s) as %s: %s session\n", sc.full_name.c_str(),
                sc.api_type.c_str(), sc.api_version.c_str(), o.user.c_str(),
                reused ? "reused" : "new");
    return kExitOk;
  }
  std::unique_ptr<Spool> spool;
  if (!o.spool.empty() && !o.dry_run) {
    // Another zabitan-vmware on the same spool (a cron run overlapping a slow one) waits its turn.
    if (Status ss = Spool::Open(o.spool, static_cast<uint64_t>(o.spool_max_bytes),
                                std::chrono::seconds(30), &spool);
        !ss.ok()) {
      log::Error(ss.message());
      return kExitFailure;
    }
  }
  vsphere::Inventory inventory;  // kept for the daemon's next cycles; on disk for the next run
  if (Status is = vsphere::LoadInventory(InventoryFile(o), &inventory); !is.ok())
    log::Warning(is.message());
  // SIGTERM and SIGINT wait for the cycle in progress (each call has its deadline): what it
  // collected is delivered or spooled and its watermarks saved, never dropped half-sent.
  // The watermarks live as long as the process: a daemon whose state folder cannot be written
  // goes on from what it delivered instead of sending it again every cycle.
  Watermarks watermarks(o.state_dir + "/perf-" + vsphere::StateKey(o.url) + ".json");
  StopSignals stop;
  if (!o.daemon) {
    const int code =
        Cycle(o, *client, sc, credentials, state_file, &inventory, spool.get(), &watermarks);
    if (stop.Wait(std::chrono::milliseconds(0)))
      log::Warning("stopped after the cycle in progress");
    return code;
  }
  return Daemon(o, *client, sc, credentials, state_file, &inventory, spool.get(), &watermarks,
                &stop);
}

}  // namespace
}  // namespace zabitan::vmware

int main(int argc, char** argv) { return zabitan::vmware::Run(argc, argv); }
