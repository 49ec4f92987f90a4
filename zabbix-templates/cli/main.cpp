// zabitan-provision: sets a Zabbix server up for zabitan through its JSON-RPC API — the
// templates and media type of zabbix-templates/, the endpoint host, the scaling scripts, the
// user media and the scaling action — idempotently: one line per object says whether it was
// created, updated or left unchanged.
#include <cstdio>
#include <filesystem>
#include <optional>

#include <CLI/CLI.hpp>

#include "zabitan/common/config.h"
#include "zabitan/common/exit_codes.h"
#include "zabitan/common/log.h"
#include "zabitan/common/secret_file.h"
#include "zabitan/zabbix_api/api_client.h"
#include "zabitan/zabbix_api/transport.h"
#include "zabitan/zabbix_templates/error.h"
#include "zabitan/zabbix_templates/provision.h"

namespace zabitan::zabbix_templates {
namespace {

struct Options {
  std::string config = kDefaultConfigPath;
  std::string api, user, password_file, token_file, ca_file;
  ProvisionOptions provision;
  int verbose = 0;
};

// The source tree's templates when this binary runs from its build tree (a fresh build uses the
// files next to it, not an older installed copy); otherwise the templates installed beside it,
// <prefix>/bin/../share/zabitan/templates, whatever prefix it was installed under.
std::string DefaultTemplatesDir() {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "/usr/share/zabitan/templates";
  if (exe.string().starts_with(ZABITAN_BUILD_DIR "/")) return ZABITAN_TEMPLATES_SOURCE_DIR;
  return (exe.parent_path().parent_path() / "share/zabitan/templates").string();
}

// [provision] keys fill what the command line did not give (a flag given empty still wins).
Status ApplyConfig(Options* o, bool config_given, const CLI::App& app) {
  Config config;
  if (Status s = Config::Load(o->config, config_given, &config); !s.ok()) return s;
  ConfigSection sec;
  if (Status s = config.Section("provision", &sec); !s.ok()) return s;
  struct Key {
    const char* name;
    const char* flag;
    std::string* slot;
  } keys[] = {{"api", "--api", &o->api},
              {"user", "--user", &o->user},
              {"password_file", "--password-file", &o->password_file},
              {"token_file", "--token-file", &o->token_file},
              {"ca_file", "--ca-file", &o->ca_file},
              {"templates", "--templates", &o->provision.templates_dir},
              {"endpoint_host", "--endpoint-host", &o->provision.endpoint_host},
              {"remote_cmd", "--remote-cmd", &o->provision.remote_cmd},
              {"notify_user", "--notify-user", &o->provision.notify_user},
              {"sendto", "--sendto", &o->provision.sendto}};
  std::vector<std::string_view> known;
  for (const Key& k : keys) known.push_back(k.name);
  if (Status s = sec.CheckKnownKeys(known); !s.ok()) return s;
  for (const Key& k : keys) {
    std::optional<std::string> v;
    if (Status s = sec.GetString(k.name, &v); !s.ok()) return s;
    if (v && app.get_option(k.flag)->count() == 0) *k.slot = *v;
  }
  if (o->provision.templates_dir.empty()) o->provision.templates_dir = DefaultTemplatesDir();
  return Status::Ok();
}

Status Authenticate(const Options& o, zabbix_api::ApiClient* api) {
  if (!o.token_file.empty()) {
    if (!o.password_file.empty())
      return Status::Error("give --password-file or --token-file, not both", Errc::kBadOption);
    std::string token;
    if (Status s = ReadSecretLine(o.token_file, &token); !s.ok()) return s;
    while (!token.empty() && token.back() == ' ') token.pop_back();  // a token has no blanks
    if (token.empty()) return Status::Error(o.token_file + ": empty", Errc::kBadOption);
    api->UseToken(std::move(token));
    return Status::Ok();
  }
  if (o.user.empty() || o.password_file.empty()) {
    return Status::Error(
        "give --user and --password-file (mode 0600), or --token-file (or their keys in "
        "[provision])",
        Errc::kBadOption);
  }
  std::string password;
  if (Status s = ReadSecretLine(o.password_file, &password); !s.ok()) return s;
  return api->Login(o.user, password);
}

int Run(int argc, char** argv) {
  Options o;
  CLI::App app{
      "zabitan-provision: sets a Zabbix server up for zabitan through its API, idempotently"};
  auto* config_opt =
      app.add_option("--config", o.config, "zabitan config file ([provision] section)");
  app.add_option("--api", o.api, "the API's URL, https://zabbix.example.com/api_jsonrpc.php");
  app.add_option("--user", o.user, "Zabbix user (a Super admin)");
  app.add_option("--password-file", o.password_file,
                 "file holding the user's password (mode 0600)");
  app.add_option("--token-file", o.token_file,
                 "file holding an API token (mode 0600), instead of a user");
  app.add_option("--ca-file", o.ca_file, "CA bundle (PEM) that signs the API's certificate");
  app.add_option("--templates", o.provision.templates_dir,
                 "folder of the *.yaml templates to import");
  app.add_option("--endpoint-host", o.provision.endpoint_host,
                 "the endpoint host (zabitan-vmware's --zabbix-host)")
      ->default_str(o.provision.endpoint_host);
  app.add_option("--remote-cmd", o.provision.remote_cmd,
                 "path of zabitan-remote-cmd on the Zabbix server")
      ->default_str(o.provision.remote_cmd);
  app.add_option("--notify-user", o.provision.notify_user,
                 "user notified through \"zabitan SSTP\" (\"\": none)")
      ->default_str(o.provision.notify_user);
  app.add_option("--sendto", o.provision.sendto, "\"send to\" of that user's zabitan SSTP media")
      ->default_str(o.provision.sendto);
  app.add_flag("--dry-run", o.provision.dry_run,
               "change nothing; say what would be created or updated");
  app.add_flag("-v", o.verbose, "more output (-vv for debug)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitFailure;  // --help is not a failure
  }
  log::Init("zabitan-provision", std::max(o.verbose, 0), false);
  if (Status s = ApplyConfig(&o, config_opt->count() > 0, app); !s.ok()) {
    log::Error(s.message());
    return kExitFailure;
  }
  if (o.api.empty()) {
    log::Error("give --api URL (or api in [provision])");
    return kExitFailure;
  }
  std::unique_ptr<zabbix_api::Transport> http;
  if (Status s = zabbix_api::NewCurlTransport({.url = o.api, .ca_file = o.ca_file}, &http);
      !s.ok()) {
    log::Error(s.message());
    return kExitFailure;
  }
  zabbix_api::ApiClient api(std::move(http));
  if (Status s = Authenticate(o, &api); !s.ok()) {
    log::Error("logging in: " + s.message());
    return kExitFailure;
  }
  const bool dry_run = o.provision.dry_run;
  Provisioner provisioner(&api, o.provision, [dry_run](const Outcome& outcome) {
    std::printf("%s\n", FormatOutcome(outcome, dry_run).c_str());
    std::fflush(stdout);
  });
  Status s = provisioner.Run();
  if (Status out = api.Logout(); !out.ok()) log::Warning(out.message());
  if (!s.ok()) {
    log::Error(s.message());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace
}  // namespace zabitan::zabbix_templates

int main(int argc, char** argv) { return zabitan::zabbix_templates::Run(argc, argv); }
