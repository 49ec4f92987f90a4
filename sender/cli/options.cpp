#include "options.h"

#include <getopt.h>

#include <charconv>
#include <set>

#include "agent_config.h"
#include "zabitan/common/config.h"
#include "zabitan/sender/destination.h"
#include "zabitan/sender/tls.h"

namespace zabitan::sender::cli {

namespace {

enum LongOnly {
  kTlsConnect = 1000,
  kTlsCaFile,
  kTlsCrlFile,
  kTlsServerCertIssuer,
  kTlsServerCertSubject,
  kTlsCertFile,
  kTlsKeyFile,
  kTlsPskIdentity,
  kTlsPskFile,
  kTlsCipher13,
  kTlsCipher,
  kBatchSize,
  kConnections,
  kCompress,
  kSyslog,
  kSpool,
  kSpoolMaxBytes,
  kFlush,
  kTlsCheckHost,
  kCompat,
};

const option kLongOptions[] = {
    {"config", required_argument, nullptr, 'c'},
    {"zabbix-server", required_argument, nullptr, 'z'},
    {"port", required_argument, nullptr, 'p'},
    {"source-address", required_argument, nullptr, 'I'},
    {"timeout", required_argument, nullptr, 't'},
    {"host", required_argument, nullptr, 's'},
    {"key", required_argument, nullptr, 'k'},
    {"value", required_argument, nullptr, 'o'},
    {"input-file", required_argument, nullptr, 'i'},
    {"with-timestamps", no_argument, nullptr, 'T'},
    {"with-ns", no_argument, nullptr, 'N'},
    {"real-time", no_argument, nullptr, 'r'},
    {"group", no_argument, nullptr, 'g'},
    {"verbose", no_argument, nullptr, 'v'},
    {"help", no_argument, nullptr, 'h'},
    {"version", no_argument, nullptr, 'V'},
    {"tls-connect", required_argument, nullptr, kTlsConnect},
    {"tls-ca-file", required_argument, nullptr, kTlsCaFile},
    {"tls-crl-file", required_argument, nullptr, kTlsCrlFile},
    {"tls-server-cert-issuer", required_argument, nullptr, kTlsServerCertIssuer},
    {"tls-server-cert-subject", required_argument, nullptr, kTlsServerCertSubject},
    {"tls-cert-file", required_argument, nullptr, kTlsCertFile},
    {"tls-key-file", required_argument, nullptr, kTlsKeyFile},
    {"tls-psk-identity", required_argument, nullptr, kTlsPskIdentity},
    {"tls-psk-file", required_argument, nullptr, kTlsPskFile},
    {"tls-cipher13", required_argument, nullptr, kTlsCipher13},
    {"tls-cipher", required_argument, nullptr, kTlsCipher},
    {"batch-size", required_argument, nullptr, kBatchSize},
    {"connections", required_argument, nullptr, kConnections},
    {"compress", no_argument, nullptr, kCompress},
    {"tls-check-host", no_argument, nullptr, kTlsCheckHost},
    {"syslog", no_argument, nullptr, kSyslog},
    {"spool", required_argument, nullptr, kSpool},
    {"spool-max-bytes", required_argument, nullptr, kSpoolMaxBytes},
    {"flush", required_argument, nullptr, kFlush},
    {"compat", required_argument, nullptr, kCompat},
    {nullptr, 0, nullptr, 0},
};

// TLS flags and the [sender] keys and agentd keys that stand for them.
struct TlsName {
  int flag;
  const char* cli;
  const char* toml;
  const char* agentd;
};
const TlsName kTlsNames[] = {
    {kTlsConnect, "tls-connect", "tls_connect", "TLSConnect"},
    {kTlsCaFile, "tls-ca-file", "tls_ca_file", "TLSCAFile"},
    {kTlsCrlFile, "tls-crl-file", "tls_crl_file", "TLSCRLFile"},
    {kTlsServerCertIssuer, "tls-server-cert-issuer", "tls_server_cert_issuer",
     "TLSServerCertIssuer"},
    {kTlsServerCertSubject, "tls-server-cert-subject", "tls_server_cert_subject",
     "TLSServerCertSubject"},
    {kTlsCertFile, "tls-cert-file", "tls_cert_file", "TLSCertFile"},
    {kTlsKeyFile, "tls-key-file", "tls_key_file", "TLSKeyFile"},
    {kTlsPskIdentity, "tls-psk-identity", "tls_psk_identity", "TLSPSKIdentity"},
    {kTlsPskFile, "tls-psk-file", "tls_psk_file", "TLSPSKFile"},
    {kTlsCipher13, "tls-cipher13", "tls_cipher13", "TLSCipherAll13"},
    {kTlsCipher, "tls-cipher", "tls_cipher", "TLSCipherAll"},
};

// Everything the command line said, each absent unless given.
struct Flags {
  std::optional<std::string> config, server, port, source, timeout, host, key, value, input;
  std::optional<std::string> batch_size, connections, spool, spool_max_bytes, flush, compat;
  bool timestamps = false, ns = false, real_time = false, group = false, compress = false;
  bool syslog = false;
  bool tls_check_host = false;
  bool help = false, version = false;
  int verbose = 0;
  std::map<int, std::string> tls;
};

Status ParseInt(const std::string& what, const std::string& text, int64_t min, int64_t max,
                int64_t* out) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < min || v > max) {
    return Status::Error("invalid " + what + " \"" + text + "\" (" + std::to_string(min) + "-" +
                         std::to_string(max) + ")");
  }
  *out = v;
  return Status::Ok();
}

