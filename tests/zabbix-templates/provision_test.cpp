#include "zabitan/zabbix_templates/provision.h"

#include <fstream>

#include <catch2/catch.hpp>

#include "../temp_files.h"
#include "../zabbix-api/fake_transport.h"
#include "wanted.h"
#include "zabitan/zabbix_api/error.h"
#include "zabitan/zabbix_templates/error.h"

using namespace zabitan;
using namespace zabitan::zabbix_api;
using namespace zabitan::zabbix_templates;
using nlohmann::json;
using zabitan::testing::FakeZabbix;

namespace {

constexpr const char* kTemplateFile =
    "zabbix_export:\n  version: '6.0'\n  templates:\n    -\n      template: 'zabitan VMware VM'\n";
constexpr const char* kMediaFile =
    "zabbix_export:\n  version: '6.0'\n  media_types:\n    -\n      name: 'zabitan SSTP'\n      "
    "type: SCRIPT\n";

bool IsWrite(const std::string& method) {
  return method == "configuration.import" || method == "host.massadd" ||
         method.ends_with(".create") || method.ends_with(".update") || method.ends_with(".delete");
}

// A Zabbix 6.0 that holds everything zabitan wants (provisioned) or nothing of it.
struct Server {
  explicit Server(bool provisioned) {
    zbx.OnResult("apiinfo.version", "6.0.14");
    zbx.OnResult("settings.get", {{"severity_name_0", "Not classified"},
                                  {"severity_name_1", "Information"},
                                  {"severity_name_2", "Warning"},
                                  {"severity_name_3", "Average"},
                                  {"severity_name_4", "High"},
                                  {"severity_name_5", "Disaster"}});
    const json none = json::array();
    zbx.On("configuration.importcompare", [provisioned](const json& p) -> json {
      bool templates = p["source"].get<std::string>().find("templates:") != std::string::npos;
      return provisioned || !templates ? json::array()
                                       : json::parse(R"({"templates": {"added": [{}]}})");
    });
    zbx.OnResult("configuration.import", true);
    zbx.On("template.get", [provisioned](const json& p) -> json {
      if (!provisioned) return json::array();
      std::string name = p["filter"]["host"][0];
      std::string id = name == kVmTemplate         ? "10562"
                       : name == kEndpointTemplate ? "10560"
                                                   : "10561";
      return json::array({{{"templateid", id}}});
    });
    json sstp = {{"mediatypeid", "36"}, {"name", kMediaType}};
    zbx.On("mediatype.get", [provisioned, sstp](const json&) -> json {
      return provisioned ? json::array({sstp}) : json::array();
    });
    zbx.OnResult("configuration.export", std::string(kMediaFile));
    zbx.OnResult("hostgroup.get", provisioned ? json::array({{{"groupid", "22"}}}) : none);
    zbx.OnResult("host.get", provisioned
                                 ? json::parse(R"([{"hostid": "10600", "host": "zabitan-endpoint",
        "parentTemplates": [{"templateid": "10560"}, {"templateid": "10561"}], "groups": [{"groupid": "22"}]}])")
                                 : none);
    zbx.On("script.get", [provisioned](const json& p) -> json {
      if (!provisioned) return json::array();
      std::string name = p["filter"]["name"][0];
      bool up = name == kScaleUpScript;
      json row = WantedScript(
          name, ScaleCommand("/usr/bin/zabitan-remote-cmd", up ? "scale-up" : "scale-down"), "");
      for (auto& [k, v] : row.items()) {
        if (v.is_number()) v = std::to_string(v.get<int>());
      }
      row["scriptid"] = up ? "5" : "6";
      row["description"] =
          "zabitan: runs zabitan-remote-cmd on the Zabbix server for the action \"zabitan: scale "
          "on "
          "VM CPU high\". Set up by zabitan-provision, which puts it back as it was on its next "
          "run.";
      return json::array({row});
    });
    json medias =
        provisioned ? json::parse(R"([{"mediatypeid": "36", "sendto": "desktop", "active": "0"}])")
                    : none;
    zbx.OnResult("user.get",
                 json::array({{{"userid", "1"}, {"username", "Admin"}, {"medias", medias}}}));
    zbx.OnResult(
        "action.get",
        provisioned ? json::array({WantedAction(kAction, {"5", "6", "10562", "36", "1"})}) : none);
    for (const char* create :
         {"hostgroup.create", "host.create", "script.create", "action.create"}) {
      zbx.OnResult(create, {{"groupids", {"22"}},
                            {"hostids", {"10600"}},
                            {"scriptids", {"7"}},
                            {"actionids", {"9"}}});
    }
    zbx.OnResult("user.update", {{"userids", {"1"}}});
  }

  std::vector<std::string> Writes() const {
    std::vector<std::string> out;
    for (const std::string& m : zbx.Methods()) {
      if (IsWrite(m)) out.push_back(m);
    }
    return out;
  }

  // Runs a provisioning of a folder holding kTemplateFile and kMediaFile; returns the lines.
  std::vector<std::string> Provision(bool dry_run, Status* status) {
    testing::TempDir dir;
    std::ofstream(dir.path() + "/a_templates.yaml") << kTemplateFile;
    std::ofstream(dir.path() + "/b_media.yaml") << kMediaFile;
    ApiClient api(zbx.NewTransport());
    api.UseToken("token");
    ProvisionOptions options;
    options.templates_dir = dir.path();
    options.dry_run = dry_run;
    std::vector<std::string> lines;
    Provisioner p(&api, options,
                  [&](const Outcome& o) { lines.push_back(FormatOutcome(o, dry_run)); });
    *status = p.Run();
    return lines;
  }

  FakeZabbix zbx;
};

}  // namespace

