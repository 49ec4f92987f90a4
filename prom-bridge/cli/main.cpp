// zabitan-prom: Prometheus exporters into Zabbix (issue #20). Scrapes every --target, in
// parallel, and sends each family's discovery value, then its series' values, through the
// sender library's RoutedSender: values of items Zabbix already has go at once; values of new
// series wait in the state folder until Zabbix has created their items from the discovery,
// then go with their own timestamps (nothing lost to discovery). --dry-run prints instead, as
// zabbix_sender -T -N input lines (host, key, clock, ns, value). Once by default (cron);
// --daemon scrapes each target every --interval seconds until SIGTERM/SIGINT (daemon.h).
//
//   zabitan-prom --target http://localhost:9100/metrics --zabbix-server zbx --zabbix-host web01
//
// Exit status, as zabitan-vmware's: 0 sent (or waiting for discovery); 1 a target failed (one
// line each on stderr, naming it; the others are still sent), bad usage or nothing sent;
// 2 values refused by Zabbix; 3 Zabbix unreachable, values spooled or kept for the next run.
// --daemon exits with the last delivery's code (0, 2 or 3) once stopped by a signal.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "output.h"
#include "zabitan/common/config.h"
#include "zabitan/common/log.h"
#include "zabitan/prom/daemon.h"
#include "zabitan/prom/mapping.h"
#include "zabitan/prom/scraper.h"
#include "zabitan/prom/template.h"
#include "zabitan/sender/routed_sender.h"

