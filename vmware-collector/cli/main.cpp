// zabitan-vmware: pulls ESXi/vCenter performance data over the vSphere API into Zabbix.
// One run connects (keeping the session across runs; --check, --logout), reads the inventory,
// sends low-level discovery with datastore sizes, power states and uptimes, then the realtime
// performance samples of every host and VM (aggregates and per NIC, disk and datastore, with
// their instances' discovery), or prints it all (--dry-run). --daemon repeats that every
// --interval seconds in one process, keeping the session; --spool keeps what Zabbix did not take.
// This file only wires the options and the config to the collector library
// (zabitan/vmware_collector/collector.h), which does all of that.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

#include <CLI/CLI.hpp>

#include "zabitan/common/exit_codes.h"
#include "zabitan/common/log.h"
#include "zabitan/common/secret_file.h"
#include "zabitan/common/spool.h"
#include "zabitan/sender/routed_sender.h"
#include "zabitan/vmware_collector/collector.h"
#include "zabitan/vmware_collector/daemon.h"
#include "zabitan/vmware_collector/settings.h"
#include "zabitan/vsphere/failure.h"
#include "zabitan/vsphere/session.h"
#include "zabitan/vsphere/soap_client.h"

namespace zabitan::vmware {
namespace {

using sender::kExitFailure;
using sender::kExitOk;
using vmware_collector::Settings;

int Run(int argc, char** argv) {
  Settings o;
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
  app.add_option("--name-suffix", o.name_suffix,
                 "append \" (SUFFIX)\" to the visible name of every hypervisor and VM host "
                 "(endpoints whose names overlap)")
      ->type_name("SUFFIX");
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
      ->check(CLI::Range(int64_t{0}, int64_t{86400} * 7));
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
  if (Status s = vmware_collector::ApplyConfig(&o, config_opt->count() > 0); !s.ok()) {
    log::Error(s.message());
    return kExitFailure;
  }
  if (o.url.empty() || o.user.empty()) {
    log::Error("give --url and --user (or url and user in [vmware])");
    return kExitFailure;
  }
  if (Status sd = vmware_collector::MakeStateDir(o.state_dir); !sd.ok()) {
    log::Error(sd.message());
    return kExitFailure;
  }
  vsphere::SoapOptions so;
  so.url = o.url;
  so.ca_file = o.ca_file;
  so.thumbprint = o.thumbprint;
  so.insecure = o.insecure;
  so.timeout = std::chrono::seconds(o.timeout);
  // The session is made sure of by --check, and by the collector at every cycle.
  vsphere::Connection vc;
  Status s = vsphere::Connect(so, nullptr, o.state_dir, &vc);
  if (!s.ok()) {
    log::Error(vsphere::FailureReason(s));
    return kExitFailure;
  }
  const std::string state_file = vsphere::SessionFile(o.state_dir, o.url, o.user);
  if (o.logout) {
    std::string cookie;
    if (Status read = ReadSecretLine(state_file, &cookie); read.ok()) {
      vc.client->set_cookie(cookie);
      s = vsphere::EndSession(*vc.client, vc.content, state_file);
    } else if (read.code() != std::errc::no_such_file_or_directory) {
      s = read;  // none saved is nothing to end; one that cannot be read is said (-v)
    }
    std::printf("logged out of %s\n", o.url.c_str());
    if (!s.ok()) log::Warning(s.message());
    return kExitOk;
  }
  vsphere::Credentials credentials{o.user, {}};
  if (Status ps = vmware_collector::ReadPassword(o, &credentials.password); !ps.ok()) {
    log::Error(ps.message());
    return kExitFailure;
  }
  if (o.check) {
    bool reused = false;
    if (s = vsphere::EnsureSession(*vc.client, vc.content, credentials, state_file, &reused);
        !s.ok()) {
      log::Error(vsphere::FailureReason(s));
      return kExitFailure;
    }
    const vsphere::ServiceContent& sc = vc.content;
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
  // SIGTERM and SIGINT wait for the cycle in progress (each call has its deadline): what it
  // collected is delivered or spooled and its watermarks saved, never dropped half-sent.
  vmware_collector::StopSignals stop;
  vmware_collector::Collector collector(o, *vc.client, vc.content, std::move(credentials),
                                        spool.get());
  if (o.daemon) return collector.Daemon(&stop);
  const int code = collector.Cycle();
  if (stop.Wait(std::chrono::milliseconds(0))) log::Warning("stopped after the cycle in progress");
  return code;
}

}  // namespace
}  // namespace zabitan::vmware

int main(int argc, char** argv) {
  return zabitan::GuardedMain("zabitan-vmware", [&] { return zabitan::vmware::Run(argc, argv); });
}
