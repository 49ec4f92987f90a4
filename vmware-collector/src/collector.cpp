#include "zabitan/vmware_collector/collector.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iterator>
#include <map>
#include <memory>
#include <set>

#include "zabitan/common/log.h"
#include "zabitan/common/printable.h"
#include "zabitan/sender/routed_sender.h"
#include "zabitan/vmware_collector/counter_cache.h"
#include "zabitan/vmware_collector/discovery.h"
#include "zabitan/vmware_collector/error.h"
#include "zabitan/vmware_collector/inventory_file.h"
#include "zabitan/vmware_collector/metrics.h"
#include "zabitan/vmware_collector/perf_values.h"
#include "zabitan/vsphere/failure.h"
#include "zabitan/vsphere/inventory.h"
#include "zabitan/vsphere/perf.h"

namespace zabitan::vmware_collector {

using sender::kExitFailure;
using sender::kExitOk;

Collector::Collector(Settings settings, vsphere::SoapClient& client,
                     const vsphere::ServiceContent& sc, vsphere::Credentials credentials,
                     Spool* spool)
    : settings_(std::move(settings)),
      client_(client),
      sc_(sc),
      credentials_(std::move(credentials)),
      spool_(spool),
      session_file_(vsphere::SessionFile(settings_.state_dir, settings_.url, settings_.user)),
      inventory_file_(InventoryFile(settings_)),
      watermarks_(WatermarkFile(settings_)) {
  // A first run finds no state files: nothing to say. A file that is there but of no use is
  // said, by its code, not its wording (error.h).
  if (Status s = LoadInventory(inventory_file_, &inventory_); s.code() == Errc::kNotFound) {
    log::Debug("no inventory saved yet: it is read whole");
  } else if (!s.ok()) {
    log::Warning(s.message() + "; the inventory is read whole");  // it costs time, nothing more
  }
  if (Status s = watermarks_.Load(); !s.ok() && s.code() != Errc::kNotFound) {
    // Shown at every verbosity (log::Warning needs -v): an entity without its watermark gets
    // the last 5 minutes again, so samples an earlier run sent may reach Zabbix twice.
    std::fprintf(stderr,
                 "zabitan-vmware: warning: %s: samples of the last 5 minutes may be sent again\n",
                 Printable(s.message(), 300).c_str());
  }
}

// Realtime samples of every host and VM, newer than their watermark, with their own clocks:
// zabitan.vmware.{hv,vm}.perf[COUNTER] and perf[COUNTER,INSTANCE] on the entity's own Zabbix
// host, each entity's after the discovery of its instances (metrics.h), handed to the sink as
// each QueryPerf reply is read: 10,000 VMs × 15 samples × 16 series never sit in memory at once.
Status Collector::AddPerformance(const std::vector<vsphere::Entity>& entities, ValueSink* sink) {
  const Settings& o = settings_;
  std::vector<std::string> wanted;  // every path this run asks for
  for (const char* type : {"HostSystem", "VirtualMachine"}) {
    for (const MetricSpec& spec : DefaultMetrics(type)) wanted.push_back(spec.path);
  }
  wanted.insert(wanted.end(), o.vm_counters.begin(), o.vm_counters.end());
  wanted.insert(wanted.end(), o.hv_counters.begin(), o.hv_counters.end());
  std::map<std::string, vsphere::Counter> catalogue;
  const CounterCache cache(o.state_dir, sc_);
  if (Status cached = cache.Lookup(wanted, &catalogue); cached.ok()) {
    log::Debug("counter catalogue from " + cache.path());
  } else {
    if (cached.code() == Errc::kNotFound || cached.code() == Errc::kCacheMiss)
      log::Debug(cached.message() + ": the counter catalogue is read");
    else
      log::Warning(cached.message() + ": the counter catalogue is read again");  // and rewritten
    if (Status s = vsphere::ReadCounters(client_, sc_, &catalogue); !s.ok()) return s;
    if (Status s = cache.Store(catalogue, wanted); !s.ok())
      log::Warning(s.message());  // the run goes on uncached
  }
  vsphere::QueryLimits limits;
  limits.max_query_metrics = inventory_.max_query_metrics;
  limits.concurrency = static_cast<size_t>(o.concurrency);
  const uint32_t now = static_cast<uint32_t>(std::time(nullptr));
  std::vector<vsphere::Entity> datastores;  // they name the datastore instances' discovery
  std::copy_if(entities.begin(), entities.end(), std::back_inserter(datastores),
               [](const vsphere::Entity& e) { return e.moref.type == "Datastore"; });
  for (const char* type : {"HostSystem", "VirtualMachine"}) {
    std::vector<MetricSpec> specs = DefaultMetrics(type);
    std::vector<std::string> unknown;
    const bool vm = std::string_view(type) == "VirtualMachine";
    AddExtraCounters(vm ? o.vm_counters : o.hv_counters, catalogue, &specs, &unknown);
    for (const std::string& path : unknown) {
      // Shown at every verbosity (log::Warning needs -v): a mistyped counter must not go unseen.
      std::fprintf(
          stderr,
          "zabitan-vmware: warning: %s counter \"%s\" is not offered by this endpoint: skipped\n",
          vm ? "VM" : "host", Printable(path, 100).c_str());
    }
    std::vector<vsphere::MetricId> metrics;
    for (const MetricSpec& spec : specs) {
      auto it = catalogue.find(spec.path);
      if (it == catalogue.end()) {
        log::Debug("counter " + spec.path + " is not offered by this endpoint");
        continue;
      }
      metrics.push_back({&it->second, spec.QueryInstance()});
    }
    std::vector<const vsphere::Entity*> of_type;
    for (const vsphere::Entity& e : entities) {
      if (e.moref.type == type && !e.uuid.empty()) of_type.push_back(&e);
    }
    if (metrics.empty() || of_type.empty()) continue;
    // Back to the oldest watermark (a run after a pause fills the gap), within realtime's hour.
    const int max_sample = watermarks_.SamplesNeeded(of_type, now);
    log::Debug(std::string(type) + ": " + std::to_string(max_sample) + " samples per series");
    std::vector<uint32_t> sent_up_to;
    sent_up_to.reserve(of_type.size());
    for (const vsphere::Entity* e : of_type) sent_up_to.push_back(watermarks_.Last(e->uuid));
    // Down in one pass: each QueryPerf reply, as it is read, to values, to the sink.
    vsphere::PerfQuery query(client_, sc_, of_type, metrics, max_sample, std::move(sent_up_to),
                             limits);
    vsphere::PerfResult r;
    bool done = false;
    Status s;
    while ((s = query.Next(&r, &done)).ok() && !done) {
      AddPerfValues(type, specs, r, datastores, now, &watermarks_, sink);
    }
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

// One collection: inventory → discovery values → Zabbix (or stdout with --dry-run).
int Collector::Collect() {
  const Settings& o = settings_;
  if (o.zabbix_host.empty()) {
    log::Error("give --zabbix-host (the endpoint's host name in Zabbix)");
    return kExitFailure;
  }
  bool full = false;
  if (Status s = vsphere::UpdateInventory(client_, sc_, std::chrono::seconds(o.inventory_refresh),
                                          std::time(nullptr), &inventory_, &full);
      !s.ok()) {
    log::Error(vsphere::FailureReason(s));
    return kExitFailure;
  }
  log::Debug(std::string(full ? "inventory read whole" : "inventory updated") + ": " +
             std::to_string(inventory_.entities.size()) + " entities");
  if (full || inventory_.max_query_metrics == 0) {
    if (Status s = vsphere::ReadMaxQueryMetrics(client_, sc_, &inventory_.max_query_metrics);
        !s.ok()) {
      log::Error(vsphere::FailureReason(s));
      return kExitFailure;
    }
  }
  log::Debug("maxQueryMetrics " + std::to_string(inventory_.max_query_metrics));
  if (Status s = SaveInventory(inventory_file_, inventory_); !s.ok()) log::Warning(s.message());
  const std::vector<vsphere::Entity> entities = inventory_.List();
  // Where the values go as they are made: stdout (--dry-run) or Zabbix (routed_sender.h): the
  // fast batches go out while the next QueryPerf replies are read.
  Watermarks& marks = watermarks_;
  marks.StartCycle();
  std::unique_ptr<sender::RoutedSender> out;
  if (!o.dry_run) {
    sender::RoutedSenderOptions oo;
    oo.state_dir = o.state_dir;
    oo.scope = o.url;
    oo.spool = spool_;
    oo.concurrency = static_cast<size_t>(o.concurrency);
    const std::set<std::string> extra = NamedCounterPaths(o.vm_counters, o.hv_counters);
    oo.group_of = [extra](const std::string& h, const std::string& k) {
      return PendingGroup(h, k, extra);
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
  PrintSink print(stdout);
  std::unique_ptr<RoutedSink> routed;
  if (out) routed = std::make_unique<RoutedSink>(*out);
  ValueSink& sink = o.dry_run ? static_cast<ValueSink&>(print) : *routed;
  // Discovery first: the values of new items wait for what Zabbix makes of it.
  for (const sender::Value& v : DiscoveryValues(
           o.zabbix_host, entities, static_cast<uint32_t>(std::time(nullptr)), o.name_suffix)) {
    sink.Add(v);
  }
  Status collected = AddPerformance(entities, &sink);
  std::string by_method;  // -v: what caching saves
  for (const auto& [method, n] : client_.calls_by_method()) {
    by_method += (by_method.empty() ? "" : ", ") + method + " " + std::to_string(n);
  }
  log::Warning(std::to_string(client_.calls()) + " SOAP calls so far (" + by_method + ")");
  if (!collected.ok()) {
    // An entity the queries named may be gone in a way no update told: read it all next time.
    inventory_.full_read = 0;
    if (Status saved = SaveInventory(inventory_file_, inventory_); !saved.ok())
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
  const int code = out->Finish(std::to_string(entities.size()) + " entities, " +
                                   std::to_string(sink.count()) + " values sent",
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

int Collector::Cycle() {
  bool reused = false;
  if (Status s = vsphere::EnsureSession(client_, sc_, credentials_, session_file_, &reused);
      !s.ok()) {
    log::Error(vsphere::FailureReason(s));
    return kExitFailure;
  }
  log::Debug(std::string(reused ? "reused" : "new") + " session with " + sc_.full_name);
  return Collect();
}

// A daemon's cycles: the session, the inventory and the watermarks stay in memory between them.
int Collector::Daemon(StopSignals* stop) {
  const Settings& o = settings_;
  const auto interval = std::chrono::seconds(o.interval);
  int code = kExitOk;
  for (uint64_t n = 1;; ++n) {
    auto start = std::chrono::steady_clock::now();
    code = Cycle();
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

}  // namespace zabitan::vmware_collector