Status ReadFlags(int argc, char** argv, Flags* f) {
  std::set<int> seen;
  opterr = 0;
  optind = 1;
  int c;
  while ((c = getopt_long(argc, argv, ":c:z:p:I:t:s:k:o:i:TNrgvhV", kLongOptions, nullptr)) != -1) {
    if (c == '?') {
      std::string opt = optopt ? std::string("-") + static_cast<char>(optopt) : argv[optind - 1];
      return Status::Error("unknown option " + opt);
    }
    if (c == ':')
      return Status::Error("option " + std::string(argv[optind - 1]) + " needs a value");
    if (c != 'v' && !seen.insert(c).second) {
      return Status::Error("option " + std::string(argv[optind - 1]) + " given more than once");
    }
    switch (c) {
      case 'c':
        f->config = optarg;
        break;
      case 'z':
        f->server = optarg;
        break;
      case 'p':
        f->port = optarg;
        break;
      case 'I':
        f->source = optarg;
        break;
      case 't':
        f->timeout = optarg;
        break;
      case 's':
        f->host = optarg;
        break;
      case 'k':
        f->key = optarg;
        break;
      case 'o':
        f->value = optarg;
        break;
      case 'i':
        f->input = optarg;
        break;
      case 'T':
        f->timestamps = true;
        break;
      case 'N':
        f->ns = true;
        break;
      case 'r':
        f->real_time = true;
        break;
      case 'g':
        f->group = true;
        break;
      case 'h':
        f->help = true;
        break;
      case 'V':
        f->version = true;
        break;
      case 'v':
        if (++f->verbose > 2) return Status::Error("option -v given more than twice");
        break;
      case kBatchSize:
        f->batch_size = optarg;
        break;
      case kConnections:
        f->connections = optarg;
        break;
      case kCompress:
        f->compress = true;
        break;
      case kTlsCheckHost:
        f->tls_check_host = true;
        break;
      case kSyslog:
        f->syslog = true;
        break;
      case kSpool:
        f->spool = optarg;
        break;
      case kSpoolMaxBytes:
        f->spool_max_bytes = optarg;
        break;
      case kFlush:
        f->flush = optarg;
        break;
      case kCompat:
        f->compat = optarg;
        break;
      default:
        f->tls[c] = optarg;
        break;
    }
  }
  if (optind < argc)
    return Status::Error("unexpected argument \"" + std::string(argv[optind]) + "\"");
  return Status::Ok();
}

// Copies a [sender] string key into `slot` unless the command line already set it.
Status FromToml(const ConfigSection& s, std::string_view key, std::optional<std::string>* slot) {
  if (*slot) return Status::Ok();
  return s.GetString(key, slot);
}

Status FromTomlInt(const ConfigSection& s, std::string_view key, int64_t min, int64_t max,
                   std::optional<std::string>* slot) {
  if (*slot) return Status::Ok();
  std::optional<int64_t> v;
  if (Status st = s.GetInt(key, min, max, &v); !st.ok()) return st;
  if (v) *slot = std::to_string(*v);
  return Status::Ok();
}

Status FromTomlBool(const ConfigSection& s, std::string_view key, bool* slot) {
  std::optional<bool> v;
  if (Status st = s.GetBool(key, &v); !st.ok()) return st;
  if (v && !*slot) *slot = *v;
  return Status::Ok();
}

