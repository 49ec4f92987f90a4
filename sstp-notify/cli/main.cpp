// zabitan-sstp: makes the 伺か/SSP desktop mascot speak Zabbix alerts over SSTP, directly or
// through an SSH tunnel, keeping what the desktop cannot take now for later.
#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "zabitan/common/config.h"
#include "zabitan/common/log.h"
#include "zabitan/common/printable.h"
#include "zabitan/common/spool.h"
#include "zabitan/sstp/alert.h"
#include "zabitan/sstp/charset.h"
#include "zabitan/sstp/notifier.h"
#include "zabitan/sstp/script.h"
#include "zabitan/sstp/ssh_transport.h"
#include "zabitan/sstp/transport.h"

namespace zabitan::sstp {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitSpooled = 3;

constexpr const char* kDefaultTemplate = "\\0\\s[{surface}]{message}\\e";
constexpr const char* kDefaultMediaTemplate = "\\0\\s[{surface}]{subject}\\n{message}\\e";

struct Options {
  std::string config = "/etc/zabitan/zabitan.toml";
  std::string to;
  std::string ssh;
  std::string identity;
  std::string known_hosts;
  bool accept_new_host_key = false;
  std::string sender;
  std::string charset;
  std::string notify;
  std::optional<int> surface;
  std::vector<std::string> options;
  std::string spool;
  std::optional<int64_t> spool_max_bytes;
  std::optional<int64_t> expire;
  std::optional<int64_t> timeout;
  bool flush = false;
  std::string speech_template;
  std::string media_template;
  Surfaces surfaces;
  int verbose = 0;
  std::vector<std::string> message;
  std::vector<std::string> media;  // SENDTO SUBJECT MESSAGE
};

// [sstp] keys fill what the command line left unset.
Status ApplyConfig(Options* o, bool config_given) {
  Config config;
  if (Status s = Config::Load(o->config, config_given, &config); !s.ok()) return s;
  ConfigSection sec;
  if (Status s = config.Section("sstp", &sec); !s.ok()) return s;
  std::vector<std::string_view> known = {"to", "ssh", "identity", "known_hosts", "accept_new_host_key",
                                         "sender", "charset", "notify", "surface", "option", "spool",
                                         "spool_max_bytes", "expire", "timeout", "template",
                                         "media_template", "surface_ok", "surface_unknown"};
  std::vector<std::string> severity_keys;
  for (const auto& [severity, surface] : o->surfaces.by_severity) severity_keys.push_back("surface_" + severity);
  for (const std::string& k : severity_keys) known.push_back(k);
  if (Status s = sec.CheckKnownKeys(known); !s.ok()) return s;
  struct Key {
    const char* name;
    std::string* slot;
  } strings[] = {{"to", &o->to}, {"ssh", &o->ssh}, {"identity", &o->identity},
                 {"known_hosts", &o->known_hosts}, {"sender", &o->sender}, {"charset", &o->charset},
                 {"notify", &o->notify}, {"spool", &o->spool}, {"template", &o->speech_template},
                 {"media_template", &o->media_template}};
  for (const Key& k : strings) {
    std::optional<std::string> v;
    if (Status s = sec.GetString(k.name, &v); !s.ok()) return s;
    if (v && k.slot->empty()) *k.slot = *v;
  }
  std::optional<std::string> option;
  if (Status s = sec.GetString("option", &option); !s.ok()) return s;
  if (option && o->options.empty()) o->options = {*option};
  std::optional<bool> accept;
  if (Status s = sec.GetBool("accept_new_host_key", &accept); !s.ok()) return s;
  if (accept && !o->accept_new_host_key) o->accept_new_host_key = *accept;
  struct IntKey {
    const char* name;
    int64_t min, max;
    std::optional<int64_t>* slot;
  } ints[] = {{"spool_max_bytes", 1024, int64_t{1} << 40, &o->spool_max_bytes},
              {"expire", 1, 30 * 86400, &o->expire},
              {"timeout", 1, 300, &o->timeout}};
  for (const IntKey& k : ints) {
    std::optional<int64_t> v;
    if (Status s = sec.GetInt(k.name, k.min, k.max, &v); !s.ok()) return s;
    if (v && !*k.slot) *k.slot = v;
  }
  std::optional<int64_t> v;
  if (Status s = sec.GetInt("surface", 0, 9999, &v); !s.ok()) return s;
  if (v && !o->surface) o->surface = static_cast<int>(*v);
  if (Status s = sec.GetInt("surface_ok", 0, 9999, &v); !s.ok()) return s;
  if (v) o->surfaces.ok = static_cast<int>(*v);
  if (Status s = sec.GetInt("surface_unknown", 0, 9999, &v); !s.ok()) return s;
  if (v) o->surfaces.fallback = static_cast<int>(*v);
  for (auto& [severity, surface] : o->surfaces.by_severity) {
    if (Status s = sec.GetInt("surface_" + severity, 0, 9999, &v); !s.ok()) return s;
    if (v) surface = static_cast<int>(*v);
  }
  return Status::Ok();
}

// "host:port", "[v6]:port" or "host" (port 9801).
Status ParseTarget(const std::string& text, std::string* host, uint16_t* port) {
  std::string port_text;
  if (text.starts_with('[')) {
    size_t close = text.find(']');
    if (close == std::string::npos || (close + 1 < text.size() && text[close + 1] != ':')) {
      return Status::Error("--to \"" + Printable(text, 200) + "\": expected HOST:PORT");
    }
    *host = text.substr(1, close - 1);
    if (close + 1 < text.size()) port_text = text.substr(close + 2);
  } else if (size_t colon = text.rfind(':'); colon != std::string::npos) {
    *host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  } else {
    *host = text;
  }
  if (host->empty()) return Status::Error("--to \"" + Printable(text, 200) + "\": empty host");
  *port = 9801;
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value < 1 || value > 65535) {
      return Status::Error("--to \"" + Printable(text, 200) + "\": invalid port (1-65535)");
    }
    *port = static_cast<uint16_t>(value);
  }
  return Status::Ok();
}

