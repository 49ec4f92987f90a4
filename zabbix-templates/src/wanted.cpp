#include "wanted.h"

#include <algorithm>

#include "zabitan/common/printable.h"
#include "zabitan/zabbix_templates/error.h"

namespace zabitan::zabbix_templates {
namespace {

// Zabbix 6.0 constants (include/defines.inc.php of its frontend).
constexpr int kScriptTypeScript = 0;
constexpr int kExecuteOnServer = 1;
constexpr int kScopeActionOperation = 1;
constexpr int kEventSourceTriggers = 0;
constexpr int kEvalTypeAnd = 1;
constexpr int kConditionTemplate = 13;
constexpr int kConditionEventTagValue = 26;
constexpr int kOperatorEqual = 0;
constexpr int kOperationMessage = 0;
constexpr int kOperationCommand = 1;
constexpr const char* kCurrentHost = "0";  // opcommand_hst hostid 0: the host of the event

// A value as the API writes it back: numbers as text, strings as they are.
std::string Text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

std::string TextOf(const nlohmann::json& object, const char* key, const char* absent) {
  auto it = object.find(key);
  return it == object.end() ? absent : Text(*it);
}

// The sorted values of `key` in an array of objects (absent: empty).
nlohmann::json SortedIds(const nlohmann::json& object, const char* list, const char* key) {
  std::vector<std::string> ids;
  if (auto it = object.find(list); it != object.end() && it->is_array()) {
    for (const auto& e : *it) ids.push_back(e.is_object() ? TextOf(e, key, "") : Text(e));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

nlohmann::json SortedSet(std::vector<nlohmann::json> items) {
  std::sort(items.begin(), items.end(),
            [](const nlohmann::json& a, const nlohmann::json& b) { return a.dump() < b.dump(); });
  return items;
}

nlohmann::json CanonicalOperation(const nlohmann::json& op, bool escalated) {
  nlohmann::json c = {{"type", TextOf(op, "operationtype", "")}};
  if (escalated) {
    c["esc_step_from"] = TextOf(op, "esc_step_from", "1");
    c["esc_step_to"] = TextOf(op, "esc_step_to", "1");
    c["esc_period"] = TextOf(op, "esc_period", "0");
  }
  std::vector<nlohmann::json> opconditions;
  if (auto it = op.find("opconditions"); it != op.end() && it->is_array()) {
    for (const auto& oc : *it) {
      opconditions.push_back(
          {TextOf(oc, "conditiontype", ""), TextOf(oc, "operator", "0"), TextOf(oc, "value", "")});
    }
  }
  c["opconditions"] = SortedSet(std::move(opconditions));
  if (auto it = op.find("opcommand"); it != op.end() && it->is_object()) {
    c["scriptid"] = TextOf(*it, "scriptid", "");
  }
  c["hosts"] = SortedIds(op, "opcommand_hst", "hostid");
  c["hostgroups"] = SortedIds(op, "opcommand_grp", "groupid");
  if (auto it = op.find("opmessage"); it != op.end() && it->is_object()) {
    std::string default_msg = TextOf(*it, "default_msg", "1");
    c["default_msg"] = default_msg;
    c["mediatypeid"] = TextOf(*it, "mediatypeid", "0");
    if (default_msg == "0") {
      c["subject"] = TextOf(*it, "subject", "");
      c["message"] = TextOf(*it, "message", "");
    }
  }
  c["users"] = SortedIds(op, "opmessage_usr", "userid");
  c["usergroups"] = SortedIds(op, "opmessage_grp", "usrgrpid");
  return c;
}

nlohmann::json CanonicalOperations(const nlohmann::json& action, const char* key, bool escalated) {
  std::vector<nlohmann::json> ops;
  if (auto it = action.find(key); it != action.end() && it->is_array()) {
    for (const auto& op : *it) ops.push_back(CanonicalOperation(op, escalated));
  }
  return SortedSet(std::move(ops));
}

nlohmann::json CommandOperation(const std::string& scriptid) {
  return {{"operationtype", kOperationCommand},
          {"opcommand", {{"scriptid", scriptid}}},
          {"opcommand_hst", nlohmann::json::array({{{"hostid", kCurrentHost}}})}};
}

nlohmann::json MessageOperation(const ActionIds& ids) {
  return {{"operationtype", kOperationMessage},
          {"opmessage", {{"default_msg", 1}, {"mediatypeid", ids.media_type}}},
          {"opmessage_usr", nlohmann::json::array({{{"userid", ids.user}}})}};
}

}  // namespace

Status CheckRemoteCmdPath(std::string_view path) {
  const std::string shown = "--remote-cmd \"" + Printable(path, 200) + "\"";
  if (path.empty() || path.front() != '/')
    return Status::Error(shown + ": must be an absolute path", Errc::kBadOption);
  if (path.size() > 255) return Status::Error(shown + ": longer than 255 bytes", Errc::kBadOption);
  for (char c : path) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '.' || c == '_' || c == '+' || c == '-';
    if (!ok) {
      return Status::Error(
          shown +
              ": only letters, digits and / . _ + - may be used (it goes into a shell "
              "command line)",
          Errc::kBadOption);
    }
  }
  if (path.find("/../") != std::string_view::npos || path.ends_with("/..")) {
    return Status::Error(shown + ": must not contain \"..\"", Errc::kBadOption);
  }
  return Status::Ok();
}

std::string ScaleCommand(std::string_view remote_cmd, std::string_view subcommand) {
  std::string c(remote_cmd);
  c += ' ';
  c += subcommand;
  c += " --host '{HOST.HOST}' --event-id '{EVENT.ID}' --trigger-id '{TRIGGER.ID}'"
       " --status '{TRIGGER.STATUS}' --severity '{TRIGGER.SEVERITY}'";
  return c;
}

Status CheckSeverityNames(const nlohmann::json& settings) {
  static constexpr const char* kDefaults[] = {"Not classified", "Information", "Warning",
                                              "Average",        "High",        "Disaster"};
  for (int i = 0; i <= 5; ++i) {
    const std::string key = "severity_name_" + std::to_string(i);
    auto it = settings.find(key);
    if (it == settings.end() || !it->is_string())
      return Status::Error("settings.get: no " + key, Errc::kUnexpectedResult);
    const std::string& name = it->get_ref<const std::string&>();
    if (name == kDefaults[i]) continue;
    const std::string shown =
        "trigger severity " + std::to_string(i) + " is named \"" + Printable(name, 64) + "\"";
    bool breaks_quoting = false;
    for (unsigned char c : name) breaks_quoting |= c == '\'' || c < 0x20 || c == 0x7f;
    if (breaks_quoting) {
      return Status::Error(
          shown +
              ": a single quote or control character there would break the quoting of "
              "--severity '{TRIGGER.SEVERITY}' in the scaling script; rename it in Administration "
              "→ "
              "General → Trigger severities",
          Errc::kSeverityNames);
    }
    return Status::Error(shown +
                             ": zabitan-remote-cmd takes only Zabbix's default severity names (\"" +
                             kDefaults[i] +
                             "\") and would refuse every scaling request; rename it back in "
                             "Administration → General → Trigger severities",
                         Errc::kSeverityNames);
  }
  return Status::Ok();
}

nlohmann::json WantedScript(std::string_view name, std::string_view command,
                            std::string_view description) {
  return {{"name", name},
          {"type", kScriptTypeScript},
          {"execute_on", kExecuteOnServer},
          {"scope", kScopeActionOperation},
          {"command", command},
          {"description", description}};
}

nlohmann::json ChangedFields(const nlohmann::json& wanted, const nlohmann::json& existing) {
  nlohmann::json changed = nlohmann::json::object();
  for (const auto& [key, value] : wanted.items()) {
    auto it = existing.find(key);
    if (it == existing.end() || Text(*it) != Text(value)) changed[key] = value;
  }
  return changed;
}

std::vector<std::string> MissingIds(const std::vector<std::string>& wanted,
                                    const nlohmann::json& existing, std::string_view key) {
  std::vector<std::string> have;
  if (existing.is_array()) {
    for (const auto& e : existing) {
      if (auto it = e.find(key); it != e.end()) have.push_back(Text(*it));
    }
  }
  std::vector<std::string> missing;
  for (const std::string& id : wanted) {
    if (std::find(have.begin(), have.end(), id) == have.end()) missing.push_back(id);
  }
  return missing;
}

nlohmann::json WantedAction(std::string_view name, const ActionIds& ids) {
  nlohmann::json conditions = nlohmann::json::array({
      {{"conditiontype", kConditionEventTagValue},
       {"operator", kOperatorEqual},
       {"value", kScaleTagValue},
       {"value2", kScaleTag}},
      {{"conditiontype", kConditionTemplate},
       {"operator", kOperatorEqual},
       {"value", ids.vm_template}},
  });
  nlohmann::json up = CommandOperation(ids.scale_up_script);
  up["esc_step_from"] = 1;
  up["esc_step_to"] = 1;
  nlohmann::json operations = nlohmann::json::array({up});
  nlohmann::json recovery = nlohmann::json::array({CommandOperation(ids.scale_down_script)});
  if (!ids.media_type.empty() && !ids.user.empty()) {
    nlohmann::json message = MessageOperation(ids);
    recovery.push_back(message);
    message["esc_step_from"] = 1;
    message["esc_step_to"] = 1;
    operations.push_back(message);
  }
  return {{"name", name},
          {"eventsource", kEventSourceTriggers},
          {"status", 0},
          {"filter", {{"evaltype", kEvalTypeAnd}, {"conditions", conditions}}},
          {"operations", operations},
          {"recovery_operations", recovery},
          {"update_operations", nlohmann::json::array()}};
}

nlohmann::json CanonicalAction(const nlohmann::json& action) {
  nlohmann::json filter = action.value("filter", nlohmann::json::object());
  std::vector<nlohmann::json> conditions;
  if (auto it = filter.find("conditions"); it != filter.end() && it->is_array()) {
    for (const auto& c : *it) {
      conditions.push_back({TextOf(c, "conditiontype", ""), TextOf(c, "operator", "0"),
                            TextOf(c, "value", ""), TextOf(c, "value2", "")});
    }
  }
  return {{"eventsource", TextOf(action, "eventsource", "")},
          {"status", TextOf(action, "status", "0")},
          {"evaltype", TextOf(filter, "evaltype", "0")},
          {"conditions", SortedSet(std::move(conditions))},
          {"operations", CanonicalOperations(action, "operations", true)},
          {"recovery_operations", CanonicalOperations(action, "recovery_operations", false)},
          {"update_operations", CanonicalOperations(action, "update_operations", false)}};
}

std::vector<std::string> ActionDifferences(const nlohmann::json& wanted,
                                           const nlohmann::json& existing) {
  nlohmann::json w = CanonicalAction(wanted), e = CanonicalAction(existing);
  std::vector<std::string> out;
  if (w["eventsource"] != e["eventsource"]) out.push_back("event source");
  if (w["status"] != e["status"]) out.push_back("status");
  if (w["evaltype"] != e["evaltype"] || w["conditions"] != e["conditions"])
    out.push_back("conditions");
  if (w["operations"] != e["operations"]) out.push_back("operations");
  if (w["recovery_operations"] != e["recovery_operations"]) out.push_back("recovery operations");
  if (w["update_operations"] != e["update_operations"]) out.push_back("update operations");
  return out;
}

void PlanUserMedia(const nlohmann::json& existing, std::string_view mediatypeid,
                   std::string_view sendto, bool with_ids, Change* change, nlohmann::json* medias) {
  *change = Change::kCreated;
  *medias = nlohmann::json::array();
  if (existing.is_array()) {
    for (const auto& m : existing) {
      // user.update takes these fields of a media; the ids it finds itself.
      nlohmann::json copy = nlohmann::json::object();
      for (const char* key : {"mediatypeid", "sendto", "active", "severity", "period"}) {
        if (auto it = m.find(key); it != m.end()) copy[key] = *it;
      }
      if (auto it = m.find("mediaid"); with_ids && it != m.end()) copy["mediaid"] = *it;
      if (*change == Change::kCreated && TextOf(m, "mediatypeid", "") == mediatypeid &&
          m.contains("sendto") && Text(m["sendto"]) == sendto) {
        const bool active = TextOf(m, "active", "0") == "0";  // 0 enabled, 1 disabled
        *change = active ? Change::kUnchanged : Change::kUpdated;
        copy["active"] = 0;
      }
      medias->push_back(std::move(copy));
    }
  }
  if (*change == Change::kCreated) {
    medias->push_back({{"mediatypeid", mediatypeid},
                       {"sendto", sendto},
                       {"active", 0},
                       {"severity", 63},  // every severity
                       {"period", "1-7,00:00-24:00"}});
  }
}

}  // namespace zabitan::zabbix_templates
