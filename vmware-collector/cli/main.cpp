// zabitan-vmware: pulls ESXi/vCenter performance data over the vSphere API into Zabbix.
// This slice connects, keeps a session across runs (--check, --logout), reads the inventory and
// sends low-level discovery with datastore sizes and power states (or prints them, --dry-run);
// performance counters come next (issue #4).
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "zabitan/common/config.h"
#include "zabitan/common/log.h"
#include "zabitan/common/secret_file.h"
#include "zabitan/sender/destination.h"
#include "zabitan/sender/input_line.h"
#include "zabitan/sender/sender.h"
#include "zabitan/vsphere/discovery.h"
#include "zabitan/vsphere/inventory.h"
#include "zabitan/vsphere/perf.h"
#include "zabitan/vsphere/session.h"
#include "zabitan/vsphere/soap_client.h"

namespace zabitan::vmware {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr const char* kDefaultStateDir = "/var/lib/zabitan/vmware";

struct Options {
  std::string config = kDefaultConfigPath;
  std::string url, user, password_file, ca_file, thumbprint, state_dir, zabbix_server, zabbix_host;
  bool insecure = false;
  bool logout = false;
  bool check = false;
  bool dry_run = false;
  int verbose = 0;
};

// [vmware] keys fill what the command line left empty.
Status ApplyConfig(Options* o, bool config_given) {
  Config config;
  if (Status s = Config::Load(o->config, config_given, &config); !s.ok()) return s;
  ConfigSection sec;
  if (Status s = config.Section("vmware", &sec); !s.ok()) return s;
  if (Status s = sec.CheckKnownKeys({"url", "user", "password_file", "ca_file", "thumbprint", "state_dir",
                                      "zabbix_server", "zabbix_host"});
      !s.ok()) {
    return s;
  }
  struct Key {
    const char* name;
    std::string* slot;
  } keys[] = {{"url", &o->url}, {"user", &o->user}, {"password_file", &o->password_file},
              {"ca_file", &o->ca_file}, {"thumbprint", &o->thumbprint}, {"state_dir", &o->state_dir},
              {"zabbix_server", &o->zabbix_server}, {"zabbix_host", &o->zabbix_host}};
  for (const Key& k : keys) {
    std::optional<std::string> v;
    if (Status s = sec.GetString(k.name, &v); !s.ok()) return s;
    if (v && k.slot->empty()) *k.slot = *v;
  }
  if (o->state_dir.empty()) o->state_dir = kDefaultStateDir;
  return Status::Ok();
}

// The password: from --password-file (mode 0600), or $ZABITAN_VMWARE_PASSWORD; never argv.
Status ReadPassword(const Options& o, std::string* password) {
  if (!o.password_file.empty()) {
    if (Status s = ReadSecretFile(o.password_file, password); !s.ok()) return s;
    while (!password->empty() && (password->back() == '\n' || password->back() == '\r')) password->pop_back();
    return Status::Ok();
  }
  if (const char* env = std::getenv("ZABITAN_VMWARE_PASSWORD")) {
    *password = env;
    return Status::Ok();
  }
  return Status::Error("no password: give --password-file FILE (mode 0600) or set ZABITAN_VMWARE_PASSWORD");
}

// How far each entity's samples have been sent: consecutive runs send every sample once.
class Watermarks {
 public:
  explicit Watermarks(std::string path) : path_(std::move(path)) {
    std::ifstream in(path_);
    nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_object()) {
      for (auto& [uuid, clock] : j.items()) {
        if (clock.is_number_unsigned()) last_[uuid] = clock.get<uint32_t>();
      }
    }
  }
  bool IsNew(const std::string& uuid, uint32_t clock) const {
    auto it = last_.find(uuid);
    return it == last_.end() || clock > it->second;
  }
  void Advance(const std::string& uuid, uint32_t clock) {
    uint32_t& last = next_[uuid];
    last = std::max(last, clock);
  }
  Status Save() {
    for (auto& [uuid, clock] : next_) last_[uuid] = std::max(last_[uuid], clock);
    std::string tmp = path_ + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << nlohmann::json(last_).dump() << "\n";
      if (!out) return Status::Error(tmp + ": cannot write");
    }
    if (std::rename(tmp.c_str(), path_.c_str()) != 0) return Status::Error(path_ + ": " + std::strerror(errno));
    return Status::Ok();
  }

 private:
  std::string path_;
  std::map<std::string, uint32_t> last_, next_;
};

