// zabitan — zabitan-prom's settings (config.h).
#include "zabitan/prom_bridge/config.h"

#include <cstdint>
#include <string_view>

#include "zabitan/common/error.h"

namespace zabitan::prom_bridge {
namespace {

constexpr double kDefaultInterval = 60, kDefaultTimeout = 10, kDefaultConnectTimeout = 3;

template <typename T>
void Fill(std::optional<T>& upper, const std::optional<T>& lower) {
  if (!upper) upper = lower;
}

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

// The keys a target takes, in [prom] (as defaults) and in [prom.targets.NAME].
const std::vector<std::string_view> kTargetKeys = {
    "url",      "zabbix_host", "ca_file",         "cert_file",
    "key_file", "user",        "password_file",   "bearer_token_file",
    "interval", "timeout",     "connect_timeout", "max_series",
    "max_body", "max_line",    "max_labels",      "proxy_protocol",
    "insecure", "quantiles",   "include",         "exclude",
    "match",    "rates",       "resolve",         "discard_unchanged"};

Status ReadTarget(const ConfigSection& sec, TargetSettings* t) {
  for (auto [key, slot] : {std::pair{"url", &t->url}, std::pair{"zabbix_host", &t->zabbix_host},
                           std::pair{"ca_file", &t->ca_file}, std::pair{"cert_file", &t->cert_file},
                           std::pair{"key_file", &t->key_file}, std::pair{"user", &t->user},
                           std::pair{"password_file", &t->password_file},
                           std::pair{"bearer_token_file", &t->bearer_token_file}}) {
    if (Status s = sec.GetString(key, slot); !s.ok()) return s;
  }
  for (auto [key, slot, min, max] :
       {std::tuple{"interval", &t->interval, 0.1, 86400.0},
        std::tuple{"timeout", &t->timeout, 0.1, 3600.0},
        std::tuple{"connect_timeout", &t->connect_timeout, 0.1, 3600.0}}) {
    if (Status s = sec.GetDouble(key, min, max, slot); !s.ok()) return s;
  }
  for (auto [key, slot, min, max] :
       {std::tuple{"max_series", &t->max_series, int64_t{1}, int64_t{100'000'000}},
        std::tuple{"max_body", &t->max_body, int64_t{1024}, int64_t{1} << 40},
        std::tuple{"max_line", &t->max_line, int64_t{256}, int64_t{1} << 30},
        std::tuple{"max_labels", &t->max_labels, int64_t{1}, int64_t{10'000}},
        std::tuple{"proxy_protocol", &t->proxy_protocol, int64_t{0}, int64_t{2}},
        std::tuple{"discard_unchanged", &t->discard_unchanged, int64_t{0}, kMaxHeartbeat}}) {
    if (Status s = sec.GetInt(key, min, max, slot); !s.ok()) return s;
  }
  if (Status s = sec.GetBool("insecure", &t->insecure); !s.ok()) return s;
  if (Status s = sec.GetDoubleList("quantiles", 0, 1, &t->quantiles); !s.ok()) return s;
  for (auto [key, slot] : {std::pair{"include", &t->include}, std::pair{"exclude", &t->exclude},
                           std::pair{"match", &t->match}, std::pair{"rates", &t->rates},
                           std::pair{"resolve", &t->resolve}}) {
    if (Status s = sec.GetStringList(key, slot); !s.ok()) return s;
  }
  if (t->match) {  // a matcher that does not parse is the config's error, with its place
    std::vector<LabelMatcher> m;
    if (Status s = ParseMatchers(*t->match, &m); !s.ok())
      return Status::Error(sec.Where("match") + ": " + s.message());
  }
  return Status::Ok();
}

}  // namespace

void TargetSettings::Under(const TargetSettings& l) {
  Fill(url, l.url);
  Fill(zabbix_host, l.zabbix_host);
  Fill(ca_file, l.ca_file);
  Fill(cert_file, l.cert_file);
  Fill(key_file, l.key_file);
  Fill(user, l.user);
  Fill(password_file, l.password_file);
  Fill(bearer_token_file, l.bearer_token_file);
  Fill(interval, l.interval);
  Fill(timeout, l.timeout);
  Fill(connect_timeout, l.connect_timeout);
  Fill(max_series, l.max_series);
  Fill(max_body, l.max_body);
  Fill(max_line, l.max_line);
  Fill(max_labels, l.max_labels);
  Fill(proxy_protocol, l.proxy_protocol);
  Fill(insecure, l.insecure);
  Fill(quantiles, l.quantiles);
  Fill(include, l.include);
  Fill(exclude, l.exclude);
  Fill(match, l.match);
  Fill(rates, l.rates);
  Fill(resolve, l.resolve);
  Fill(discard_unchanged, l.discard_unchanged);
}

void PromSettings::Under(const PromSettings& l) {
  Fill(zabbix_server, l.zabbix_server);
  Fill(state_dir, l.state_dir);
  Fill(spool, l.spool);
  Fill(spool_max_bytes, l.spool_max_bytes);
  Fill(daemon, l.daemon);
  for (const auto& [k, v] : l.tls) tls.emplace(k, v);  // emplace keeps this layer's
  Fill(tls_check_host, l.tls_check_host);
  defaults.Under(l.defaults);
}

const std::vector<std::string>& TlsKeyNames() {
  static const std::vector<std::string> names = {
      "connect",  "psk_identity",       "psk_file", "ca_file",  "crl_file",           "cert_file",
      "key_file", "server_cert_issuer", "cipher",   "cipher13", "server_cert_subject"};
  return names;
}

Status ReadPromSettings(const Config& config, PromSettings* out) {
  *out = {};
  ConfigSection sec;
  if (Status s = config.Section("prom", &sec); !s.ok()) return s;
  // Every key of [prom]: the program's, the trapper's TLS, then the targets' defaults
  // (tests/packaging/example_config_test.sh compares this list with packaging/zabitan.toml).
  const std::vector<std::string_view> known = {"zabbix_server",
                                               "state_dir",
                                               "spool",
                                               "spool_max_bytes",
                                               "daemon",
                                               "tls_connect",
                                               "tls_psk_identity",
                                               "tls_psk_file",
                                               "tls_ca_file",
                                               "tls_crl_file",
                                               "tls_cert_file",
                                               "tls_key_file",
                                               "tls_server_cert_issuer",
                                               "tls_server_cert_subject",
                                               "tls_cipher",
                                               "tls_cipher13",
                                               "tls_check_host",
                                               "zabbix_host",
                                               "ca_file",
                                               "cert_file",
                                               "key_file",
                                               "user",
                                               "password_file",
                                               "bearer_token_file",
                                               "interval",
                                               "timeout",
                                               "connect_timeout",
                                               "max_series",
                                               "max_body",
                                               "max_line",
                                               "max_labels",
                                               "proxy_protocol",
                                               "insecure",
                                               "quantiles",
                                               "include",
                                               "exclude",
                                               "match",
                                               "rates",
                                               "resolve",
                                               "discard_unchanged"};
  std::vector<std::string_view> keys = known;
  keys.emplace_back("targets");  // the tables (commented examples in packaging/zabitan.toml)
  if (Status s = sec.CheckKnownKeys(keys); !s.ok()) return s;
  for (auto [key, slot] :
       {std::pair{"zabbix_server", &out->zabbix_server}, std::pair{"state_dir", &out->state_dir},
        std::pair{"spool", &out->spool}}) {
    if (Status s = sec.GetString(key, slot); !s.ok()) return s;
  }
  if (Status s = sec.GetInt("spool_max_bytes", int64_t{1} << 20, INT64_MAX, &out->spool_max_bytes);
      !s.ok())
    return s;
  if (Status s = sec.GetBool("daemon", &out->daemon); !s.ok()) return s;
  if (Status s = sec.GetBool("tls_check_host", &out->tls_check_host); !s.ok()) return s;
  for (const std::string& name : TlsKeyNames()) {
    std::optional<std::string> v;
    if (Status s = sec.GetString("tls_" + name, &v); !s.ok()) return s;
    if (v) out->tls[name] = *v;
  }
  if (Status s = ReadTarget(sec, &out->defaults); !s.ok()) return s;
  ConfigSection targets;
  if (Status s = config.Section("prom.targets", &targets); !s.ok()) return s;
  const std::vector<std::string> names = targets.Subsections();
  if (Status s = targets.CheckKnownKeys({names.begin(), names.end()}); !s.ok()) {  // tables only
    return Status::Error(s.message() + " (each target is a table: [prom.targets.NAME])");
  }
  for (const std::string& name : names) {
    ConfigSection t;
    if (Status s = targets.Subsection(name, &t); !s.ok()) return s;  // "web.example": one key
    // [prom.targets.web.example] is a table inside a target "web", which TOML cannot tell from
    // a target named with a dot: refused with the spelling that means one.
    if (const std::vector<std::string> inner = t.Subsections(); !inner.empty()) {
      return Status::Error(t.Where(inner[0]) + ": a table inside target " + name +
                               ": a target name with a dot is quoted: [prom.targets.\"" + name +
                               "." + inner[0] + "\"]",
                           Errc::kConfig);
    }
    if (Status s = t.CheckKnownKeys(kTargetKeys); !s.ok()) return s;
    TargetSettings ts;
    if (Status s = ReadTarget(t, &ts); !s.ok()) return s;
    if (!ts.url) return Status::Error(t.Where("url") + ": missing (the target's address)");
    out->targets.emplace_back(name, std::move(ts));
  }
  return Status::Ok();
}

Status MakeTarget(const std::string& name, const TargetSettings& s, Target* out) {
  auto bad = [&](const std::string& why) { return Status::Error("target " + name + ": " + why); };
  Target t;
  t.name = name;
  if (!s.url || s.url->empty()) return bad("no url");
  const std::string& url = *s.url;
  if (!url.starts_with("http://") && !url.starts_with("https://") && !url.starts_with("unix:"))
    return bad(url + ": not http://, https:// or unix:SOCKET[:/PATH]");
  if (!s.zabbix_host || s.zabbix_host->empty())
    return bad(
        "no Zabbix host: give --zabbix-host, or zabbix_host in [prom] or the target's table");
  if (s.proxy_protocol.value_or(0) != 0 && url.starts_with("unix:"))
    return bad("a PROXY header is for TCP targets, not a Unix socket");
  t.scrape.url = url;
  t.scrape.timeout = Millis(s.timeout.value_or(kDefaultTimeout));
  t.scrape.connect_timeout = Millis(s.connect_timeout.value_or(kDefaultConnectTimeout));
  if (s.max_body) t.scrape.max_body_bytes = static_cast<size_t>(*s.max_body);
  t.scrape.ca_file = s.ca_file.value_or("");
  t.scrape.cert_file = s.cert_file.value_or("");
  t.scrape.key_file = s.key_file.value_or("");
  if (t.scrape.cert_file.empty() != t.scrape.key_file.empty())
    return bad("a client certificate needs both cert_file and key_file");
  t.scrape.insecure = s.insecure.value_or(false);
  t.scrape.username = s.user.value_or("");
  t.scrape.password_file = s.password_file.value_or("");
  if (t.scrape.username.empty() != t.scrape.password_file.empty())
    return bad("basic auth needs both user and password_file");
  t.scrape.bearer_token_file = s.bearer_token_file.value_or("");
  t.scrape.proxy_protocol = static_cast<int>(s.proxy_protocol.value_or(0));
  t.scrape.resolve = s.resolve.value_or(std::vector<std::string>{});
  if (s.max_series) t.limits.max_series = static_cast<size_t>(*s.max_series);
  if (s.max_line) t.limits.max_line_bytes = static_cast<size_t>(*s.max_line);
  if (s.max_labels) t.limits.max_labels = static_cast<size_t>(*s.max_labels);
  t.mapping.host = *s.zabbix_host;
  if (s.quantiles) t.mapping.quantiles = *s.quantiles;
  t.mapping.include = s.include.value_or(std::vector<std::string>{});
  t.mapping.exclude = s.exclude.value_or(std::vector<std::string>{});
  t.mapping.rates = s.rates.value_or(std::vector<std::string>{});
  if (Status st = ParseMatchers(s.match.value_or(std::vector<std::string>{}), &t.mapping.matchers);
      !st.ok())
    return bad(st.message());
  t.interval = Millis(s.interval.value_or(kDefaultInterval));
  t.discard_unchanged = s.discard_unchanged.value_or(0);
  *out = std::move(t);
  return Status::Ok();
}

}  // namespace zabitan::prom_bridge
