#include "wanted.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "zabitan/zabbix_templates/error.h"

extern char** environ;

using namespace zabitan;
using namespace zabitan::zabbix_templates;
using nlohmann::json;

namespace {

// Runs `command` as Zabbix 6.0 runs a script on the server (/bin/sh -c) and returns its stdout
// lines. Test-only: the product never runs a shell.
std::vector<std::string> RunShell(const std::string& command) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, "/bin/sh", &actions, nullptr, const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  REQUIRE(rc == 0);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::vector<std::string> lines;
  for (size_t start = 0, nl; (nl = out.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(out.substr(start, nl - start));
  }
  return lines;
}

// What Zabbix does to the command before running it: macros replaced by their values, as they are.
std::string Expand(std::string command,
                   const std::vector<std::pair<std::string, std::string>>& macros) {
  for (const auto& [macro, value] : macros) {
    for (size_t at; (at = command.find(macro)) != std::string::npos;)
      command.replace(at, macro.size(), value);
  }
  return command;
}

std::vector<std::string> ArgvFor(const std::string& host, const std::string& severity) {
  // printf '%s\n' prints each argument it gets on a line of its own.
  std::string command = ScaleCommand("printf '%s\\n'", "scale-up");
  return RunShell(Expand(command, {{"{HOST.HOST}", host},
                                   {"{EVENT.ID}", "4711"},
                                   {"{TRIGGER.ID}", "23456"},
                                   {"{TRIGGER.STATUS}", "PROBLEM"},
                                   {"{TRIGGER.SEVERITY}", severity}}));
}

json ActionGetRow() {
  // action.get of a Zabbix 6.0.14 for WantedAction(kAction, {"5", "6", "10562", "36", "1"}).
  return json::parse(R"({
    "actionid": "8", "name": "zabitan: scale on VM CPU high", "eventsource": "0", "status": "0",
    "esc_period": "1h", "pause_suppressed": "1", "notify_if_canceled": "1",
    "filter": {"evaltype": "1", "formula": "", "eval_formula": "A and B", "conditions": [
      {"conditiontype": "13", "operator": "0", "value": "10562", "value2": "", "formulaid": "B"},
      {"conditiontype": "26", "operator": "0", "value": "scale-up", "value2": "zabitan", "formulaid": "A"}]},
    "operations": [
      {"operationid": "12", "actionid": "8", "operationtype": "0", "esc_period": "0", "esc_step_from": "1",
       "esc_step_to": "1", "evaltype": "0", "opconditions": [],
       "opmessage": {"default_msg": "1", "subject": "", "message": "", "mediatypeid": "36"},
       "opmessage_grp": [], "opmessage_usr": [{"userid": "1"}]},
      {"operationid": "11", "actionid": "8", "operationtype": "1", "esc_period": "0", "esc_step_from": "1",
       "esc_step_to": "1", "evaltype": "0", "opconditions": [], "opcommand": {"scriptid": "5"},
       "opcommand_hst": [{"opcommand_hstid": "1", "hostid": "0"}], "opcommand_grp": []}],
    "recovery_operations": [
      {"operationid": "13", "actionid": "8", "operationtype": "1", "evaltype": "0", "opconditions": [],
       "opcommand": {"scriptid": "6"}, "opcommand_hst": [{"opcommand_hstid": "2", "hostid": "0"}],
       "opcommand_grp": []},
      {"operationid": "14", "actionid": "8", "operationtype": "0", "evaltype": "0", "opconditions": [],
       "opmessage": {"default_msg": "1", "subject": "", "message": "", "mediatypeid": "36"},
       "opmessage_grp": [], "opmessage_usr": [{"userid": "1"}]}],
    "update_operations": []})");
}

const ActionIds kIds{"5", "6", "10562", "36", "1"};

}  // namespace

