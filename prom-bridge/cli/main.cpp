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
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "output.h"
#include "zabitan/common/config.h"
#include "zabitan/common/exit_codes.h"
#include "zabitan/common/log.h"
#include "zabitan/prom_bridge/config.h"
#include "zabitan/prom_bridge/daemon.h"
#include "zabitan/prom_bridge/mapping.h"
#include "zabitan/prom_bridge/rates.h"
#include "zabitan/prom_bridge/scraper.h"
#include "zabitan/prom_bridge/template.h"
#include "zabitan/sender/routed_sender.h"

namespace {

using namespace zabitan::prom_bridge;
using zabitan::Status;
namespace sender = zabitan::sender;
namespace log = zabitan::log;

constexpr const char* kDefaultStateDir = "/var/lib/zabitan/prom";
constexpr int64_t kDefaultSpoolMaxBytes = int64_t{1} << 30;

// The command line: what it sets, over the config's [prom] (config.h).
struct Flags {
  std::string config = zabitan::kDefaultConfigPath;
  std::vector<std::string> targets;
  PromSettings prom;
  bool once = false, dry_run = false;
  int verbose = 0;
};

// Options whose value is kept only when given (the config fills the others).
template <typename T>
CLI::Option* Set(CLI::App& app, const std::string& name, std::optional<T>* slot,
                 const std::string& help) {
  return app.add_option_function<T>(
      name, [slot](const T& v) { *slot = v; }, help);
}

void AddOptions(CLI::App& app, Flags* f) {
  TargetSettings& t = f->prom.defaults;
  app.add_option("--config", f->config, "zabitan config file ([prom] section)");
  app.add_option("--target", f->targets,
                 "http://, https:// or unix:SOCKET[:/PATH] (repeatable; replaces the config's "
                 "[prom.targets.NAME] tables)");
  Set(app, "--zabbix-server", &f->prom.zabbix_server, "where to send (zabbix_sender's -z syntax)");
  Set(app, "--zabbix-host", &t.zabbix_host, "the Zabbix host that gets the values");
  Set(app, "--state-dir", &f->prom.state_dir,
      "where values of new series wait for discovery, and counters for their rates (default " +
          std::string(kDefaultStateDir) + ")");
  Set(app, "--spool", &f->prom.spool,
      "keep values Zabbix did not take in DIR; they go first next run")
      ->type_name("DIR");
  Set(app, "--spool-max-bytes", &f->prom.spool_max_bytes,
      "size limit of the spool (oldest dropped; default 1 GiB)")
      ->check(CLI::Range(int64_t{1} << 20, INT64_MAX));
  auto* once = app.add_flag("--once", f->once, "scrape once and exit (the default)");
  app.add_flag_callback(
         "--daemon", [f] { f->prom.daemon = true; },
         "scrape each target every --interval seconds until SIGTERM/SIGINT")
      ->excludes(once);
  Set(app, "--interval", &t.interval,
      "seconds between the starts of two scrapes of a target (--daemon; default 60)")
      ->check(CLI::Range(0.1, 86400.0));
  app.add_flag("--dry-run", f->dry_run,
               "print the values as zabbix_sender -T -N input instead of sending");
  Set(app, "--timeout", &t.timeout, "seconds for each target's whole scrape (default 10)")
      ->check(CLI::Range(0.1, 3600.0));
  Set(app, "--connect-timeout", &t.connect_timeout, "seconds to connect to a target (default 3)")
      ->check(CLI::Range(0.1, 3600.0));
  Set(app, "--max-series", &t.max_series, "series per target (default 1000000)")
      ->check(CLI::Range(int64_t{1}, int64_t{100'000'000}));
  Set(app, "--max-body", &t.max_body, "bytes of body per target, decompressed (default 64 MiB)")
      ->check(CLI::Range(int64_t{1024}, int64_t{1} << 40));
  Set(app, "--max-line", &t.max_line, "bytes per line of an exposition (default 65536)")
      ->check(CLI::Range(int64_t{256}, int64_t{1} << 30));
  Set(app, "--max-labels", &t.max_labels, "labels per series (default 64)")
      ->check(CLI::Range(int64_t{1}, int64_t{10'000}));
  Set(app, "--proxy-protocol", &t.proxy_protocol, "send a PROXY header, version 1 or 2")
      ->check(CLI::IsMember({1, 2}));
  Set(app, "--resolve", &t.resolve, "HOST:PORT:ADDR[,ADDR...] pinned addresses, in order");
  Set(app, "--ca-file", &t.ca_file, "CA certificates to verify https:// targets");
  Set(app, "--cert-file", &t.cert_file, "client certificate (PEM) for https:// targets");
  Set(app, "--key-file", &t.key_file, "client certificate's key (PEM)");
  app.add_flag_callback(
      "--insecure", [&t] { t.insecure = true; }, "do not verify the targets' certificates");
  Set(app, "--user", &t.user, "HTTP basic auth user");
  Set(app, "--password-file", &t.password_file, "HTTP basic auth password (file of mode 0600)");
  Set(app, "--bearer-token-file", &t.bearer_token_file, "bearer token (file of mode 0600)");
  Set(app, "--quantiles", &t.quantiles, "quantiles computed from histograms (default 0.5 0.9 0.99)")
      ->check(CLI::Range(0.0, 1.0));
  Set(app, "--include", &t.include, "only the families whose name matches this glob (repeatable)");
  Set(app, "--exclude", &t.exclude, "not the families whose name matches this glob (repeatable)");
  Set(app, "--match", &t.match,
      "only the series this label matcher keeps: name=\"v\", !=, =~ or !~ (repeatable)");
  Set(app, "--rate", &t.rates,
      "also send the per-second rate of the counters of families matching this glob, as "
      "prom.edgerate[...] (repeatable)");
  Set(app, "--discard-unchanged", &t.discard_unchanged,
      "send a value equal to the last one sent for its item only once SECONDS have passed "
      "since that send, as Zabbix's \"Discard unchanged with heartbeat\" (default 0: off)")
      ->type_name("SECONDS")
      ->check(CLI::Range(int64_t{0}, kMaxHeartbeat));
  for (const std::string& k : TlsKeyNames()) {
    std::string flag = "--tls-" + k;
    for (char& c : flag) c = c == '_' ? '-' : c;
    app.add_option_function<std::string>(
        flag, [f, k](const std::string& v) { f->prom.tls[k] = v; },
        "TLS to the trapper, as zabitan-sender's " + flag);
  }
  app.add_flag_callback(
      "--tls-check-host", [f] { f->prom.tls_check_host = true; },
      "with --tls-connect cert: the trapper's certificate must name the host connected to");
  app.add_flag("-v", f->verbose, "more output (-vv for debug)");
}

// The targets: the command line's --target URLs, else the config's tables; each with the
// command line's settings over its table's over [prom]'s.
Status Targets(const Flags& f, const PromSettings& config, std::vector<Target>* out) {
  std::vector<std::pair<std::string, TargetSettings>> chosen;
  if (!f.targets.empty()) {
    for (const std::string& url : f.targets) {
      TargetSettings t;
      t.url = url;
      chosen.emplace_back(url, std::move(t));
    }
  } else {
    chosen = config.targets;
  }
  if (chosen.empty())
    return Status::Error("no target: give --target URL, or [prom.targets.NAME] tables in " +
                         f.config);
  for (auto& [name, t] : chosen) {
    TargetSettings s = f.prom.defaults;
    s.url = t.url;
    s.Under(t);
    s.Under(config.defaults);
    Target target;
    if (Status st = MakeTarget(name, s, &target); !st.ok()) return st;
    out->push_back(std::move(target));
  }
  return Status::Ok();
}

// Scrapes every target on its own thread (once, or on its interval until a stop signal) and
// hands what finished to the output, one delivery at a time. With rates, each target's
// previous counters live in the state folder (saved after each scrape, by its own thread).
int Run(bool daemon, const std::string& state_dir, bool keep_rates,
        const std::vector<Target>& targets, cli::Output* output) {
  std::vector<std::unique_ptr<RateState>> rates(targets.size());
  for (size_t i = 0; i < targets.size(); ++i) {
    if (targets[i].mapping.rates.empty()) continue;
    rates[i] = std::make_unique<RateState>();
    std::string file = RateStateFile(state_dir, targets[i].mapping.host, targets[i].scrape.url);
    if (Status s = rates[i]->Load(file); !s.ok()) log::Warning(s.message() + ": starting afresh");
  }
  std::vector<std::chrono::milliseconds> intervals;
  intervals.reserve(targets.size());
  for (const Target& t : targets) intervals.push_back(t.interval);
  Schedule schedule(intervals, !daemon, [&](size_t i, uint32_t clock) {
    const Target& t = targets[i];
    ScrapeOutcome out;
    out.clock = clock;
    out.discard_unchanged = t.discard_unchanged;
    MappingOptions m = t.mapping;
    m.rate_state = rates[i].get();
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    Mapper mapper(std::move(m), clock, &out.values,
                  std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
    out.result = Scrape(t.scrape, t.limits, &mapper);
    out.not_sent = mapper.not_finite();
    if (rates[i] && out.result.ok() && keep_rates) {
      std::string file = RateStateFile(state_dir, t.mapping.host, t.scrape.url);
      if (Status s = rates[i]->Save(file); !s.ok()) {
        std::fprintf(stderr, "zabitan-prom: warning: %s: the next run's rates start afresh\n",
                     s.message().c_str());
      }
    }
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
             (daemon ? "until SIGTERM/SIGINT" : "once"));
  int scrape = sender::kExitOk, send = sender::kExitOk;
  std::vector<ScrapeOutcome> ready;
  // Scrapes that end within a second of each other go in one delivery.
  for (uint64_t n = 1; schedule.Next(&ready, std::chrono::seconds(1)); ++n) {
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
    if (!daemon) {
      scrape = sender::WorseExit(scrape, d.scrape);
      send = sender::WorseExit(send, d.send);
    } else if (d.collected) {
      send = d.send;
    }
    log::Debug("delivery " + std::to_string(n) + " ended with " + std::to_string(d.send));
  }
  return sender::WorseExit(scrape, send);
}

int Run(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "template") return TemplateMain(argc - 1, argv + 1);
  Flags f;
  CLI::App app{"zabitan-prom: Prometheus exporters into Zabbix"};
  AddOptions(app, &f);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? sender::kExitOk : sender::kExitFailure;
  }
  log::Init("zabitan-prom", std::max(f.verbose, 0), false);
  // The config decides what is scraped with which secrets and where it goes: read as the
  // sender reads its own (trusted_file.h), absent only when not named.
  zabitan::Config config;
  PromSettings from_file;
  Status s = zabitan::Config::LoadTrusted(f.config, app.count("--config") > 0, &config);
  if (s.ok()) s = ReadPromSettings(config, &from_file);
  PromSettings p = f.prom;
  p.Under(from_file);
  std::vector<Target> targets;
  if (s.ok()) s = Targets(f, from_file, &targets);
  cli::OutputOptions oo;
  if (s.ok()) s = cli::ExchangeFor(p, &oo.exchange);
  if (!s.ok()) {
    log::Error(s.message());
    return sender::kExitFailure;
  }
  for (const Target& t : targets) {
    if (!t.scrape.insecure) continue;
    // Shown at every verbosity, as zabitan-vmware does: skipping the check is asked for by
    // name and must not be forgotten in a cron line.
    std::fprintf(stderr, "zabitan-prom: warning: %s: insecure: its certificate is not checked\n",
                 t.scrape.url.c_str());
  }
  const bool daemon = p.daemon.value_or(false) && !f.once;  // --once wins over daemon = true
  if (!f.dry_run && !p.zabbix_server) {
    log::Error("give --zabbix-server (or zabbix_server in [prom]), or --dry-run");
    return sender::kExitFailure;
  }
  oo.dry_run = f.dry_run;
  oo.zabbix_server = p.zabbix_server.value_or("");
  oo.state_dir = p.state_dir.value_or(kDefaultStateDir);
  oo.spool = p.spool.value_or("");
  oo.spool_max_bytes = p.spool_max_bytes.value_or(kDefaultSpoolMaxBytes);
  // The pending stores are per Zabbix host (output.h): adding a target keeps what waits.
  oo.scope = "prom";
  std::unique_ptr<cli::Output> output;
  if (Status st = cli::Output::Open(std::move(oo), &output); !st.ok()) {
    log::Error(st.message());
    return sender::kExitFailure;
  }
  return Run(daemon, p.state_dir.value_or(kDefaultStateDir), !f.dry_run, targets, output.get());
}
}  // namespace

int main(int argc, char** argv) {
  return zabitan::GuardedMain("zabitan-prom", [&] { return Run(argc, argv); });
}
