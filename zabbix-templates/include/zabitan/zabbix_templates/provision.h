// zabitan — Provisioner: sets a Zabbix server up for zabitan through its API, idempotently.
//
// Run() goes through five steps, each of which changes only what differs from what zabitan
// wants, and reports every object it looked at as unchanged, created or updated:
//   1. templates     configuration.import of every *.yaml of the templates folder
//   2. endpoint host the host zabitan-vmware reports to, in group "zabitan VMware", linked to
//                    "zabitan VMware endpoint" and "zabitan remote-cmd", without interfaces
//   3. scripts       the global scripts "zabitan scale" / "zabitan scale down" that run
//                    zabitan-remote-cmd on the Zabbix server (src/wanted.h: ScaleCommand)
//   4. user media    the "zabitan SSTP" media of the user the action notifies
//   5. action        "zabitan: scale on VM CPU high" (src/wanted.h: WantedAction)
// With dry_run nothing is written: the report says what would be created or updated.
// Not thread-safe; uses the ApiClient it is given (which must outlive it) for every call.
//
// Example:
//   namespace zt = zabitan::zabbix_templates;
//   std::unique_ptr<zabitan::zabbix_api::Transport> http;
//   zabitan::Status s = zabitan::zabbix_api::NewCurlTransport({.url = "https://zbx/"}, &http);
//   zabitan::zabbix_api::ApiClient api(std::move(http));
//   api.UseToken("the API token, read from a file");
//   zt::ProvisionOptions options{.templates_dir = "/usr/share/zabitan/templates"};
//   std::string last;
//   zt::Provisioner p(&api, options,
//                     [&](const zt::Outcome& o) { last = zt::FormatOutcome(o, false); });
//   s = p.Run();  // "setting up the scripts: script.create: ..." on failure
#ifndef ZABITAN_ZABBIX_TEMPLATES_PROVISION_H_
#define ZABITAN_ZABBIX_TEMPLATES_PROVISION_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "zabitan/common/status.h"
#include "zabitan/zabbix_api/api_client.h"
#include "zabitan/zabbix_templates/change.h"

namespace zabitan::zabbix_templates {

struct ProvisionOptions {
  std::string templates_dir;                       // holds the *.yaml files
  std::string endpoint_host = "zabitan-endpoint";  // zabitan-vmware's --zabbix-host
  std::string remote_cmd = "/usr/bin/zabitan-remote-cmd";
  std::string notify_user =
      "Admin";  // gets the "zabitan SSTP" media and the action's messages; "" for none
  std::string sendto = "desktop";  // that media's "send to"
  bool dry_run = false;
};

// One object looked at: "host zabitan-endpoint", kCreated, "group zabitan VMware, templates ...".
struct Outcome {
  explicit Outcome(std::string object_name, Change what = Change::kUnchanged, std::string more = "")
      : object(std::move(object_name)), change(what), detail(std::move(more)) {}

  std::string object;
  Change change = Change::kUnchanged;
  std::string detail;
};

// "host zabitan-endpoint: created (group zabitan VMware, ...)"; "would be created" in a dry run.
std::string FormatOutcome(const Outcome& outcome, bool dry_run);

class Provisioner {
 public:
  using Report = std::function<void(const Outcome&)>;

  Provisioner(zabbix_api::ApiClient* api, ProvisionOptions options, Report report);

  // Checks the options and the server's version, then runs the steps in order. Stops at the
  // first failure, whose message names the step.
  Status Run();

 private:
  Status Templates();
  Status EndpointHost();
  Status Scripts();
  Status UserMedia();
  Status Action();

  Status ImportFile(const std::string& path);
  // Calls a *.get method and requires an array.
  Status Rows(std::string_view method, const nlohmann::json& params, nlohmann::json* rows);
  // A write; in a dry run nothing is sent and *result is left alone.
  Status Write(std::string_view method, const nlohmann::json& params, nlohmann::json* result);
  // The id of the only row of a *.get (by a filter on `field`), "" when none, an error when
  // several.
  Status IdByName(std::string_view method, std::string_view field, const std::string& name,
                  std::string_view id_field, std::string* id);
  // The id of an object created now, or a stand-in for it in a dry run.
  std::string NewId(const nlohmann::json& result, const char* ids_field,
                    const std::string& name) const;

  zabbix_api::ApiClient* api_;
  ProvisionOptions options_;
  Report report_;
  int major_ = 0, minor_ = 0;
  std::map<std::string, std::string> template_ids_;  // by technical name
  std::string media_type_id_;
  std::string scale_up_id_, scale_down_id_, user_id_;
};

}  // namespace zabitan::zabbix_templates

#endif  // ZABITAN_ZABBIX_TEMPLATES_PROVISION_H_