TEST_CASE("zabbix-templates/wanted: the scaling command line", "[zabbix-templates]") {
  CHECK(ScaleCommand("/usr/bin/zabitan-remote-cmd", "scale-up") ==
        "/usr/bin/zabitan-remote-cmd scale-up --host '{HOST.HOST}' --event-id '{EVENT.ID}' "
        "--trigger-id '{TRIGGER.ID}' --status '{TRIGGER.STATUS}' --severity '{TRIGGER.SEVERITY}'");
  CHECK(ScaleCommand("/opt/z/remote-cmd", "scale-down")
            .starts_with("/opt/z/remote-cmd scale-down --host "));
  // Free text never goes in.
  for (const char* macro :
       {"{ITEM.VALUE", "{EVENT.NAME", "{TRIGGER.NAME", "{HOST.NAME}", "{ITEM.LASTVALUE"}) {
    CHECK(ScaleCommand("/x", "scale-up").find(macro) == std::string::npos);
  }
}

TEST_CASE(
    "zabbix-templates/wanted: /bin/sh gives remote-cmd every macro value as one untouched argument",
    "[zabbix-templates]") {
  const std::vector<std::string> expected_tail = {"--event-id", "4711",    "--trigger-id", "23456",
                                                  "--status",   "PROBLEM", "--severity"};
  // Every character Zabbix allows in a host name, spaces included, and a severity with a space.
  std::vector<std::string> argv = ArgvFor("web 01.example_A-9", "Not classified");
  std::vector<std::string> want = {"scale-up", "--host", "web 01.example_A-9"};
  want.insert(want.end(), expected_tail.begin(), expected_tail.end());
  want.push_back("Not classified");
  CHECK(argv == want);
  // What single quotes also neutralise (not a valid host name; shown for the shell's part):
  // expansions, command substitution, globbing, separators, redirections.
  const std::string hostile = "$(touch /tmp/zabitan-pwned) `id` ${HOME} * ; | & > /tmp/x \\ \" ~";
  argv = ArgvFor(hostile, "High");
  REQUIRE(argv.size() == 11);
  CHECK(argv[2] == hostile);
  CHECK(::access("/tmp/zabitan-pwned", F_OK) != 0);
}

TEST_CASE(
    "zabbix-templates/wanted: a single quote would break out, which is why none may reach the "
    "command",
    "[zabbix-templates]") {
  // A value with single quotes ends the quoting: here it splits into two arguments, and what
  // follows a quote is shell syntax again. CheckSeverityNames refuses such a severity name.
  std::vector<std::string> argv = ArgvFor("web01", "a' 'b");
  REQUIRE(argv.size() == 12);
  CHECK(argv[10] == "a");
  CHECK(argv[11] == "b");
  json settings = {{"severity_name_0", "Not classified"}, {"severity_name_1", "Information"},
                   {"severity_name_2", "Warning"},        {"severity_name_3", "Average"},
                   {"severity_name_4", "High"},           {"severity_name_5", "Disaster"}};
  CHECK(CheckSeverityNames(settings).ok());
  settings["severity_name_3"] = "Don't care";
  Status s = CheckSeverityNames(settings);
  CHECK(s.code() == Errc::kSeverityNames);
  CHECK(s.message().starts_with("trigger severity 3 is named \"Don't care\": a single quote"));
  settings["severity_name_3"] = "two\nlines";
  CHECK(CheckSeverityNames(settings).code() == Errc::kSeverityNames);
  // Renamed without a quote: the quoting holds, but zabitan-remote-cmd would refuse the name.
  settings["severity_name_3"] = "Durchschnitt";
  CHECK(CheckSeverityNames(settings).message().starts_with(
      "trigger severity 3 is named \"Durchschnitt\": zabitan-remote-cmd takes only Zabbix's "
      "default severity names "
      "(\"Average\")"));
  settings.erase("severity_name_3");
  CHECK(CheckSeverityNames(settings).code() == Errc::kUnexpectedResult);
}

