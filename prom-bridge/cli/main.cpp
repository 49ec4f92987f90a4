// zabitan-prom: Prometheus exporters into Zabbix (issue #20). Scrapes every --target once, in
// parallel, and sends each family's discovery value, then its series' values, through the
// sender library's RoutedSender: values of items Zabbix already has go at once; values of new
// series wait in the state folder until Zabbix has created their items from the discovery,
// then go with their own timestamps (nothing lost to discovery). --dry-run prints instead, as
// zabbix_sender -T -N input lines (host, key, clock, ns, value).
//
//   zabitan-prom --target http://localhost:9100/metrics --zabbix-server zbx --zabbix-host web01
//
// Exit status, as zabitan-vmware's: 0 sent (or waiting for discovery); 1 a target failed (one
// line each on stderr, naming it; the others are still sent), bad usage or nothing sent;
// 2 values refused by Zabbix; 3 Zabbix unreachable, values spooled or kept for the next run.
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "zabitan/common/config.h"
#include "zabitan/common/log.h"
#include "zabitan/common/spool.h"
#include "zabitan/prom/mapping.h"
#include "zabitan/prom/scraper.h"
#include "zabitan/sender/input_line.h"
#include "zabitan/sender/routed_sender.h"

namespace {

using namespace zabitan::prom;
using zabitan::Status;
namespace sender = zabitan::sender;
namespace log = zabitan::log;

constexpr const char* kDefaultStateDir = "/var/lib/zabitan/prom";
constexpr int64_t kDefaultSpoolMaxBytes = int64_t{1} << 30;
constexpr std::string_view kDiscoveryPrefix = "prom.discovery[";

struct Options {
  std::string config = zabitan::kDefaultConfigPath;
  std::vector<std::string> targets;
  std::string zabbix_server, zabbix_host, state_dir, spool;
  int64_t spool_max_bytes = 0;  // 0: unset
  bool once = false, dry_run = false;
  int verbose = 0;
  TargetOptions target;  // applied to every --target
  ParseLimits limits;
  double timeout = 10;
  std::vector<double> quantiles = {0.5, 0.9, 0.99};
  std::vector<std::string> include, exclude;
};

struct Outcome {
  ScrapeResult result;
  std::vector<sender::Value> values;
  uint64_t not_sent = 0;
};

// [prom] keys fill what the command line left empty.
Status ApplyConfig(Options* o, bool config_given) {
  zabitan::Config config;
  if (Status s = zabitan::Config::Load(o->config, config_given, &config); !s.ok()) return s;
  zabitan::ConfigSection sec;
  if (Status s = config.Section("prom", &sec); !s.ok()) return s;
  const std::vector<std::string_view> known = {"zabbix_server", "zabbix_host", "state_dir", "spool",
                                               "spool_max_bytes"};
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
  if (o->state_dir.empty()) o->state_dir = kDefaultStateDir;
  if (o->spool_max_bytes == 0) o->spool_max_bytes = kDefaultSpoolMaxBytes;
  return Status::Ok();
}

// The state folder (0700) is made when missing; its parent must exist.
Status MakeStateDir(const std::string& dir) {
  struct stat st {};
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::Error("state folder " + dir + ": " + std::strerror(errno) +
                         ": give --state-dir DIR (or state_dir in [prom]) a folder of yours");
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Status::Error("state folder " + dir + ": not a folder");
  return Status::Ok();
}

// Sends the scraped values: each family's discovery (its rule is the template's, so it goes
// at once), then its values, the items of one family's rule in one group (routed_sender.h).
int Send(const Options& o, const std::vector<Outcome>& outcomes, uint32_t clock, bool any_ok) {
  sender::RoutedSenderOptions ro;
  if (Status s = sender::ParseDestinations(o.zabbix_server, sender::kDefaultPort, &ro.destinations);
      !s.ok()) {
    log::Error("--zabbix-server: " + s.message());
    return sender::kExitFailure;
  }
  if (Status s = MakeStateDir(o.state_dir); !s.ok()) {
    log::Error(s.message());
    return sender::kExitFailure;
  }
  std::unique_ptr<zabitan::Spool> spool;
  if (!o.spool.empty()) {
    // Another zabitan-prom on the same spool (a cron run overlapping a slow one) waits its turn.
    if (Status s = zabitan::Spool::Open(o.spool, static_cast<uint64_t>(o.spool_max_bytes),
                                        std::chrono::seconds(30), &spool);
        !s.ok()) {
      log::Error(s.message());
      return sender::kExitFailure;
    }
  }
  ro.state_dir = o.state_dir;
  ro.scope = "prom\n" + o.zabbix_host;
  ro.spool = spool.get();
  ro.known_from_start = [](const std::string&, const std::string& key) {
    return key.compare(0, kDiscoveryPrefix.size(), kDiscoveryPrefix) == 0;
  };
  std::unique_ptr<sender::RoutedSender> out;
  if (Status s = sender::RoutedSender::Open(std::move(ro), &out); !s.ok()) {
    log::Error(s.message());
    return sender::kExitFailure;
  }
  uint64_t made = 0;
  size_t scraped = 0;
  for (const Outcome& outcome : outcomes) {
    if (!outcome.result.ok()) continue;
    ++scraped;
    std::string group;  // host and family of the discovery the values follow
    for (const sender::Value& v : outcome.values) {
      if (v.key.compare(0, kDiscoveryPrefix.size(), kDiscoveryPrefix) == 0)
        group = v.host + "\n" + v.key;
      ++made;
      if (!out->Add(v, clock, group)) break;
    }
  }
  return out->Finish(
      std::to_string(scraped) + " targets scraped, " + std::to_string(made) + " values sent",
      any_ok, [] {});
}

}  // namespace

int main(int argc, char** argv) {
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
  app.add_flag("--once", o.once, "scrape once and exit (the default)");
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
  o.target.timeout = std::chrono::milliseconds(static_cast<int64_t>(o.timeout * 1000));
  const uint32_t clock = static_cast<uint32_t>(std::time(nullptr));

  // One thread per target: a slow or hostile target does not hold the others up.
  std::vector<Outcome> outcomes(o.targets.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < o.targets.size(); ++i) {
    threads.emplace_back([&o, &outcomes, i, clock] {
      TargetOptions t = o.target;
      t.url = o.targets[i];
      Mapper mapper({o.zabbix_host, o.quantiles, {}, o.include, o.exclude}, clock,
                    &outcomes[i].values);
      outcomes[i].result = Scrape(t, o.limits, &mapper);
      outcomes[i].not_sent = mapper.not_finite();
    });
  }
  for (std::thread& t : threads) t.join();

  int status = sender::kExitOk;
  bool any_ok = false;
  for (const Outcome& out : outcomes) {
    if (!out.result.ok()) {  // all or nothing: a failed scrape's values are not sent
      std::fprintf(stderr, "zabitan-prom: %s (%s)\n", out.result.message.c_str(),
                   std::string(ScrapeCodeName(out.result.code)).c_str());
      status = sender::kExitFailure;
      continue;
    }
    any_ok = true;
    if (!o.dry_run) continue;
    for (const auto& v : out.values) std::printf("%s\n", sender::FormatInputLine(v).c_str());
  }
  if (o.dry_run) return status;
  return sender::WorseExit(status, Send(o, outcomes, clock, any_ok));
}
