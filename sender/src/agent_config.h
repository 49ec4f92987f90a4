// zabitan — the parts of a zabbix_agentd.conf that zabbix_sender -c reads.
//
// Lines are Key=Value; '#' starts a comment line; unknown keys are ignored, as zabbix_sender
// does. Read: ServerActive, Hostname (the first of a comma list), SourceIP and the TLS* keys.
//
//   zabitan::sender::AgentConfig conf;
//   zabitan::Status s = zabitan::sender::ReadAgentConfig("/etc/zabbix/zabbix_agentd.conf", &conf);
#ifndef ZABITAN_SENDER_AGENT_CONFIG_H_
#define ZABITAN_SENDER_AGENT_CONFIG_H_

#include <map>
#include <optional>
#include <string>

#include "zabitan/common/status.h"

namespace zabitan::sender {

struct AgentConfig {
  std::optional<std::string> server_active;
  std::optional<std::string> hostname;
  std::optional<std::string> source_ip;
  std::map<std::string, std::string> tls;  // TLSConnect, TLSPSKFile, ... as written
};

Status ReadAgentConfig(const std::string& path, AgentConfig* config);
Status ParseAgentConfig(std::string_view text, const std::string& source, AgentConfig* config);

}  // namespace zabitan::sender

#endif  // ZABITAN_SENDER_AGENT_CONFIG_H_