// Realtime samples of every host and VM, newer than their watermark, with their own clocks:
// zabitan.vmware.{hv,vm}.perf[group.name.rollup] on the entity's own Zabbix host.
Status AddPerformance(vsphere::SoapClient& client, const vsphere::ServiceContent& sc,
                      const std::vector<vsphere::Entity>& entities, Watermarks* marks,
                      std::vector<sender::Value>* values) {
  std::map<std::string, vsphere::Counter> catalogue;
  if (Status s = vsphere::ReadCounters(client, sc, &catalogue); !s.ok()) return s;
  for (const auto& [type, paths] : vsphere::kDefaultCounters) {
    std::vector<const vsphere::Counter*> counters;
    for (const std::string& p : paths) {
      if (auto it = catalogue.find(p); it != catalogue.end()) counters.push_back(&it->second);
      else log::Debug("counter " + p + " is not offered by this endpoint");
    }
    std::vector<const vsphere::Entity*> of_type;
    for (const vsphere::Entity& e : entities) {
      if (e.moref.type == type && !e.uuid.empty()) of_type.push_back(&e);
    }
    if (counters.empty() || of_type.empty()) continue;
    std::vector<vsphere::Sample> samples;
    // 15 samples of 20 s: the last 5 minutes, enough for a cron run every 5 minutes.
    if (Status s = vsphere::QueryRealtime(client, sc, of_type, counters, 15, &samples); !s.ok()) return s;
    const std::string prefix = type == "VirtualMachine" ? "zabitan.vmware.vm.perf[" : "zabitan.vmware.hv.perf[";
    for (const vsphere::Sample& smp : samples) {
      if (!marks->IsNew(smp.entity->uuid, smp.clock)) continue;
      values->push_back({smp.entity->uuid, prefix + smp.counter->path + "]", smp.value, smp.clock, smp.ns});
      marks->Advance(smp.entity->uuid, smp.clock);
    }
  }
  return Status::Ok();
}

// One collection: inventory → discovery values → Zabbix (or stdout with --dry-run).
int Collect(const Options& o, vsphere::SoapClient& client, const vsphere::ServiceContent& sc) {
  if (o.zabbix_host.empty()) {
    log::Error("give --zabbix-host (the endpoint's host name in Zabbix)");
    return kExitFailure;
  }
  std::vector<vsphere::Entity> entities;
  if (Status s = vsphere::RetrieveInventory(client, sc, &entities); !s.ok()) {
    log::Error(s.message());
    return kExitFailure;
  }
  std::vector<sender::Value> values =
      vsphere::DiscoveryValues(o.zabbix_host, entities, static_cast<uint32_t>(std::time(nullptr)));
  Watermarks marks(o.state_dir + "/perf-" + vsphere::StateKey(o.url) + ".json");
  if (Status s = AddPerformance(client, sc, entities, &marks, &values); !s.ok()) {
    log::Error(s.message());
    return kExitFailure;
  }
  if (o.dry_run) {  // prints, and leaves the watermarks alone
    for (const sender::Value& v : values) std::printf("%s\n", sender::FormatInputLine(v).c_str());
    return kExitOk;
  }
  sender::SenderOptions so;
  if (o.zabbix_server.empty()) {
    log::Error("give --zabbix-server (or --dry-run)");
    return kExitFailure;
  }
  if (Status s = sender::ParseDestinations(o.zabbix_server, sender::kDefaultPort, &so.destinations); !s.ok()) {
    log::Error("--zabbix-server: " + s.message());
    return kExitFailure;
  }
  uint64_t failed = 0;
  sender::Sender out(so, [&failed](const sender::BatchOutcome& b) {
    if (!b.response || !b.response->success) {
      log::Error("sending to " + b.node->ToString() + " failed: " + b.status.message());
    } else {
      failed += static_cast<uint64_t>(b.response->failed.value_or(0));
    }
  });
  for (const sender::Value& v : values) out.Add(v);
  out.Finish();
  std::printf("%zu entities, %zu values sent, %llu refused by Zabbix\n", entities.size(),
              values.size(), static_cast<unsigned long long>(failed));
  if (out.status() == sender::RunStatus::kFailed) return kExitFailure;
  // The samples were delivered: the next run starts after them.
  if (Status s = marks.Save(); !s.ok()) log::Warning(s.message());
  return out.status() == sender::RunStatus::kPartial ? 2 : kExitOk;
}

