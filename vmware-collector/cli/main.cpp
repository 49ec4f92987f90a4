// zabitan-vmware: pulls ESXi/vCenter performance data over the vSphere API into Zabbix.
// This first slice connects and keeps a session across runs (--check, --logout); the inventory,
// performance queries and sending come next (issue #4).
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "zabitan/common/config.h"
#include "zabitan/common/log.h"
#include "zabitan/common/secret_file.h"
#include "zabitan/vsphere/session.h"
#include "zabitan/vsphere/soap_client.h"

namespace zabitan::vmware {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr const char* kDefaultStateDir = "/var/lib/zabitan/vmware";

struct Options {
  std::string config = kDefaultConfigPath;
  std::string url, user, password_file, ca_file, state_dir;
  bool logout = false;
  bool check = false;
  int verbose = 0;
};

// [vmware] keys fill what the command line left empty.
Status ApplyConfig(Options* o, bool config_given) {
  Config config;
  if (Status s = Config::Load(o->config, config_given, &config); !s.ok()) return s;
  ConfigSection sec;
  if (Status s = config.Section("vmware", &sec); !s.ok()) return s;
  if (Status s = sec.CheckKnownKeys({"url", "user", "password_file", "ca_file", "state_dir"}); !s.ok()) {
    return s;
  }
  struct Key {
    const char* name;
    std::string* slot;
  } keys[] = {{"url", &o->url}, {"user", &o->user}, {"password_file", &o->password_file},
              {"ca_file", &o->ca_file}, {"state_dir", &o->state_dir}};
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

int Run(int argc, char** argv) {
  Options o;
  CLI::App app{"zabitan-vmware: ESXi/vCenter performance data into Zabbix"};
  auto* config_opt = app.add_option("--config", o.config, "zabitan config file ([vmware] section)");
  app.add_option("--url", o.url, "vSphere endpoint, https://vcenter.example.com/sdk");
  app.add_option("--user", o.user, "vSphere user");
  app.add_option("--password-file", o.password_file, "file holding the password (mode 0600)");
  app.add_option("--ca-file", o.ca_file, "CA bundle (PEM) that signs the endpoint's certificate");
  app.add_option("--state-dir", o.state_dir, "where the session is kept between runs");
  app.add_flag("--check", o.check, "connect (reusing the saved session), report and exit");
  app.add_flag("--logout", o.logout, "log the saved session out and forget it");
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
  std::printf("connected to \"%s\" (%s, API %s) as %s: %s session\n", sc.full_name.c_str(),
              sc.api_type.c_str(), sc.api_version.c_str(), o.user.c_str(), reused ? "reused" : "new");
  return kExitOk;
}

}  // namespace
}  // namespace zabitan::vmware

int main(int argc, char** argv) { return zabitan::vmware::Run(argc, argv); }