Status ApplyToml(Flags* f, std::optional<std::string>* agent_config) {
  bool explicit_toml = f->config && f->config->ends_with(".toml");
  std::string path = explicit_toml ? *f->config : kDefaultConfigPath;
  Config config;
  if (Status s = Config::LoadTrusted(path, explicit_toml, &config); !s.ok()) return s;
  ConfigSection sec;
  if (Status s = config.Section("sender", &sec); !s.ok()) return s;
  std::vector<std::string_view> known = {
      "agent_config",    "zabbix_server",  "port",     "source_address", "timeout", "host",
      "batch_size",      "connections",    "compress", "verbose",        "syslog",  "spool",
      "spool_max_bytes", "tls_check_host", "compat"};
  for (const TlsName& t : kTlsNames) known.emplace_back(t.toml);
  if (Status s = sec.CheckKnownKeys(known); !s.ok()) return s;

  if (f->config && !explicit_toml) *agent_config = f->config;
  Status s;
  if (!*agent_config) s = sec.GetString("agent_config", agent_config);
  if (s.ok()) s = FromToml(sec, "zabbix_server", &f->server);
  if (s.ok()) s = FromTomlInt(sec, "port", 1, 65535, &f->port);
  if (s.ok()) s = FromToml(sec, "source_address", &f->source);
  if (s.ok()) s = FromTomlInt(sec, "timeout", 1, 300, &f->timeout);
  if (s.ok()) s = FromToml(sec, "host", &f->host);
  if (s.ok()) s = FromTomlInt(sec, "batch_size", 1, kMaxBatchSize, &f->batch_size);
  if (s.ok()) s = FromTomlInt(sec, "connections", 1, kMaxConnections, &f->connections);
  if (s.ok()) s = FromTomlBool(sec, "compress", &f->compress);
  if (s.ok()) s = FromTomlBool(sec, "tls_check_host", &f->tls_check_host);
  if (s.ok()) s = FromTomlBool(sec, "syslog", &f->syslog);
  if (s.ok()) s = FromToml(sec, "spool", &f->spool);
  if (s.ok()) s = FromToml(sec, "compat", &f->compat);
  if (s.ok()) s = FromTomlInt(sec, "spool_max_bytes", 1 << 20, INT64_MAX, &f->spool_max_bytes);
  if (s.ok() && f->verbose == 0) {
    std::optional<int64_t> v;
    s = sec.GetInt("verbose", 0, 2, &v);
    if (v) f->verbose = static_cast<int>(*v);
  }
  for (const TlsName& t : kTlsNames) {
    if (!s.ok() || f->tls.count(t.flag)) continue;
    std::optional<std::string> v;
    s = sec.GetString(t.toml, &v);
    if (v) f->tls[t.flag] = *v;
  }
  return s;
}

// The TLS settings, from flags, [sender] keys and agentd keys already merged into `tls`.
Status BuildTls(const std::map<int, std::string>& tls, bool check_host,
                std::shared_ptr<TlsContext>* context) {
  auto get = [&tls](int flag) {
    auto it = tls.find(flag);
    return it == tls.end() ? std::string() : it->second;
  };
  TlsOptions t;
  if (Status s = ParseTlsMode(get(kTlsConnect).empty() ? "unencrypted" : get(kTlsConnect), &t.mode);
      !s.ok()) {
    return s;
  }
  if (t.mode == TlsMode::kUnencrypted) {
    for (const auto& [flag, value] : tls) {
      if (flag != kTlsConnect) return Status::Error("TLS options need --tls-connect psk or cert");
    }
    if (check_host) return Status::Error("--tls-check-host needs --tls-connect cert");
    return Status::Ok();
  }
  t.ca_file = get(kTlsCaFile);
  t.crl_file = get(kTlsCrlFile);
  t.server_cert_issuer = get(kTlsServerCertIssuer);
  t.server_cert_subject = get(kTlsServerCertSubject);
  t.cert_file = get(kTlsCertFile);
  t.key_file = get(kTlsKeyFile);
  t.psk_identity = get(kTlsPskIdentity);
  t.psk_file = get(kTlsPskFile);
  t.cipher = get(kTlsCipher);
  t.cipher13 = get(kTlsCipher13);
  t.check_host = check_host;
  return TlsContext::Create(t, context);
}

}  // namespace

