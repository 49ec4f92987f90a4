// zabitan — what zabitan-provision wants on a Zabbix server, and how it compares with what is
// there: the names of the objects, the command line of the scaling scripts, the scripts' and
// the action's fields, the user's media. Pure functions over the API's JSON (no I/O), so each
// decision "unchanged / create / update" can be tested without a server. Internal to
// zabitan_zabbix_templates (Provisioner's steps; tests/zabbix-templates/wanted_test.cpp).
#ifndef ZABITAN_ZABBIX_TEMPLATES_SRC_WANTED_H_
#define ZABITAN_ZABBIX_TEMPLATES_SRC_WANTED_H_

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "zabitan/common/status.h"
#include "zabitan/zabbix_templates/change.h"

namespace zabitan::zabbix_templates {

// The names zabbix-templates/*.yaml and zabitan-provision give things.
inline constexpr const char* kEndpointGroup = "zabitan VMware";
inline constexpr const char* kEndpointTemplate = "zabitan VMware endpoint";
inline constexpr const char* kRemoteCmdTemplate = "zabitan remote-cmd";
inline constexpr const char* kVmTemplate = "zabitan VMware VM";
inline constexpr const char* kMediaType = "zabitan SSTP";
inline constexpr const char* kScaleUpScript = "zabitan scale";
inline constexpr const char* kScaleDownScript = "zabitan scale down";
inline constexpr const char* kAction = "zabitan: scale on VM CPU high";
// The tag "VM CPU high" of "zabitan VMware VM" carries; events inherit trigger tags.
inline constexpr const char* kScaleTag = "zabitan";
inline constexpr const char* kScaleTagValue = "scale-up";

// The remote-cmd path goes into a shell command line (Zabbix runs it with /bin/sh -c), so it
// must be absolute and made of [A-Za-z0-9/._+-] only, without "..": then it needs no quoting.
Status CheckRemoteCmdPath(std::string_view path);

// The global script's command:
//   PATH SUBCOMMAND --host '{HOST.HOST}' --event-id '{EVENT.ID}' --trigger-id '{TRIGGER.ID}'
//        --status '{TRIGGER.STATUS}' --severity '{TRIGGER.SEVERITY}'
// Zabbix 6.0 puts the macros' values in as they are and runs the line with /bin/sh -c. Each
// macro is single-quoted, so the shell passes its value as one argument, untouched (no $, `,
// globbing or word splitting) — which is safe only because none of these values can hold a
// single quote: host names are [0-9A-Za-z _.-], ids digits, the status PROBLEM or OK, the
// severity one of the six default severity names (CheckSeverityNames). Free text such as
// {ITEM.VALUE} or {EVENT.NAME} must never be put in.
std::string ScaleCommand(std::string_view remote_cmd, std::string_view subcommand);

// settings.get's severity_name_0..5 must be Zabbix's default names: zabitan-remote-cmd takes
// only those. An error names the first that is not, and says whether it would even break the
// quoting of --severity '{TRIGGER.SEVERITY}' (a single quote or a control character).
Status CheckSeverityNames(const nlohmann::json& settings);

// script.create parameters of a global script: type script, executed on the Zabbix server,
// scope action operation.
nlohmann::json WantedScript(std::string_view name, std::string_view command,
                            std::string_view description);

// The fields of `wanted` (an object) whose value in `existing` (a script.get or similar row)
// differs, compared as text (the API returns "1" for 1); {} when none do.
nlohmann::json ChangedFields(const nlohmann::json& wanted, const nlohmann::json& existing);

// The ids of `wanted` that no element of `existing` (an array of objects) has as `key`, in
// the order of `wanted`: the templates to link, the groups to add.
std::vector<std::string> MissingIds(const std::vector<std::string>& wanted,
                                    const nlohmann::json& existing, std::string_view key);

// The ids the action refers to. The message operations are left out when media_type or user
// is empty.
struct ActionIds {
  std::string scale_up_script;
  std::string scale_down_script;
  std::string vm_template;
  std::string media_type;
  std::string user;
};

// action.create parameters of the scaling action (event source triggers):
//   conditions  tag zabitan equals scale-up (the tag of "VM CPU high"), and host template
//               equals "zabitan VMware VM" (discovered VMs have it linked)
//   operations  step 1: run "zabitan scale" on the current host; send the default message
//               through "zabitan SSTP" to the user
//   recovery    run "zabitan scale down" on the current host; the same message
nlohmann::json WantedAction(std::string_view name, const ActionIds& ids);

// The parts of an action provisioning decides, in a form in which WantedAction's output and an
// action.get row (selectFilter, selectOperations, selectRecoveryOperations,
// selectUpdateOperations) compare equal when they mean the same: values as text, conditions
// and operations as sorted sets, ids the API adds left out.
nlohmann::json CanonicalAction(const nlohmann::json& action);

// The parts that differ ("status", "conditions", "operations", "recovery operations",
// "update operations"); empty when the action is as wanted.
std::vector<std::string> ActionDifferences(const nlohmann::json& wanted,
                                           const nlohmann::json& existing);

// The user's media list (user.get selectMedias) with a media of `mediatypeid` sending to
// `sendto` that is enabled: *change says whether it had to be added (kCreated) or enabled
// (kUpdated). *medias is the whole list to give user.update (it replaces the user's media;
// the others are passed back as they are, so they stay). with_ids (7.0): each existing media
// keeps its mediaid, which 7.0 needs to update it in place (without it, every media of the user
// is made anew, new ids) and 6.0 refuses (it matches them itself).
void PlanUserMedia(const nlohmann::json& existing, std::string_view mediatypeid,
                   std::string_view sendto, bool with_ids, Change* change, nlohmann::json* medias);

}  // namespace zabitan::zabbix_templates

#endif  // ZABITAN_ZABBIX_TEMPLATES_SRC_WANTED_H_