namespace {

using namespace zabitan::prom;
using zabitan::Status;
namespace sender = zabitan::sender;
namespace log = zabitan::log;

constexpr const char* kDefaultStateDir = "/var/lib/zabitan/prom";
constexpr int64_t kDefaultSpoolMaxBytes = int64_t{1} << 30;
constexpr double kDefaultInterval = 60;

struct Options {
  std::string config = zabitan::kDefaultConfigPath;
  std::vector<std::string> targets;
  std::string zabbix_server, zabbix_host, state_dir, spool;
  int64_t spool_max_bytes = 0;  // 0: unset
  bool once = false, daemon = false, dry_run = false;
  double interval = 0;  // 0: unset
  int verbose = 0;
  TargetOptions target;  // applied to every --target
  ParseLimits limits;
  double timeout = 10;
  std::vector<double> quantiles = {0.5, 0.9, 0.99};
  std::vector<std::string> include, exclude;
};

// One target as it is scraped and mapped.
struct Target {
  TargetOptions scrape;
  ParseLimits limits;
  MappingOptions mapping;
  std::chrono::milliseconds interval{0};
};

// [prom] keys fill what the command line left empty.
Status ApplyConfig(Options* o, bool config_given) {
  zabitan::Config config;
  if (Status s = zabitan::Config::Load(o->config, config_given, &config); !s.ok()) return s;
  zabitan::ConfigSection sec;
  if (Status s = config.Section("prom", &sec); !s.ok()) return s;
  const std::vector<std::string_view> known = {"zabbix_server", "zabbix_host",     "state_dir",
                                               "spool",         "spool_max_bytes", "daemon",
                                               "interval"};
  if (Status s = sec.CheckKnownKeys(known); !s.ok()) return s;
  for (auto [key, slot] :
       {std::pair{"zabbix_server", &o->zabbix_server}, std::pair{"zabbix_host", &o->zabbix_host},
        std::pair{"state_dir", &o->state_dir}, std::pair{"spool", &o->spool}}) {
    std::optional<std::string> v;
    if (Status s = sec.GetString(key, &v); !s.ok()) return s;
    if (v && slot->empty()) *slot = *v;
  }
  std::optional<int64_t> max;
  if (Status s = sec.GetInt("spool_max_bytes", int64_t{1} << 20, INT64_MAX, &max); !s.ok())
    return s;
  if (max && o->spool_max_bytes == 0) o->spool_max_bytes = *max;
  std::optional<bool> daemon;
  if (Status s = sec.GetBool("daemon", &daemon); !s.ok()) return s;
  if (daemon && *daemon && !o->once) o->daemon = true;  // --once wins
  std::optional<int64_t> interval;
  if (Status s = sec.GetInt("interval", 1, 86400, &interval); !s.ok()) return s;
  if (interval && o->interval == 0) o->interval = static_cast<double>(*interval);
  if (o->state_dir.empty()) o->state_dir = kDefaultStateDir;
  if (o->interval == 0) o->interval = kDefaultInterval;
  if (o->spool_max_bytes == 0) o->spool_max_bytes = kDefaultSpoolMaxBytes;
  return Status::Ok();
}

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

std::vector<Target> Targets(const Options& o) {
  std::vector<Target> targets;
  for (const std::string& url : o.targets) {
    Target t{o.target,
             o.limits,
             {o.zabbix_host, o.quantiles, {}, o.include, o.exclude},
             Millis(o.interval)};
    t.scrape.url = url;
    t.scrape.timeout = Millis(o.timeout);
    targets.push_back(std::move(t));
  }
  return targets;
}

// Scrapes every target on its own thread (once, or on its interval until a stop signal) and
// hands what finished to the output, one delivery at a time.
int Run(const Options& o, const std::vector<Target>& targets, cli::Output* output) {
  std::vector<std::chrono::milliseconds> intervals;
  for (const Target& t : targets) intervals.push_back(t.interval);
  Schedule schedule(intervals, !o.daemon, [&targets](size_t i, uint32_t clock) {
    const Target& t = targets[i];
    ScrapeOutcome out;
    out.clock = clock;
    Mapper mapper(t.mapping, clock, &out.values);
    out.result = Scrape(t.scrape, t.limits, &mapper);
    out.not_sent = mapper.not_finite();
    return out;
  });
  // Blocks SIGTERM/SIGINT before the scrape threads start, so that they reach this thread
  // only: a stop lets the scrapes in progress end and delivers them.
  SignalStop signals([&schedule](int sig) {
    log::Warning(std::string(sig == SIGTERM ? "SIGTERM" : "SIGINT") +
                 ": stopping after the scrapes in progress");
    schedule.Stop();
  });
  schedule.Start();
  log::Debug("started: " + std::to_string(targets.size()) + " targets, " +
             (o.daemon ? "until SIGTERM/SIGINT" : "once"));
  int scrape = sender::kExitOk, send = sender::kExitOk;
  std::vector<ScrapeOutcome> ready;
  for (uint64_t n = 1; schedule.Next(&ready); ++n) {
    for (const ScrapeOutcome& r : ready) {
      if (!r.overran) continue;
      // Shown at every verbosity: a target that cannot keep up is scraped less often.
      std::fprintf(stderr,
                   "zabitan-prom: warning: %s: the scrape took %.1f s, longer than the interval "
                   "(%.1f s): the next starts now\n",
                   targets[r.target].scrape.url.c_str(), r.took.count() / 1000.0,
                   targets[r.target].interval.count() / 1000.0);
    }
    cli::Delivered d = output->Deliver(ready);
    // Once: every target's failure counts. A daemon goes on past a failed target (its line is
    // printed each time) and ends with what its last delivery of scraped values did.
    if (!o.daemon) {
      scrape = sender::WorseExit(scrape, d.scrape);
      send = sender::WorseExit(send, d.send);
    } else if (d.collected) {
      send = d.send;
    }
    log::Debug("delivery " + std::to_string(n) + " ended with " + std::to_string(d.send));
  }
  return sender::WorseExit(scrape, send);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "template") return TemplateMain(argc - 1, argv + 1);
  Options o;
  CLI::App app{"zabitan-prom: Prometheus exporters into Zabbix"};
  auto* config_opt = app.add_option("--config", o.config, "zabitan config file ([prom] section)");
  app.add_option("--target", o.targets, "http://, https:// or unix:SOCKET[:/PATH] (repeatable)")
      ->required();
  app.add_option("--zabbix-server", o.zabbix_server, "where to send (zabbix_sender's -z syntax)");
  app.add_option("--zabbix-host", o.zabbix_host, "the Zabbix host that gets the values");
  app.add_option("--state-dir", o.state_dir,
                 "where values of new series wait for discovery (default " +
                     std::string(kDefaultStateDir) + ")");
  app.add_option("--spool", o.spool,
                 "keep values Zabbix did not take in DIR; they go first next run")
      ->type_name("DIR");
  app.add_option("--spool-max-bytes", o.spool_max_bytes,
                 "size limit of the spool (oldest dropped; default 1 GiB)")
      ->check(CLI::Range(int64_t{1} << 20, INT64_MAX));
  auto* once = app.add_flag("--once", o.once, "scrape once and exit (the default)");
  app.add_flag("--daemon", o.daemon, "scrape every --interval seconds until SIGTERM/SIGINT")
      ->excludes(once);
  app.add_option("--interval", o.interval,
                 "seconds between the starts of two scrapes of a target (--daemon; default 60)")
      ->check(CLI::Range(0.1, 86400.0));
  app.add_flag("--dry-run", o.dry_run,
               "print the values as zabbix_sender -T -N input instead of sending");
  app.add_option("--timeout", o.timeout, "seconds for each target's whole scrape (default 10)")
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--max-series", o.limits.max_series, "series per target (default 1000000)");
  app.add_option("--max-body", o.target.max_body_bytes,
                 "bytes of body per target, decompressed (default 64 MiB)");
  app.add_option("--proxy-protocol", o.target.proxy_protocol, "send a PROXY header, version 1 or 2")
      ->check(CLI::IsMember({1, 2}));
  app.add_option("--resolve", o.target.resolve,
                 "HOST:PORT:ADDR[,ADDR...] pinned addresses, in order");
  app.add_option("--ca-file", o.target.ca_file, "CA certificates to verify https:// targets");
  app.add_option("--cert-file", o.target.cert_file, "client certificate (PEM)");
  app.add_option("--key-file", o.target.key_file, "client certificate's key (PEM)");
  app.add_flag("--insecure", o.target.insecure, "do not verify the targets' certificates");
  app.add_option("--user", o.target.username, "HTTP basic auth user");
  app.add_option("--password-file", o.target.password_file,
                 "HTTP basic auth password (file of mode 0600)");
  app.add_option("--bearer-token-file", o.target.bearer_token_file,
                 "bearer token (file of mode 0600)");
  app.add_option("--quantiles", o.quantiles,
                 "quantiles computed from histograms (default 0.5 0.9 0.99)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--include", o.include,
                 "only the families whose name matches this glob (repeatable)");
  app.add_option("--exclude", o.exclude,
                 "not the families whose name matches this glob (repeatable)");
  app.add_flag("-v", o.verbose, "more output (-vv for debug)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? sender::kExitOk : sender::kExitFailure;
  }
  log::Init("zabitan-prom", std::max(o.verbose, 0), false);
  if (o.target.insecure) {
    // Shown at every verbosity, as zabitan-vmware does: skipping the check is asked for by
    // name and must not be forgotten in a cron line.
    std::fprintf(stderr,
                 "zabitan-prom: warning: --insecure: the targets' certificates are not checked\n");
  }
  if (Status s = ApplyConfig(&o, config_opt->count() > 0); !s.ok()) {
    log::Error(s.message());
    return sender::kExitFailure;
  }
  if (o.zabbix_host.empty()) {
    log::Error("give --zabbix-host (or zabbix_host in [prom])");
    return sender::kExitFailure;
  }
  if (!o.dry_run && o.zabbix_server.empty()) {
    log::Error("give --zabbix-server (or zabbix_server in [prom]), or --dry-run");
    return sender::kExitFailure;
  }
  cli::OutputOptions oo;
  oo.dry_run = o.dry_run;
  oo.zabbix_server = o.zabbix_server;
  oo.state_dir = o.state_dir;
  oo.spool = o.spool;
  oo.spool_max_bytes = o.spool_max_bytes;
  oo.scope = "prom\n" + o.zabbix_host;
  std::unique_ptr<cli::Output> output;
  if (Status s = cli::Output::Open(std::move(oo), &output); !s.ok()) {
    log::Error(s.message());
    return sender::kExitFailure;
  }
  return Run(o, Targets(o), output.get());
}
