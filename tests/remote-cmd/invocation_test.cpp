#include "zabitan/remote_cmd/invocation.h"

#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "zabitan/remote_cmd/error.h"

using namespace zabitan::remote_cmd;

namespace {

const std::vector<std::string> kBase = {"scale-up",     "--host", "vm-web01", "--event-id", "1",
                                        "--trigger-id", "2",      "--status", "PROBLEM"};

std::string Unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

}  // namespace

TEST_CASE("invocation: the documented command line is accepted", "[remote][invocation]") {
  Invocation inv;
  std::vector<std::string> args = kBase;
  args.insert(args.end(), {"--severity", "Not classified", "--value", "97.5 %", "--config",
                           "/etc/zabitan/zabitan.toml", "--dry-run"});
  REQUIRE(ParseInvocation(args, &inv).ok());
  CHECK(inv.action == Action::kScaleUp);
  CHECK(inv.host == "vm-web01");
  CHECK(inv.event_id == "1");
  CHECK(inv.trigger_id == "2");
  CHECK(inv.status == "PROBLEM");
  CHECK(*inv.severity == "Not classified");
  CHECK(*inv.value == "97.5 %");
  CHECK(*inv.config == "/etc/zabitan/zabitan.toml");
  CHECK(inv.dry_run);
  CHECK_FALSE(inv.wants_scale_down());
  args = kBase;
  args[8] = "OK";
  REQUIRE(ParseInvocation(args, &inv).ok());
  CHECK(inv.wants_scale_down());  // the recovery of the same action
  args = kBase;
  args[0] = "status";
  args[2] = "Zabbix server 2.example_x";
  REQUIRE(ParseInvocation(args, &inv).ok());
  CHECK(inv.action == Action::kStatus);
  args[4] = "18446744073709551615";
  CHECK(ParseInvocation(args, &inv).ok());
}

TEST_CASE("invocation: --config may come before the action, as in the usage line",
          "[remote][invocation]") {
  Invocation inv;
  std::vector<std::string> args = {"--config", "/etc/zabitan/other.toml"};
  args.insert(args.end(), kBase.begin(), kBase.end());
  REQUIRE(ParseInvocation(args, &inv).ok());
  CHECK(inv.action == Action::kScaleUp);
  CHECK(*inv.config == "/etc/zabitan/other.toml");
  args.insert(args.end(), {"--config", "/etc/zabitan/zabitan.toml"});
  zabitan::Status s = ParseInvocation(args, &inv);
  CHECK(s.code() == zabitan::remote_cmd::Errc::kBadArgument);
  CHECK(s.message() == "--config given twice");
  CHECK(ParseInvocation({"--config", "/etc/zabitan/other.toml"}, &inv).message() ==
        "--config FILE must be followed by the action");
  CHECK(ParseInvocation({"--config", "--host", "scale-up"}, &inv).code() ==
        zabitan::remote_cmd::Errc::kBadArgument);
  // Only --config goes first.
  CHECK(ParseInvocation({"--host", "x", "scale-up"}, &inv).code() ==
        zabitan::remote_cmd::Errc::kBadArgument);
}

TEST_CASE("invocation: errors are one line that names the argument", "[remote][invocation]") {
  Invocation inv;
  std::vector<std::string> args = kBase;
  args[2] = "vm$(id)\n";
  auto s = ParseInvocation(args, &inv);
  CHECK(s.message() == "argument 3 \"vm$(id)\\x0a\": control character or invalid UTF-8");
  // Bytes that are not UTF-8 and C1 controls (NEL) are shown, not echoed: the line goes to
  // Zabbix's action log, which a UTF-8 database stores (found by invocation_fuzz).
  args[2] = "vm\xff\xc2\x85x";
  CHECK(ParseInvocation(args, &inv).message() ==
        "argument 3 \"vm\\xff\\xc2\\x85x\": control character or invalid UTF-8");
  args[2] = "vm$(id)";
  CHECK(ParseInvocation(args, &inv).message() ==
        "--host \"vm$(id)\": only letters, digits, '_', '.', '-' and blanks");
  args = kBase;
  args.push_back("--host");
  args.push_back("x");
  CHECK(ParseInvocation(args, &inv).message() == "--host given twice");
  CHECK(ParseInvocation({"reboot"}, &inv).message() ==
        "unknown action \"reboot\": expected scale-up, scale-down or status");
}

TEST_CASE("invocation: every command line of the hostile corpus is rejected",
          "[remote][invocation]") {
  std::ifstream in(ZABITAN_REMOTE_CORPUS);
  REQUIRE(in);
  std::string line;
  size_t grammar = 0, later = 0;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    std::vector<std::string> args;
    for (const auto& hex : j.at("args_hex")) args.push_back(Unhex(hex.get<std::string>()));
    Invocation inv;
    auto s = ParseInvocation(args, &inv);
    INFO(j.at("why").get<std::string>());
    if (j.at("stage") == "grammar") {
      CHECK(s.code() == zabitan::remote_cmd::Errc::kBadArgument);
      CHECK(s.message().find('\n') == std::string::npos);
      CHECK(s.message().size() < 300);
      ++grammar;
    } else {
      CHECK(s.ok());  // rejected later, by the config or the policy (e2e)
      ++later;
    }
  }
  CHECK(grammar + later >= 300);
}
