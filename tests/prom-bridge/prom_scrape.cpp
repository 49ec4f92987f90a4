// prom_scrape — one scrape with prom-bridge's scraper, for the tests against real peers
// (scrape_test.py).
//
//   prom_scrape URL [--timeout-ms N] [--connect-timeout-ms N] [--max-body N] [--max-series N]
//               [--max-line N] [--proxy-protocol 1|2] [--resolve HOST:PORT:ADDR[,ADDR]]
//               [--ca FILE] [--cert FILE --key FILE] [--insecure] [--user NAME --password-file F]
//               [--bearer-token-file F] [--no-duplicate-check]
//
// Prints one line: "ok format=text-0.0.4 status=200 series=N body=B wire=W peer=P", or the
// error line and "code=CODE parse=CODE"; exit status 0 or 1 (2: bad usage).
#include <cstdlib>
#include <iostream>
#include <string>

#include "zabitan/prom_bridge/scraper.h"

using namespace zabitan::prom_bridge;

namespace {
struct NullSink : Sink {
  void OnSample(const Family&, const Sample&) override {}
};
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: prom_scrape URL [options]\n";
    return 2;
  }
  TargetOptions t;
  ParseLimits limits;
  t.url = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "prom_scrape: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--timeout-ms")
      t.timeout = std::chrono::milliseconds(std::stol(next()));
    else if (a == "--connect-timeout-ms")
      t.connect_timeout = std::chrono::milliseconds(std::stol(next()));
    else if (a == "--max-body")
      t.max_body_bytes = std::stoull(next());
    else if (a == "--max-series")
      limits.max_series = std::stoull(next());
    else if (a == "--max-line")
      limits.max_line_bytes = std::stoull(next());
    else if (a == "--proxy-protocol")
      t.proxy_protocol = std::stoi(next());
    else if (a == "--resolve")
      t.resolve.push_back(next());
    else if (a == "--ca")
      t.ca_file = next();
    else if (a == "--cert")
      t.cert_file = next();
    else if (a == "--key")
      t.key_file = next();
    else if (a == "--insecure")
      t.insecure = true;
    else if (a == "--no-duplicate-check")
      limits.check_duplicate_series = false;
    else if (a == "--user")
      t.username = next();
    else if (a == "--password-file")
      t.password_file = next();
    else if (a == "--bearer-token-file")
      t.bearer_token_file = next();
    else {
      std::cerr << "prom_scrape: unknown option " << a << "\n";
      return 2;
    }
  }
  NullSink sink;
  ScrapeResult r = Scrape(t, limits, &sink);
  if (!r.ok()) {
    std::cout << r.message << "\ncode=" << ScrapeCodeName(r.code)
              << " parse=" << CodeName(r.parse_code) << " series=" << r.series << "\n";
    return 1;
  }
  std::cout << "ok format=" << (r.format == Format::kOpenMetrics ? "openmetrics" : "text-0.0.4")
            << " status=" << r.http_status << " series=" << r.series << " body=" << r.body_bytes
            << " wire=" << r.wire_bytes << " peer=" << r.peer << "\n";
  return 0;
}