Status MakeTransport(const Options& o, std::unique_ptr<Transport>* transport) {
  std::string host = "127.0.0.1";  // ninix listens on IPv4 only; "localhost" may be ::1 first
  uint16_t port = 9801;
  if (!o.to.empty()) {
    if (Status s = ParseTarget(o.to, &host, &port); !s.ok()) return s;
  }
  Timeouts timeouts;
  if (o.timeout) timeouts.exchange = std::chrono::seconds(*o.timeout);
  if (o.ssh.empty()) {
    *transport = MakeDirectTransport(host, port, timeouts);
    return Status::Ok();
  }
  SshOptions so;
  if (Status s = ParseSshDestination(o.ssh, &so); !s.ok()) return s;
  so.identity = o.identity;
  so.known_hosts = o.known_hosts;
  if (so.known_hosts.empty()) {
    const char* home = std::getenv("HOME");
    if (home == nullptr) return Status::Error("no --known-hosts and no $HOME to find ~/.ssh/known_hosts in");
    so.known_hosts = std::string(home) + "/.ssh/known_hosts";
  }
  so.accept_new_host_key = o.accept_new_host_key;
  so.target_host = host;
  so.target_port = port;
  so.timeouts = timeouts;
  *transport = MakeSshTransport(std::move(so));
  return Status::Ok();
}

Status BuildRequest(const Options& o, Request* r) {
  r->charset = o.charset.empty() ? "UTF-8" : o.charset;
  if (Status s = CanonicalCharset(r->charset, &r->charset); !s.ok()) return s;
  if (!o.sender.empty()) r->sender = o.sender;
  r->options = o.options;
  std::map<std::string, std::string> values;
  std::string speech_template;
  int surface = o.surfaces.fallback;
  if (!o.media.empty()) {
    Alert alert = ParseMediaAlert(o.media[0], o.media[1], o.media[2]);
    values = alert.Placeholders();
    surface = o.surfaces.For(alert);
    speech_template = o.media_template.empty() ? kDefaultMediaTemplate : o.media_template;
    r->references = {alert.subject, alert.message, alert.host, alert.trigger, alert.severity, alert.status};
  } else {
    std::string text;
    for (const std::string& word : o.message) text += (text.empty() ? "" : " ") + word;
    if (text.empty()) return Status::Error("nothing to say: give a MESSAGE (or --flush, or --media-type)");
    values["message"] = text;
    speech_template = o.speech_template.empty() ? kDefaultTemplate : o.speech_template;
    r->references = {text};
  }
  if (o.surface) surface = *o.surface;
  values["surface"] = std::to_string(surface);
  r->script = Speech(speech_template).Render(values);
  if (!o.notify.empty()) {
    r->method = Method::kNotify;
    r->event = o.notify;
  }
  return Status::Ok();
}