Status ParseOptions(int argc, char** argv, Options* o) {
  Flags f;
  if (Status s = ReadFlags(argc, argv, &f); !s.ok()) return s;
  o->help = f.help;
  o->version = f.version;
  if (f.help || f.version) return Status::Ok();

  std::optional<std::string> agent_config_path;
  if (Status s = ApplyToml(&f, &agent_config_path); !s.ok()) return s;
  AgentConfig agent;
  if (agent_config_path) {
    if (Status s = ReadAgentConfig(*agent_config_path, &agent); !s.ok()) return s;
    const std::map<int, std::string> given = f.tls;  // flags and [sender] keys win
    for (const TlsName& t : kTlsNames) {
      if (auto it = agent.tls.find(t.agentd); it != agent.tls.end() && !given.count(t.flag)) {
        f.tls[t.flag] = it->second;
      }
    }
    // The agent's cipher keys come per mode (TLSCipherPSK13, TLSCipherCert, ...); the mode's own
    // key wins over TLSCipherAll*.
    const std::string mode = f.tls.count(kTlsConnect) ? f.tls[kTlsConnect] : "";
    const std::string kind = mode == "psk" ? "PSK" : mode == "cert" ? "Cert" : "";
    for (auto [flag, suffix] : {std::pair{kTlsCipher13, "13"}, std::pair{kTlsCipher, ""}}) {
      if (auto it = agent.tls.find("TLSCipher" + kind + suffix);
          !kind.empty() && it != agent.tls.end() && !given.count(flag)) {
        f.tls[flag] = it->second;
      }
    }
  }
  o->verbosity = f.verbose;
  o->syslog = f.syslog;
  if (f.compat) {
    if (*f.compat == "7.0")
      o->compat = Compat::k70;
    else if (*f.compat == "6.0")
      o->compat = Compat::k60;
    else
      return Status::Error("--compat (or [sender] compat) \"" + *f.compat + "\": 7.0 or 6.0");
  }

  // Where to send: -z (with -p) replaces ServerActive; -p alone does not touch ServerActive.
  uint16_t port = kDefaultPort;
  if (f.port) {
    if (Status s = ParsePort(*f.port, &port); !s.ok()) return s.Prefixed("-p");
  }
  if (f.server) {
    if (Status s = ParseDestinations(*f.server, port, &o->sender.destinations); !s.ok()) {
      return s.Prefixed("-z");
    }
  } else if (agent.server_active) {
    if (Status s = ParseDestinations(*agent.server_active, kDefaultPort, &o->sender.destinations);
        !s.ok()) {
      return s.Prefixed(*agent_config_path + ": ServerActive");
    }
  } else if (!f.flush) {
    return Status::Error("no server to send to: give -z SERVER or -c with ServerActive");
  }

  if (f.source)
    o->sender.exchange.source_address = f.source;
  else if (agent.source_ip)
    o->sender.exchange.source_address = agent.source_ip;
  int64_t n;
  if (f.timeout) {
    if (Status s = ParseInt("timeout", *f.timeout, 1, 300, &n); !s.ok()) return s.Prefixed("-t");
    o->sender.exchange.timeout = std::chrono::seconds(n);
  }
  if (f.batch_size) {
    if (Status s = ParseInt("batch size", *f.batch_size, 1, kMaxBatchSize, &n); !s.ok()) return s;
    o->sender.batch_size = static_cast<size_t>(n);
  }
  if (f.connections) {
    if (Status s = ParseInt("connections", *f.connections, 1, kMaxConnections, &n); !s.ok())
      return s;
    o->sender.connections = static_cast<size_t>(n);
  }
  o->sender.compress = f.compress;
  o->sender.group_by_host = f.group;
  if (f.spool && f.flush && *f.spool != *f.flush) {
    return Status::Error("--spool " + *f.spool + " and --flush " + *f.flush +
                         " name different spools");
  }
  o->spool_dir = f.flush ? f.flush : f.spool;
  o->flush_only = f.flush.has_value();
  if (f.spool_max_bytes) {
    if (Status s = ParseInt("spool size", *f.spool_max_bytes, 1 << 20, INT64_MAX, &n); !s.ok())
      return s;
    o->spool_max_bytes = static_cast<uint64_t>(n);
  }

  if (Status s = BuildTls(f.tls, f.tls_check_host, &o->sender.exchange.tls); !s.ok()) return s;

  o->format.default_host = f.host ? f.host : agent.hostname;
  o->format.with_timestamps = f.timestamps;
  o->format.with_ns = f.ns;
  o->real_time = f.real_time;
  o->key = f.key;
  o->value = f.value;
  o->input_file = f.input;

  // The combinations zabbix_sender accepts.
  if (o->flush_only) {
    if (f.input || f.key || f.value)
      return Status::Error("--flush sends the spool only: no -i, -k or -o");
    return Status::Ok();
  }
  if (f.input && (f.key || f.value)) return Status::Error("-i cannot be combined with -k/-o");
  if (!f.input) {
    if (!f.key || !f.value) return Status::Error("give -k KEY and -o VALUE, or -i FILE");
    if (!o->format.default_host) return Status::Error("-k/-o need a host: give -s HOST");
    if (f.timestamps || f.ns || f.real_time || f.group) {
      return Status::Error("-T, -N, -r and -g need -i");
    }
  }
  if (f.ns && !f.timestamps) return Status::Error("-N needs -T");
  o->sender.send_time = f.timestamps;
  return Status::Ok();
}

}  // namespace zabitan::sender::cli
