#include "zabitan/remote_cmd/audit.h"

#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using zabitan::remote_cmd::AuditLine;
using zabitan::remote_cmd::AuditRecord;

TEST_CASE("audit: a hostile command line is recorded bounded, under syslog's limit",
          "[remote][audit]") {
  AuditRecord r;
  for (int i = 0; i < 40; ++i) r.args.push_back(std::string(1024, static_cast<char>('a' + i % 26)));
  r.outcome = "rejected";
  r.detail = "rejected: " + std::string(5000, 'd');
  r.decision = std::string(5000, 'x');
  const std::string line = AuditLine(r);
  CHECK(line.size() < 4096);
  const auto j = nlohmann::json::parse(line);
  const auto& args = j.at("args");
  REQUIRE(args.size() >= 2);
  CHECK(args[0].get<std::string>().starts_with(std::string(100, 'a')));
  CHECK(args[0].get<std::string>().ends_with("\u2026(1024 bytes)"));
  CHECK(args.back().get<std::string>().ends_with("more arguments)"));
  CHECK(j.at("detail").get<std::string>().ends_with("(5010 bytes)"));
  CHECK(j.at("decision").get<std::string>().ends_with("(5000 bytes)"));
}

TEST_CASE("audit: a long argument is cut between characters, a short one kept whole",
          "[remote][audit]") {
  AuditRecord r;
  std::string wide;
  for (int i = 0; i < 100; ++i) wide += "\xe3\x81\x82";  // あ: 3 bytes each
  r.args = {"scale-up", wide};
  const auto j = nlohmann::json::parse(AuditLine(r));
  CHECK(j.at("args")[0] == "scale-up");
  const std::string cut = j.at("args")[1].get<std::string>();
  CHECK(cut.find("\xef\xbf\xbd") == std::string::npos);  // no replacement character: no split
  CHECK(cut.ends_with("(300 bytes)"));
}