TEST_CASE(
    "zabbix-templates/provision: a dry run on an empty server says what it would create and writes "
    "nothing",
    "[zabbix-templates]") {
  Server server(false);
  Status s;
  std::vector<std::string> lines = server.Provision(true, &s);
  REQUIRE(s.ok());
  CHECK(
      lines ==
      std::vector<std::string>{
          "template file a_templates.yaml: would be created (templates: 1 added)",
          "template file b_media.yaml: would be created (1 media type(s) to create)",
          "host group zabitan VMware: would be created",
          "host zabitan-endpoint: would be created (group zabitan VMware, templates zabitan VMware "
          "endpoint, zabitan remote-cmd)",
          "script zabitan scale: would be created (command /usr/bin/zabitan-remote-cmd scale-up "
          "--host "
          "'{HOST.HOST}' --event-id '{EVENT.ID}' --trigger-id '{TRIGGER.ID}' --status "
          "'{TRIGGER.STATUS}' "
          "--severity '{TRIGGER.SEVERITY}')",
          "script zabitan scale down: would be created (command /usr/bin/zabitan-remote-cmd "
          "scale-down "
          "--host '{HOST.HOST}' --event-id '{EVENT.ID}' --trigger-id '{TRIGGER.ID}' --status "
          "'{TRIGGER.STATUS}' --severity '{TRIGGER.SEVERITY}')",
          "media zabitan SSTP of user Admin: would be created (send to \"desktop\")",
          "action zabitan: scale on VM CPU high: would be created (tag zabitan: scale-up on hosts "
          "of "
          "\"zabitan VMware VM\" runs zabitan scale, recovery runs zabitan scale down, messages to "
          "Admin "
          "via zabitan SSTP)",
      });
  CHECK(server.Writes().empty());
}

TEST_CASE("zabbix-templates/provision: on a provisioned server every object is unchanged",
          "[zabbix-templates]") {
  Server server(true);
  Status s;
  std::vector<std::string> lines = server.Provision(false, &s);
  REQUIRE(s.ok());
  REQUIRE(lines.size() == 8);
  for (const std::string& line : lines) {
    CAPTURE(line);
    CHECK(line.ends_with(": unchanged"));
  }
  // Only the media file is imported (6.0 cannot compare media types beforehand); it changes
  // nothing.
  CHECK(server.Writes() == std::vector<std::string>{"configuration.import"});

  Server dry(true);
  lines = dry.Provision(true, &s);
  REQUIRE(s.ok());
  for (const std::string& line : lines) CHECK(line.ends_with(": unchanged"));
  CHECK(dry.Writes().empty());
}

TEST_CASE("zabbix-templates/provision: a real run creates, in order, what the steps need",
          "[zabbix-templates]") {
  Server server(false);
  // After the import the templates and the media type exist.
  server.zbx.On("template.get", [](const json&) -> json {
    return json::array({{{"templateid", "10562"}}});
  });
  server.zbx.OnResult("mediatype.get",
                      json::array({{{"mediatypeid", "36"}, {"name", kMediaType}}}));
  Status s;
  server.Provision(false, &s);
  REQUIRE(s.ok());
  CHECK(server.Writes() == std::vector<std::string>{"configuration.import", "configuration.import",
                                                    "hostgroup.create", "host.create",
                                                    "script.create", "script.create", "user.update",
                                                    "action.create"});
  const json& action = server.zbx.requests.back();
  REQUIRE(action["method"] == "action.create");
  CHECK(action["params"]["operations"][0]["opcommand"]["scriptid"] == "7");
  CHECK(action["params"]["operations"][0]["opcommand_hst"][0]["hostid"] == "0");
}

TEST_CASE("zabbix-templates/provision: a failure names its step and stops the run",
          "[zabbix-templates]") {
  Server server(true);
  server.zbx.On("script.get", [](const json&) -> json { return json::array(); });
  server.zbx.On("script.create", [](const json&) -> json {
    throw json{{"code", -32500}, {"message", "Application error."}, {"data", "No permissions."}};
  });
  Status s;
  server.Provision(false, &s);
  CHECK(s.code() == zabbix_api::Errc::kApiError);  // the API's code, through the step's prefix
  CHECK(s.message() ==
        "setting up the scripts: script.create: Application error. No permissions. (-32500)");
  for (const std::string& m : server.zbx.Methods()) CHECK_FALSE(m.starts_with("action."));
}

TEST_CASE("zabbix-templates/provision: templates missing after the import are an error",
          "[zabbix-templates]") {
  Server server(false);
  Status s;
  server.Provision(false, &s);
  CHECK(s.code() == zabbix_templates::Errc::kNotFound);
  CHECK(s.message().starts_with(
      "importing the templates: template \"zabitan VMware endpoint\" does not exist after "
      "the import"));
}

TEST_CASE("zabbix-templates/provision: options are checked before anything is sent",
          "[zabbix-templates]") {
  FakeZabbix zbx;
  ApiClient api(zbx.NewTransport());
  api.UseToken("t");
  ProvisionOptions options;
  options.remote_cmd = "zabitan-remote-cmd";
  Provisioner p(&api, options, [](const Outcome&) {});
  Status s = p.Run();
  CHECK(s.code() == zabbix_templates::Errc::kBadOption);
  CHECK(s.message() == "--remote-cmd \"zabitan-remote-cmd\": must be an absolute path");
  CHECK(zbx.requests.empty());
}
