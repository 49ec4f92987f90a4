// zabitan-prom: the delivery of scraped values (output.h).
#include "output.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <set>
#include <string_view>
#include <utility>

#include "zabitan/common/log.h"
#include "zabitan/sender/input_line.h"
#include "zabitan/sender/routed_sender.h"
#include "zabitan/sender/tls.h"

namespace zabitan::prom_bridge::cli {
namespace {

constexpr std::string_view kDiscoveryPrefix = "prom.discovery[";

bool IsOurDiscovery(const std::string& key) {
  return key.compare(0, kDiscoveryPrefix.size(), kDiscoveryPrefix) == 0;
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

}  // namespace

Status ExchangeFor(const PromSettings& p, sender::ExchangeOptions* out) {
  auto get = [&p](const char* k) {
    auto it = p.tls.find(k);
    return it == p.tls.end() ? std::string() : it->second;
  };
  sender::TlsOptions t;
  const std::string connect = get("connect");
  if (connect.empty() || connect == "unencrypted") {
    if (p.tls.size() > (connect.empty() ? 0u : 1u) || p.tls_check_host.value_or(false))
      return Status::Error("TLS options need --tls-connect psk or cert (or tls_connect in [prom])");
    return Status::Ok();
  }
  if (Status s = sender::ParseTlsMode(connect, &t.mode); !s.ok()) return s;
  t.psk_identity = get("psk_identity");
  t.psk_file = get("psk_file");
  t.ca_file = get("ca_file");
  t.crl_file = get("crl_file");
  t.cert_file = get("cert_file");
  t.key_file = get("key_file");
  t.server_cert_issuer = get("server_cert_issuer");
  t.server_cert_subject = get("server_cert_subject");
  t.cipher = get("cipher");
  t.cipher13 = get("cipher13");
  t.check_host = p.tls_check_host.value_or(false);
  if (Status s = sender::TlsContext::Create(t, &out->tls); !s.ok()) return s;
  if (out->tls->AcceptsAnyCertificate()) {
    log::Warning(
        "--tls-connect cert without --tls-server-cert-issuer, --tls-server-cert-subject or "
        "--tls-check-host: any certificate the CA signed is accepted, whoever presents it");
  }
  return Status::Ok();
}

Status Output::Open(OutputOptions options, std::unique_ptr<Output>* out) {
  auto o = std::make_unique<Output>();
  o->options_ = std::move(options);
  if (!o->options_.dry_run) {
    const OutputOptions& oo = o->options_;
    if (Status s =
            sender::ParseDestinations(oo.zabbix_server, sender::kDefaultPort, &o->destinations_);
        !s.ok())
      return s.Prefixed("--zabbix-server");
    if (Status s = MakeStateDir(oo.state_dir); !s.ok()) return s;
    if (!oo.spool.empty()) {
      // Another zabitan-prom on the same spool (a cron run overlapping a slow one) waits its
      // turn; a daemon holds it for its whole life.
      if (Status s = Spool::Open(oo.spool, static_cast<uint64_t>(oo.spool_max_bytes),
                                 std::chrono::seconds(30), &o->spool_);
          !s.ok())
        return s;
    }
  }
  *out = std::move(o);
  return Status::Ok();
}

Delivered Output::Deliver(const std::vector<ScrapeOutcome>& outcomes) {
  Delivered d;
  bool any_ok = false;
  for (const ScrapeOutcome& out : outcomes) {
    if (!out.result.ok()) {  // all or nothing: a failed scrape's values are not sent
      std::fprintf(stderr, "zabitan-prom: %s (%s)\n", out.result.message.c_str(),
                   std::string(ScrapeCodeName(out.result.code)).c_str());
      d.scrape = sender::kExitFailure;
      continue;
    }
    any_ok = true;
    if (!options_.dry_run) continue;
    for (const auto& v : out.values) std::printf("%s\n", sender::FormatInputLine(v).c_str());
  }
  std::fflush(stdout);
  d.collected = any_ok;
  if (!options_.dry_run) d.send = Send(outcomes, any_ok);
  return d;
}

DiscoveryMemory& Output::MemoryOf(const std::string& host) {
  auto [it, added] = memory_.try_emplace(host);
  if (added) {
    if (Status s = it->second.Load(DiscoveryStateFile(options_.state_dir, host)); !s.ok())
      log::Warning(s.message() + ": every discovery goes again");
  }
  return it->second;
}

UnchangedFilter& Output::FilterOf(const std::string& host) {
  auto [it, added] = unchanged_.try_emplace(host);
  if (added) {
    if (Status s = it->second.Load(UnchangedStateFile(options_.state_dir, host)); !s.ok())
      log::Warning(s.message() + ": every value goes once");
  }
  return it->second;
}

// Each family's discovery value goes first (its rule is the template's, so it is known from
// the start) when due (discovery_memory.h), then its values, the items of one family's rule in
// one group (routed_sender.h) whether its discovery went this time or not.
int Output::Send(const std::vector<ScrapeOutcome>& outcomes, bool any_ok) {
  sender::RoutedSenderOptions ro;
  ro.destinations = destinations_;
  ro.exchange = options_.exchange;
  ro.state_dir = options_.state_dir;
  ro.scope = options_.scope;
  ro.scope_per_host = true;
  ro.spool = spool_.get();
  ro.known_from_start = [](const std::string&, const std::string& key) {
    return IsOurDiscovery(key);
  };
  std::unique_ptr<sender::RoutedSender> out;
  if (Status s = sender::RoutedSender::Open(std::move(ro), &out); !s.ok()) {
    log::Error(s.message());
    return sender::kExitFailure;
  }
  const uint32_t now = static_cast<uint32_t>(std::time(nullptr));
  uint64_t made = 0, unchanged = 0, discarded = 0;
  size_t scraped = 0;
  std::vector<const sender::Value*> discoveries;  // sent this time
  // Values sent under a heartbeat, with their clocks; and each host's longest heartbeat.
  std::vector<std::pair<const sender::Value*, int64_t>> filtered;
  std::map<std::string, int64_t> heartbeat;
  for (const ScrapeOutcome& outcome : outcomes) {
    if (!outcome.result.ok()) continue;
    ++scraped;
    std::string group;  // host and family of the discovery the values follow
    const int64_t hb = outcome.discard_unchanged;
    for (const sender::Value& v : outcome.values) {
      if (IsOurDiscovery(v.key)) {
        group = v.host + "\n" + v.key;
        if (!MemoryOf(v.host).Due(v.key, v.value, now)) {
          ++unchanged;
          continue;
        }
        discoveries.push_back(&v);
      } else if (hb > 0) {
        int64_t& h = heartbeat[v.host];
        h = std::max(h, hb);
        const int64_t clock = v.clock.value_or(outcome.clock);
        if (!FilterOf(v.host).Due(v.key, v.value, clock, hb)) {
          ++discarded;
          continue;
        }
        filtered.emplace_back(&v, clock);
      }
      ++made;
      if (!out->Add(v, now, group)) break;
    }
  }
  std::string what =
      std::to_string(scraped) + " targets scraped, " + std::to_string(made) + " values sent";
  if (unchanged > 0) what += " (" + std::to_string(unchanged) + " discovery values unchanged)";
  if (discarded > 0) what += " (" + std::to_string(discarded) + " unchanged values discarded)";
  const int code = out->Finish(what, any_ok, [] {});
  // Only a delivery that ended well proves its discovery values reached Zabbix; any other
  // (values refused: a host re-created, a template unlinked; Zabbix unreachable) forgets the
  // hosts' memory, so that the next sends every discovery again.
  std::set<std::string> touched;
  for (const sender::Value* v : discoveries) touched.insert(v->host);
  if (code != sender::kExitOk) {
    for (const ScrapeOutcome& outcome : outcomes) {
      for (const sender::Value& v : outcome.values) {
        if (IsOurDiscovery(v.key) && MemoryOf(v.host).size() > 0) {
          MemoryOf(v.host).Clear();
          touched.insert(v.host);
        }
      }
    }
  } else {
    for (const sender::Value* v : discoveries) MemoryOf(v->host).Delivered(v->key, v->value, now);
  }
  for (const std::string& host : touched) {
    if (Status s = MemoryOf(host).Save(DiscoveryStateFile(options_.state_dir, host)); !s.ok())
      log::Warning(s.message() + ": not saved");
  }
  // The same rule for the values under a heartbeat: the trapper says how many values of a
  // request it refused, not which, so any refusal or spooling sends every value again.
  for (const auto& [v, clock] : filtered) {
    if (code == sender::kExitOk) FilterOf(v->host).Sent(v->key, v->value, clock);
  }
  for (const auto& [host, hb] : heartbeat) {
    UnchangedFilter& f = FilterOf(host);
    if (code != sender::kExitOk) f.Clear();
    if (Status s = f.Save(UnchangedStateFile(options_.state_dir, host), hb); !s.ok())
      log::Warning(s.message() + ": not saved");
  }
  return code;
}

}  // namespace zabitan::prom_bridge::cli
