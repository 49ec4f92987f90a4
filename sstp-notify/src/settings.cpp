#include "zabitan/sstp_notify/settings.h"

#include <charconv>
#include <chrono>
#include <cstdlib>

#include "ssh_transport.h"
#include "zabitan/common/printable.h"

namespace zabitan::sstp_notify {
namespace {

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
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value < 1 ||
        value > 65535) {
      return Status::Error("--to \"" + Printable(text, 200) + "\": invalid port (1-65535)");
    }
    *port = static_cast<uint16_t>(value);
  }
  return Status::Ok();
}

}  // namespace

Status ApplyConfig(const Config& config, Settings* o) {
  ConfigSection sec;
  if (Status s = config.Section("sstp", &sec); !s.ok()) return s;
  std::vector<std::string_view> known = {
      "to",      "ssh",      "identity",       "known_hosts", "sender",          "charset",
      "notify",  "surface",  "option",         "spool",       "spool_max_bytes", "expire",
      "timeout", "template", "media_template", "surface_ok",  "surface_unknown"};
  std::vector<std::string> severity_keys;
  for (const auto& [severity, surface] : o->surfaces.by_severity)
    severity_keys.push_back("surface_" + severity);
  for (const std::string& k : severity_keys) known.push_back(k);
  // Trusting whatever key answers is a decision for one run, made by someone looking at the
  // fingerprint: a setting would keep accepting new keys, a man in the middle's among them.
  std::optional<bool> accept;
  if (!sec.GetBool("accept_new_host_key", &accept).ok() || accept) {
    return Status::Error(sec.Where("accept_new_host_key") +
                         ": not a setting: give --accept-new-host-key on the command line, once");
  }
  if (Status s = sec.CheckKnownKeys(known); !s.ok()) return s;
  struct Key {
    const char* name;
    std::string* slot;
  } strings[] = {{"to", &o->to},
                 {"ssh", &o->ssh},
                 {"identity", &o->identity},
                 {"known_hosts", &o->known_hosts},
                 {"sender", &o->sender},
                 {"charset", &o->charset},
                 {"notify", &o->notify},
                 {"spool", &o->spool},
                 {"template", &o->speech_template},
                 {"media_template", &o->media_template}};
  for (const Key& k : strings) {
    std::optional<std::string> v;
    if (Status s = sec.GetString(k.name, &v); !s.ok()) return s;
    if (v && k.slot->empty()) *k.slot = *v;
  }
  std::optional<std::string> option;
  if (Status s = sec.GetString("option", &option); !s.ok()) return s;
  if (option && o->options.empty()) o->options = {*option};
  struct IntKey {
    const char* name;
    int64_t min, max;
    std::optional<int64_t>* slot;
  } ints[] = {{"spool_max_bytes", 1024, int64_t{1} << 40, &o->spool_max_bytes},
              {"expire", 1, int64_t{30} * 86400, &o->expire},
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

Status MakeTransport(const Settings& o, std::unique_ptr<Transport>* transport,
                     std::optional<std::chrono::milliseconds> budget) {
  std::string host = "127.0.0.1";  // ninix listens on IPv4 only; "localhost" may be ::1 first
  uint16_t port = 9801;
  if (!o.to.empty()) {
    if (Status s = ParseTarget(o.to, &host, &port); !s.ok()) return s;
  }
  Timeouts timeouts;
  if (o.timeout) timeouts.exchange = std::chrono::seconds(*o.timeout);
  if (budget) {
    const auto half = std::max(*budget / 2, std::chrono::milliseconds(1));
    timeouts.connect = std::min(timeouts.connect, half);
    timeouts.exchange = std::min(timeouts.exchange, half);
  }
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
    if (home == nullptr)
      return Status::Error("no --known-hosts and no $HOME to find ~/.ssh/known_hosts in");
    so.known_hosts = std::string(home) + "/.ssh/known_hosts";
  }
  so.accept_new_host_key = o.accept_new_host_key;
  so.target_host = host;
  so.target_port = port;
  so.timeouts = timeouts;
  *transport = MakeSshTransport(std::move(so));
  return Status::Ok();
}

Status OpenSpool(const Settings& o, std::unique_ptr<Spool>* spool) {
  spool->reset();
  if (o.spool.empty()) return Status::Ok();
  uint64_t max_bytes =
      o.spool_max_bytes ? static_cast<uint64_t>(*o.spool_max_bytes) : kDefaultSpoolMaxBytes;
  return Spool::Open(o.spool, max_bytes, std::chrono::seconds(20), spool);
}

}  // namespace zabitan::sstp_notify
