// Provisioner steps 2-5: the endpoint host, the scripts, the user media, the action. Each reads
// what is there, compares it with what wanted.h wants, and writes only the difference.
#include <algorithm>

#include "wanted.h"
#include "zabitan/common/printable.h"
#include "zabitan/zabbix_templates/error.h"
#include "zabitan/zabbix_templates/provision.h"

namespace zabitan::zabbix_templates {
namespace {

constexpr const char* kScriptDescription =
    "zabitan: runs zabitan-remote-cmd on the Zabbix server for the action \"zabitan: scale on VM "
    "CPU high\". "
    "Set up by zabitan-provision, which puts it back as it was on its next run.";

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

nlohmann::json IdObjects(const std::vector<std::string>& ids, const char* key) {
  nlohmann::json out = nlohmann::json::array();
  for (const std::string& id : ids) out.push_back({{key, id}});
  return out;
}

}  // namespace

// ---- step 2: the endpoint host -----------------------------------------------------------------

Status Provisioner::EndpointHost() {
  std::string groupid;
  if (Status s = IdByName("hostgroup.get", "name", kEndpointGroup, "groupid", &groupid); !s.ok())
    return s;
  Outcome group(std::string("host group ") + kEndpointGroup);
  if (groupid.empty()) {
    nlohmann::json result;
    if (Status s = Write("hostgroup.create", {{"name", kEndpointGroup}}, &result); !s.ok())
      return s;
    groupid = NewId(result, "groupids", kEndpointGroup);
    group.change = Change::kCreated;
  }
  report_(group);

  const std::vector<std::string> names = {kEndpointTemplate, kRemoteCmdTemplate};
  std::vector<std::string> wanted;
  for (const std::string& n : names) wanted.push_back(template_ids_.at(n));
  nlohmann::json hosts;
  nlohmann::json get = {{"output", {"hostid", "host"}},
                        {"filter", {{"host", {options_.endpoint_host}}}},
                        {"selectParentTemplates", {"templateid", "host"}},
                        {"selectGroups", {"groupid"}}};
  if (Status s = Rows("host.get", get, &hosts); !s.ok()) return s;
  Outcome out("host " + options_.endpoint_host);
  if (hosts.empty()) {
    // No interface: zabitan-vmware and zabitan-remote-cmd push over the trapper.
    nlohmann::json create = {{"host", options_.endpoint_host},
                             {"groups", IdObjects({groupid}, "groupid")},
                             {"templates", IdObjects(wanted, "templateid")}};
    nlohmann::json result;
    if (Status s = Write("host.create", create, &result); !s.ok()) return s;
    out.change = Change::kCreated;
    out.detail = std::string("group ") + kEndpointGroup + ", templates " + JoinNames(names);
    report_(out);
    return Status::Ok();
  }
  const nlohmann::json& host = hosts[0];
  std::vector<std::string> link =
      MissingIds(wanted, host.value("parentTemplates", nlohmann::json()), "templateid");
  std::vector<std::string> join =
      MissingIds({groupid}, host.value("groups", nlohmann::json()), "groupid");
  if (!link.empty() || !join.empty()) {
    // massadd only adds: templates and groups the admin added stay.
    nlohmann::json add = {{"hosts", {{{"hostid", host["hostid"]}}}}};
    std::vector<std::string> linked;
    for (size_t i = 0; i < wanted.size(); ++i) {
      if (std::find(link.begin(), link.end(), wanted[i]) != link.end()) linked.push_back(names[i]);
    }
    if (!link.empty()) add["templates"] = IdObjects(link, "templateid");
    if (!join.empty()) add["groups"] = IdObjects(join, "groupid");
    nlohmann::json result;
    if (Status s = Write("host.massadd", add, &result); !s.ok()) return s;
    out.change = Change::kUpdated;
    if (!linked.empty()) out.detail = "linked " + JoinNames(linked);
    if (!join.empty())
      out.detail +=
          std::string(out.detail.empty() ? "" : ", ") + "added to group " + kEndpointGroup;
  }
  report_(out);
  return Status::Ok();
}

// ---- step 3: the scripts -----------------------------------------------------------------------

Status Provisioner::Scripts() {
  nlohmann::json settings;
  nlohmann::json severities = nlohmann::json::array();
  for (int i = 0; i <= 5; ++i) severities.push_back("severity_name_" + std::to_string(i));
  if (Status s = api_->Call("settings.get", {{"output", severities}}, &settings); !s.ok()) return s;
  if (Status s = CheckSeverityNames(settings); !s.ok()) return s;

  struct Script {
    const char* name;
    const char* subcommand;
    std::string* id;
  };
  for (const Script& sc : {Script{kScaleUpScript, "scale-up", &scale_up_id_},
                           Script{kScaleDownScript, "scale-down", &scale_down_id_}}) {
    nlohmann::json wanted =
        WantedScript(sc.name, ScaleCommand(options_.remote_cmd, sc.subcommand), kScriptDescription);
    nlohmann::json rows;
    if (Status s =
            Rows("script.get", {{"output", "extend"}, {"filter", {{"name", {sc.name}}}}}, &rows);
        !s.ok()) {
      return s;
    }
    if (rows.size() > 1) {
      return Status::Error(
          std::to_string(rows.size()) + " global scripts are named \"" + sc.name + "\"; keep one",
          Errc::kAmbiguous);
    }
    Outcome out(std::string("script ") + sc.name);
    if (rows.empty()) {
      nlohmann::json result;
      if (Status s = Write("script.create", wanted, &result); !s.ok()) return s;
      *sc.id = NewId(result, "scriptids", sc.name);
      out.change = Change::kCreated;
      out.detail = "command " + wanted["command"].get<std::string>();
    } else {
      *sc.id = rows[0].value("scriptid", "");
      nlohmann::json changed = ChangedFields(wanted, rows[0]);
      if (!changed.empty()) {
        std::vector<std::string> fields;
        for (const auto& [key, value] : changed.items()) fields.push_back(key);
        changed["scriptid"] = *sc.id;
        nlohmann::json result;
        if (Status s = Write("script.update", changed, &result); !s.ok()) return s;
        out.change = Change::kUpdated;
        out.detail = JoinNames(fields);
      }
    }
    report_(out);
  }
  return Status::Ok();
}

// ---- step 4: the user's media -------------------------------------------------------------------

Status Provisioner::UserMedia() {
  if (options_.notify_user.empty()) return Status::Ok();
  nlohmann::json users;
  nlohmann::json get = {{"output", {"userid", "username"}},
                        {"filter", {{"username", {options_.notify_user}}}},
                        {"selectMedias", "extend"}};
  if (Status s = Rows("user.get", get, &users); !s.ok()) return s;
  if (users.empty())
    return Status::Error("user \"" + options_.notify_user + "\" does not exist (--notify-user)",
                         Errc::kNotFound);
  user_id_ = users[0].value("userid", "");
  Change change;
  nlohmann::json medias;
  PlanUserMedia(users[0].value("medias", nlohmann::json::array()), media_type_id_, options_.sendto,
                major_ >= 7, &change, &medias);
  Outcome out(std::string("media ") + kMediaType + " of user " + options_.notify_user, change);
  if (change != Change::kUnchanged) {
    nlohmann::json result;
    if (Status s = Write("user.update", {{"userid", user_id_}, {"medias", medias}}, &result);
        !s.ok())
      return s;
    out.detail = change == Change::kCreated ? "send to \"" + options_.sendto + "\"" : "enabled";
  }
  report_(out);
  return Status::Ok();
}

// ---- step 5: the action
// ---------------------------------------------------------------------------

Status Provisioner::Action() {
  ActionIds ids{scale_up_id_, scale_down_id_, template_ids_.at(kVmTemplate), "", ""};
  if (!options_.notify_user.empty()) {
    ids.media_type = media_type_id_;
    ids.user = user_id_;
  }
  nlohmann::json wanted = WantedAction(kAction, ids);
  nlohmann::json rows;
  nlohmann::json get = {{"output", "extend"},
                        {"filter", {{"name", {kAction}}}},
                        {"selectFilter", "extend"},
                        {"selectOperations", "extend"},
                        {"selectRecoveryOperations", "extend"},
                        {"selectUpdateOperations", "extend"}};
  if (Status s = Rows("action.get", get, &rows); !s.ok()) return s;
  Outcome out(std::string("action ") + kAction);
  if (rows.empty()) {
    nlohmann::json result;
    if (Status s = Write("action.create", wanted, &result); !s.ok()) return s;
    out.change = Change::kCreated;
    out.detail =
        "tag zabitan: scale-up on hosts of \"" + std::string(kVmTemplate) + "\" runs " +
        kScaleUpScript + ", recovery runs " + kScaleDownScript +
        (ids.user.empty() ? "" : ", messages to " + options_.notify_user + " via " + kMediaType);
    report_(out);
    return Status::Ok();
  }
  const nlohmann::json& existing = rows[0];
  std::vector<std::string> diffs = ActionDifferences(wanted, existing);
  if (std::find(diffs.begin(), diffs.end(), "event source") != diffs.end()) {
    return Status::Error(
        std::string("an action named \"") + kAction + "\" exists for another event source (" +
            Printable(existing.value("eventsource", "?"), 8) + "); rename or delete it",
        Errc::kConflict);
  }
  if (!diffs.empty()) {
    nlohmann::json update = {{"actionid", existing.value("actionid", "")}};
    for (const char* key :
         {"status", "filter", "operations", "recovery_operations", "update_operations"}) {
      update[key] = wanted[key];
    }
    nlohmann::json result;
    if (Status s = Write("action.update", update, &result); !s.ok()) return s;
    out.change = Change::kUpdated;
    out.detail = JoinNames(diffs);
  }
  report_(out);
  return Status::Ok();
}

}  // namespace zabitan::zabbix_templates
