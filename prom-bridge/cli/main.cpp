// zabitan-prom: Prometheus exporters into Zabbix (issue #20). This first version scrapes every
// --target once, in parallel, and with --dry-run prints what it would send — each family's
// discovery value, then its series' values — as zabbix_sender -T -N input lines (host, key,
// clock, ns, value). Sending (through the sender's pending values, so that nothing is lost to
// discovery), --daemon and --config come next; without --dry-run it says so and exits 2.
//
//   zabitan-prom --target http://localhost:9100/metrics --zabbix-host web01 --once --dry-run
//
// Exit status: 0 every target scraped; 1 a target failed (one line each on stderr, naming it;
// the others are still printed); 2 bad usage.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "zabitan/prom/mapping.h"
#include "zabitan/prom/scraper.h"
#include "zabitan/sender/input_line.h"

namespace {

using namespace zabitan::prom;

struct Options {
  std::vector<std::string> targets;
  std::string zabbix_host;
  bool once = false, dry_run = false;
  TargetOptions target;  // applied to every --target
  ParseLimits limits;
  double timeout = 10;
  std::vector<double> quantiles = {0.5, 0.9, 0.99};
  std::vector<std::string> include, exclude;
};

struct Outcome {
  ScrapeResult result;
  std::vector<zabitan::sender::Value> values;
  uint64_t not_sent = 0;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"zabitan-prom: Prometheus exporters into Zabbix"};
  app.add_option("--target", o.targets, "http://, https:// or unix:SOCKET[:/PATH] (repeatable)")
      ->required();
  app.add_option("--zabbix-host", o.zabbix_host, "the Zabbix host that gets the values")
      ->required();
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
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (!o.dry_run) {
    std::fprintf(stderr,
                 "zabitan-prom: sending to Zabbix is not there yet (issue #20): give --dry-run\n");
    return 2;
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

  int status = 0;
  for (const Outcome& out : outcomes) {
    if (!out.result.ok()) {  // all or nothing: a failed scrape's values are not printed
      std::fprintf(stderr, "zabitan-prom: %s (%s)\n", out.result.message.c_str(),
                   std::string(ScrapeCodeName(out.result.code)).c_str());
      status = 1;
      continue;
    }
    for (const auto& v : out.values)
      std::printf("%s\n", zabitan::sender::FormatInputLine(v).c_str());
  }
  return status;
}
