#include "sender/src/agent_config.h"

#include <catch2/catch.hpp>

using namespace zabitan::sender;

TEST_CASE("agent config: the keys zabbix_sender reads", "[agent_config]") {
  AgentConfig c;
  REQUIRE(ParseAgentConfig("# comment\nServerActive=a;b,c:10052\nHostname=h1,h2\r\n"
                           "SourceIP=127.0.0.1\nTLSConnect=psk\nLogFile=/tmp/x\n\n",
                           "agentd.conf", &c)
              .ok());
  CHECK(*c.server_active == "a;b,c:10052");
  CHECK(*c.hostname == "h1");
  CHECK(*c.source_ip == "127.0.0.1");
  CHECK(c.tls.at("TLSConnect") == "psk");
}

TEST_CASE("agent config: a line without '=' names file and line", "[agent_config]") {
  AgentConfig c;
  auto s = ParseAgentConfig("Hostname=h\nbroken\n", "agentd.conf", &c);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message() == "agentd.conf:2: expected Key=Value");
}
