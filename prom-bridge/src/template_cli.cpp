// zabitan-prom template: a Zabbix template from one scrape of TARGET (template.h), written to
// stdout or -o FILE (whole or not at all: a temporary file renamed into place).
//
//   zabitan-prom template http://127.0.0.1:9100/metrics --zabbix-host web01 -o web01.yaml
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <string>

#include <CLI/CLI.hpp>

#include "zabitan/prom_bridge/scraper.h"
#include "zabitan/prom_bridge/template.h"

namespace zabitan::prom_bridge {
namespace {

bool WriteFile(const std::string& path, const std::string& text, std::string* error) {
  std::string tmp = path + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      *error = tmp + ": " + std::strerror(errno);
      std::remove(tmp.c_str());
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    *error = path + ": " + std::strerror(errno);
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

// The host part of an http(s) URL, or the socket of a unix: target: the default name.
std::string TargetName(const std::string& url) {
  std::string_view u = url;
  if (size_t p = u.find("://"); p != std::string_view::npos) {
    u.remove_prefix(p + 3);
    return std::string(u.substr(0, u.find('/')));
  }
  return url;
}

}  // namespace

int TemplateMain(int argc, char** argv) {
  TemplateOptions t;
  TargetOptions target;
  ParseLimits limits;
  std::string output;
  double timeout = 10;
  CLI::App app{
      "zabitan-prom template: a Zabbix template (6.0 YAML export, imports into 6.0 and "
      "7.0) for what zabitan-prom sends, from one scrape of TARGET"};
  app.name("zabitan-prom template");
  app.add_option("TARGET", target.url, "http://, https:// or unix:SOCKET[:/PATH]")->required();
  app.add_option("--zabbix-host", t.host,
                 "also a host NAME linked to the template (group 'zabitan prom')");
  app.add_option("--name", t.name, "the template's name (default: 'zabitan prom' and the target)");
  app.add_option("-o,--output", output, "write FILE instead of stdout")->type_name("FILE");
  app.add_option("--quantiles", t.quantiles,
                 "quantiles zabitan-prom computes from histograms (default 0.5 0.9 0.99)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--include", t.include, "only the families matching this glob (repeatable)");
  app.add_option("--exclude", t.exclude, "not the families matching this glob (repeatable)");
  app.add_option("--rate", t.rates,
                 "the bridge's --rate: these counter families get a prom.edgerate[...] item "
                 "for the rate it sends (repeatable)");
  app.add_option("--timeout", timeout, "seconds for the scrape (default 10)")
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--max-series", limits.max_series, "series (default 1000000)");
  app.add_option("--ca-file", target.ca_file, "CA certificates to verify an https:// target");
  app.add_option("--cert-file", target.cert_file, "client certificate (PEM)");
  app.add_option("--key-file", target.key_file, "client certificate's key (PEM)");
  app.add_flag("--insecure", target.insecure, "do not verify the target's certificate");
  app.add_option("--user", target.username, "HTTP basic auth user");
  app.add_option("--password-file", target.password_file, "basic auth password (mode 0600)");
  app.add_option("--bearer-token-file", target.bearer_token_file, "bearer token (mode 0600)");
  app.add_option("--proxy-protocol", target.proxy_protocol, "send a PROXY header, version 1 or 2")
      ->check(CLI::IsMember({1, 2}));
  app.add_option("--resolve", target.resolve, "HOST:PORT:ADDR[,ADDR...] pinned addresses");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }
  target.timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000));
  if (t.name.empty()) t.name = "zabitan prom " + TargetName(target.url);
  t.source = target.url;

  TemplateBuilder builder(t);
  ScrapeResult r = Scrape(target, limits, &builder);
  if (!r.ok()) {
    std::fprintf(stderr, "zabitan-prom template: %s (%s)\n", r.message.c_str(),
                 std::string(ScrapeCodeName(r.code)).c_str());
    return 1;
  }
  if (builder.families() == 0) {
    std::fprintf(stderr, "zabitan-prom template: %s: no family left to put in a template%s\n",
                 target.url.c_str(),
                 t.include.empty() && t.exclude.empty() ? "" : " (--include/--exclude)");
    return 1;
  }
  char date[32];
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
  std::string yaml = "# zabitan-prom template " + target.url + " (" + date +
                     "): " + std::to_string(builder.families()) + " families, " +
                     std::to_string(builder.prototypes()) + " item prototypes\n" +
                     builder.Yaml(date);
  if (output.empty()) {
    std::fwrite(yaml.data(), 1, yaml.size(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
  }
  std::string error;
  if (!WriteFile(output, yaml, &error)) {
    std::fprintf(stderr, "zabitan-prom template: %s\n", error.c_str());
    return 1;
  }
  std::fprintf(stderr, "zabitan-prom template: %s: %zu families, %zu item prototypes\n",
               output.c_str(), builder.families(), builder.prototypes());
  return 0;
}

}  // namespace zabitan::prom_bridge