TEST_CASE("zabbix-templates/wanted: the remote-cmd path needs no quoting", "[zabbix-templates]") {
  CHECK(CheckRemoteCmdPath("/usr/bin/zabitan-remote-cmd").ok());
  CHECK(CheckRemoteCmdPath("/opt/zabitan-0.1/bin/zabitan_remote+cmd").ok());
  for (const char* bad :
       {"", "zabitan-remote-cmd", "./zabitan-remote-cmd", "/usr/bin/zabitan remote", "/tmp/x';id",
        "/tmp/$(id)", "/tmp/a\nb", "/usr/../tmp/x", "/usr/bin/..", "/tmp/*"}) {
    CAPTURE(bad);
    CHECK(CheckRemoteCmdPath(bad).code() == Errc::kBadOption);
  }
  CHECK(CheckRemoteCmdPath("/" + std::string(300, 'a')).code() == Errc::kBadOption);
  CHECK(CheckRemoteCmdPath("/usr/bin/x y").message() ==
        "--remote-cmd \"/usr/bin/x y\": only letters, digits and / . _ + - may be used (it goes "
        "into a shell command line)");
}

TEST_CASE("zabbix-templates/wanted: a script compared field by field, as text",
          "[zabbix-templates]") {
  json wanted = WantedScript("zabitan scale", "/x scale-up", "d");
  CHECK(wanted == json{{"name", "zabitan scale"},
                       {"type", 0},
                       {"execute_on", 1},
                       {"scope", 1},
                       {"command", "/x scale-up"},
                       {"description", "d"}});
  json existing = {
      {"scriptid", "5"}, {"name", "zabitan scale"},  {"type", "0"},        {"execute_on", "1"},
      {"scope", "1"},    {"command", "/x scale-up"}, {"description", "d"}, {"menu_path", ""}};
  CHECK(ChangedFields(wanted, existing).empty());
  existing["command"] = "/bin/true";
  existing["execute_on"] = "0";
  CHECK(ChangedFields(wanted, existing) == json{{"command", "/x scale-up"}, {"execute_on", 1}});
  existing.erase("description");
  CHECK(ChangedFields(wanted, existing).contains("description"));
}

TEST_CASE("zabbix-templates/wanted: missing ids", "[zabbix-templates]") {
  json linked = json::parse(R"([{"templateid": "10562", "host": "zabitan VMware endpoint"}])");
  CHECK(MissingIds({"10562", "10563"}, linked, "templateid") == std::vector<std::string>{"10563"});
  CHECK(MissingIds({"10562"}, linked, "templateid").empty());
  CHECK(MissingIds({"1", "2"}, json::array(), "groupid") == std::vector<std::string>{"1", "2"});
  CHECK(MissingIds({"1"}, json(), "groupid") == std::vector<std::string>{"1"});
}

TEST_CASE(
    "zabbix-templates/wanted: the action as created compares equal to what action.get returns",
    "[zabbix-templates]") {
  json wanted = WantedAction(kAction, kIds);
  CHECK(wanted["eventsource"] == 0);
  CHECK(wanted["filter"]["conditions"].size() == 2);
  CHECK(ActionDifferences(wanted, ActionGetRow()).empty());
  CHECK(CanonicalAction(wanted) == CanonicalAction(ActionGetRow()));
}