int Run(int argc, char** argv) {
  Options o;
  // --media-type SENDTO SUBJECT MESSAGE must end the command line and its three values are
  // taken as they are: alert text can look like an option ("--ssh …") and must not become one.
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--media-type") {
      if (argc - i != 4) {
        std::fprintf(stderr, "zabitan-sstp: --media-type takes SENDTO SUBJECT MESSAGE and must come last\n");
        return kExitFailure;
      }
      o.media = {argv[i + 1], argv[i + 2], argv[i + 3]};
      argc = i;
      break;
    }
  }
  CLI::App app{"zabitan-sstp: makes the desktop mascot speak over SSTP, directly or through SSH"};
  auto* config_opt = app.add_option("--config", o.config, "zabitan config file ([sstp] section)");
  app.add_option("--to", o.to, "the SSTP server, HOST:PORT (default 127.0.0.1:9801; with --ssh: on the desktop)");
  app.add_option("--ssh", o.ssh, "tunnel through the desktop's sshd: USER@HOST[:PORT]");
  app.add_option("--identity", o.identity, "private key for --ssh (ed25519/ECDSA, mode 0600); default: ssh-agent");
  app.add_option("--known-hosts", o.known_hosts, "known_hosts file for --ssh (default ~/.ssh/known_hosts)");
  app.add_flag("--accept-new-host-key", o.accept_new_host_key, "record an unknown host key (never a changed one)");
  app.add_option("--sender", o.sender, "the Sender header (default zabitan)");
  app.add_option("--charset", o.charset, "UTF-8 (default), Shift_JIS, EUC-JP or ISO-2022-JP");
  app.add_option("--notify", o.notify, "send NOTIFY SSTP/1.1 with this event (the speech is the fallback Script)");
  app.add_option("--surface", o.surface, "the ghost's surface (expression) number")->check(CLI::Range(0, 9999));
  app.add_option("--option", o.options, "SSTP Option: nodescript, notranslate, nobreak");
  app.add_option("--spool", o.spool, "keep undelivered messages in this folder for later");
  app.add_option("--expire", o.expire, "drop spooled messages older than this many seconds (default 3600)")
      ->check(CLI::Range(int64_t{1}, int64_t{30 * 86400}));
  app.add_option("--timeout", o.timeout, "seconds to wait for the answer (default 10)")->check(CLI::Range(int64_t{1}, int64_t{300}));
  app.add_flag("--flush", o.flush, "deliver what the spool holds, then exit");
  app.add_flag("-v", o.verbose, "more output (-vv for debug)");
  app.add_option("MESSAGE", o.message, "what the ghost says (escaped: it cannot run SakuraScript)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  log::Init("zabitan-sstp", std::max(o.verbose, 0), false);
  if (Status s = ApplyConfig(&o, config_opt->count() > 0); !s.ok()) {
    log::Error(s.message());
    return kExitFailure;
  }
  Request request;
  if (!o.flush) {
    if (Status s = BuildRequest(o, &request); !s.ok()) {
      log::Error(s.message());
      return kExitFailure;
    }
  }
  std::unique_ptr<Transport> transport;
  if (Status s = MakeTransport(o, &transport); !s.ok()) {
    log::Error(s.message());
    return kExitFailure;
  }
  std::unique_ptr<Spool> spool;
  if (!o.spool.empty()) {
    uint64_t max_bytes = o.spool_max_bytes ? static_cast<uint64_t>(*o.spool_max_bytes) : uint64_t{64} << 20;
    if (Status s = Spool::Open(o.spool, max_bytes, std::chrono::seconds(20), &spool); !s.ok()) {
      log::Error(s.message());
      return kExitFailure;
    }
  } else if (o.flush) {
    log::Error("--flush needs --spool DIR (or spool in [sstp])");
    return kExitFailure;
  }
  NotifierOptions no;
  if (o.expire) no.expire = std::chrono::seconds(*o.expire);
  Notifier notifier(*transport, spool.get(), no);
  if (o.flush) {
    FlushReport f = notifier.Flush();
    std::printf("%s: %zu delivered, %zu expired, %zu refused, %zu left\n", transport->Describe().c_str(),
                f.delivered, f.expired, f.refused, f.left);
    if (f.left > 0) {
      log::Warning(f.status.message());
      return kExitSpooled;
    }
    if (!f.status.ok()) {
      log::Error(f.status.message());
      return kExitFailure;
    }
    return kExitOk;
  }
  Delivery d = notifier.Deliver(request);
  switch (d.outcome) {
    case Delivery::kDelivered:
      std::printf("delivered to %s: %s\n", transport->Describe().c_str(), d.response.c_str());
      return kExitOk;
    case Delivery::kSpooled:
      std::printf("spooled for later in %s: %s\n", o.spool.c_str(), d.status.message().c_str());
      return kExitSpooled;
    case Delivery::kRetryable:
    case Delivery::kFailed:
      log::Error(d.status.message());
      return kExitFailure;
  }
  return kExitFailure;
}

}  // namespace
}  // namespace zabitan::sstp

int main(int argc, char** argv) { return zabitan::sstp::Run(argc, argv); }