int Run(int argc, char** argv) {
  Options o;
  CLI::App app{"zabitan-vmware: ESXi/vCenter performance data into Zabbix"};
  auto* config_opt = app.add_option("--config", o.config, "zabitan config file ([vmware] section)");
  app.add_option("--url", o.url, "vSphere endpoint, https://vcenter.example.com/sdk");
  app.add_option("--user", o.user, "vSphere user");
  app.add_option("--password-file", o.password_file, "file holding the password (mode 0600)");
  app.add_option("--ca-file", o.ca_file, "CA bundle (PEM) that signs the endpoint's certificate");
  app.add_option("--thumbprint", o.thumbprint, "accept exactly the certificate with this SHA-256 fingerprint");
  app.add_flag("--insecure", o.insecure, "do not check the endpoint's certificate at all");
  app.add_option("--state-dir", o.state_dir, "where the session is kept between runs");
  app.add_flag("--check", o.check, "connect (reusing the saved session), report and exit");
  app.add_flag("--logout", o.logout, "log the saved session out and forget it");
  app.add_option("--zabbix-server", o.zabbix_server, "where to send (zabbix_sender's -z syntax)");
  app.add_option("--zabbix-host", o.zabbix_host, "the endpoint's host in Zabbix (LLD, datastores)");
  app.add_flag("--dry-run", o.dry_run, "print the values as zabbix_sender -T -N input instead of sending");
  app.add_flag("-v", o.verbose, "more output (-vv for debug)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  log::Init("zabitan-vmware", std::max(o.verbose, 0), false);
  if (Status s = ApplyConfig(&o, config_opt->count() > 0); !s.ok()) {
    log::Error(s.message());
    return kExitFailure;
  }
  if (o.url.empty() || o.user.empty()) {
    log::Error("give --url and --user (or url and user in [vmware])");
    return kExitFailure;
  }
  if (::mkdir(o.state_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    log::Error(o.state_dir + ": " + std::strerror(errno));
    return kExitFailure;
  }
  vsphere::SoapOptions so;
  so.url = o.url;
  so.ca_file = o.ca_file;
  so.thumbprint = o.thumbprint;
  so.insecure = o.insecure;
  std::unique_ptr<vsphere::SoapClient> client;
  vsphere::ServiceContent sc;
  Status s = vsphere::SoapClient::Create(so, &client);
  if (s.ok()) s = vsphere::RetrieveServiceContent(*client, &sc);
  if (!s.ok()) {
    log::Error(s.message());
    return kExitFailure;
  }
  const std::string state_file = vsphere::SessionFile(o.state_dir, o.url, o.user);
  if (o.logout) {
    vsphere::Credentials none;
    std::string cookie;
    if (ReadSecretFile(state_file, &cookie).ok()) {
      while (!cookie.empty() && cookie.back() == '\n') cookie.pop_back();
      client->set_cookie(cookie);
      s = vsphere::EndSession(*client, sc, state_file);
    }
    std::printf("logged out of %s\n", o.url.c_str());
    if (!s.ok()) log::Warning(s.message());
    return kExitOk;
  }
  vsphere::Credentials credentials{o.user, {}};
  if (Status ps = ReadPassword(o, &credentials.password); !ps.ok()) {
    log::Error(ps.message());
    return kExitFailure;
  }
  bool reused = false;
  if (s = vsphere::EnsureSession(*client, sc, credentials, state_file, &reused); !s.ok()) {
    log::Error(s.message());
    return kExitFailure;
  }
  if (o.check) {
    std::printf("connected to \"%s\" (%s, API %s) as %s: %s session\n", sc.full_name.c_str(),
                sc.api_type.c_str(), sc.api_version.c_str(), o.user.c_str(), reused ? "reused" : "new");
    return kExitOk;
  }
  log::Debug(std::string(reused ? "reused" : "new") + " session with " + sc.full_name);
  return Collect(o, *client, sc);
}

}  // namespace
}  // namespace zabitan::vmware

int main(int argc, char** argv) { return zabitan::vmware::Run(argc, argv); }