TEST_CASE("zabbix-templates/wanted: each part of the action that differs is named",
          "[zabbix-templates]") {
  json wanted = WantedAction(kAction, kIds);
  json row = ActionGetRow();
  row["status"] = "1";
  CHECK(ActionDifferences(wanted, row) == std::vector<std::string>{"status"});
  row = ActionGetRow();
  row["filter"]["conditions"][1]["value"] = "scale-down";
  CHECK(ActionDifferences(wanted, row) == std::vector<std::string>{"conditions"});
  row = ActionGetRow();
  row["filter"]["evaltype"] = "0";
  CHECK(ActionDifferences(wanted, row) == std::vector<std::string>{"conditions"});
  row = ActionGetRow();
  row["operations"][1]["opcommand"]["scriptid"] = "99";
  CHECK(ActionDifferences(wanted, row) == std::vector<std::string>{"operations"});
  row = ActionGetRow();
  row["operations"][1]["opcommand_hst"][0]["hostid"] =
      "10084";  // a fixed host instead of the current one
  CHECK(ActionDifferences(wanted, row) == std::vector<std::string>{"operations"});
  row = ActionGetRow();
  row["operations"][0]["esc_step_to"] = "0";
  CHECK(ActionDifferences(wanted, row) == std::vector<std::string>{"operations"});
  row = ActionGetRow();
  row["recovery_operations"] = json::array();
  CHECK(ActionDifferences(wanted, row) == std::vector<std::string>{"recovery operations"});
  row = ActionGetRow();
  row["update_operations"] = row["recovery_operations"];
  CHECK(ActionDifferences(wanted, row) == std::vector<std::string>{"update operations"});
  row = ActionGetRow();
  row["eventsource"] = "3";
  CHECK(ActionDifferences(wanted, row) == std::vector<std::string>{"event source"});
}

TEST_CASE("zabbix-templates/wanted: an action without a user to notify has no message operations",
          "[zabbix-templates]") {
  json wanted = WantedAction(kAction, {"5", "6", "10562", "", ""});
  CHECK(wanted["operations"].size() == 1);
  CHECK(wanted["recovery_operations"].size() == 1);
  CHECK(ActionDifferences(wanted, ActionGetRow()) ==
        std::vector<std::string>{"operations", "recovery operations"});
}

TEST_CASE("zabbix-templates/wanted: the user's media", "[zabbix-templates]") {
  Change change;
  json medias;
  PlanUserMedia(json::array(), "36", "desktop", false, &change, &medias);
  CHECK(change == Change::kCreated);
  CHECK(medias == json::parse(R"([{"mediatypeid":"36","sendto":"desktop","active":0,"severity":63,)"
                              R"("period":"1-7,00:00-24:00"}])"));

  json email = {{"mediaid", "2"},
                {"userid", "1"},
                {"mediatypeid", "1"},
                {"sendto", {"a@example.com"}},
                {"active", "0"},
                {"severity", "48"},
                {"period", "1-5,09:00-18:00"}};
  json sstp = {
      {"mediaid", "3"}, {"userid", "1"},    {"mediatypeid", "36"},        {"sendto", "desktop"},
      {"active", "0"},  {"severity", "63"}, {"period", "1-7,00:00-24:00"}};
  PlanUserMedia(json::array({email, sstp}), "36", "desktop", false, &change, &medias);
  CHECK(change == Change::kUnchanged);

  sstp["active"] = "1";
  PlanUserMedia(json::array({email, sstp}), "36", "desktop", false, &change, &medias);
  CHECK(change == Change::kUpdated);
  REQUIRE(medias.size() == 2);
  // The other media go back as they are, without the ids user.update does not take.
  CHECK(medias[0] == json{{"mediatypeid", "1"},
                          {"sendto", {"a@example.com"}},
                          {"active", "0"},
                          {"severity", "48"},
                          {"period", "1-5,09:00-18:00"}});
  CHECK(medias[1]["active"] == 0);

  // 7.0 updates a media in place only when given its id (else every media is made anew).
  PlanUserMedia(json::array({email, sstp}), "36", "desktop", true, &change, &medias);
  CHECK(change == Change::kUpdated);
  CHECK(medias[0]["mediaid"] == "2");
  CHECK(medias[1]["mediaid"] == "3");
  CHECK_FALSE(medias[0].contains("userid"));

  // Another "send to" of the same media type is somebody else's: ours is added next to it.
  sstp["sendto"] = "laptop";
  PlanUserMedia(json::array({email, sstp}), "36", "desktop", false, &change, &medias);
  CHECK(change == Change::kCreated);
  CHECK(medias.size() == 3);
}
