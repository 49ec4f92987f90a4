#include "agent_config.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "zabitan/common/error.h"
#include "zabitan/common/trim.h"
#include "zabitan/sender/error.h"

namespace zabitan::sender {
namespace {}  // namespace

Status ParseAgentConfig(std::string_view text, const std::string& source, AgentConfig* config) {
  *config = AgentConfig();
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = TrimBlanks(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return Status::Error(source + ":" + std::to_string(line_no) + ": expected Key=Value",
                           Errc::kBadAgentConfig);
    }
    std::string key(TrimBlanks(line.substr(0, eq)));
    std::string value(TrimBlanks(line.substr(eq + 1)));
    if (key == "ServerActive") {
      config->server_active = value;
    } else if (key == "Hostname") {
      // Like zabbix_sender: the first name of a comma-separated list.
      config->hostname = value.substr(0, value.find(','));
    } else if (key == "SourceIP") {
      config->source_ip = value;
    } else if (key.starts_with("TLS")) {
      config->tls[key] = value;
    }
  }
  return Status::Ok();
}

Status ReadAgentConfig(const std::string& path, AgentConfig* config) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ErrnoError(path);
  std::ostringstream text;
  text << in.rdbuf();
  return ParseAgentConfig(text.str(), path, config);
}

}  // namespace zabitan::sender
