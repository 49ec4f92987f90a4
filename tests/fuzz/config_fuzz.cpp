// Fuzz target: the two configuration files the sender reads, from the same text.
//
//   text → zabitan::Config::Parse (TOML) → Section("sender") → CheckKnownKeys, Get* of every key
//   text → zabitan::sender::ParseAgentConfig (zabbix_agentd.conf)
//
// Properties (a violation aborts):
//  - every error is a non-empty message of one line (no '\n'), starting with "file:";
//    a TOML syntax error names "file:line:";
//  - nothing but Status comes out: no exception escapes Config::Parse;
//  - GetInt returns a value within the bounds asked for;
//  - an agentd config's values are trimmed as zabbix trims them, one line each, Hostname holds
//    no ',' and the TLS map holds TLS* keys only.
// Tags for ZABITAN_FUZZ_TOLERATE: error-newline.
//
// toml++ 3.3.0 (Debian 12's libtomlplusplus) reaches TOML_UNREACHABLE, undefined behaviour, on
// some code points (upstream marzer/tomlplusplus#190, #295); Config::Parse keeps them from it
// (common/src/config.cpp) and UBSan, on in this build, stops at any that gets through.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "sender/src/agent_config.h"
#include "zabitan/common/config.h"

namespace {

using zabitan::Status;

const std::string kTomlSource = "/etc/zabitan/zabitan.toml";
const std::string kAgentSource = "/etc/zabbix/zabbix_agentd.conf";

// The [sender] keys zabitan-sender knows (sender/cli/options.cpp).
const std::vector<std::string_view> kSenderKeys = {"agent_config",
                                                   "zabbix_server",
                                                   "port",
                                                   "source_address",
                                                   "timeout",
                                                   "host",
                                                   "batch_size",
                                                   "connections",
                                                   "compress",
                                                   "verbose",
                                                   "syslog",
                                                   "tls_connect",
                                                   "tls_ca_file",
                                                   "tls_crl_file",
                                                   "tls_server_cert_issuer",
                                                   "tls_server_cert_subject",
                                                   "tls_cert_file",
                                                   "tls_key_file",
                                                   "tls_psk_identity",
                                                   "tls_psk_file",
                                                   "tls_cipher13",
                                                   "tls_cipher"};

void CheckError(const Status& s, const std::string& source) {
  CHECK(!s.ok());
  CHECK(!s.message().empty());
  if (s.message().find('\n') != std::string::npos && !Tolerated("error-newline")) {
    std::fprintf(stderr, "multi-line error: [%s]\n", s.message().c_str());
  }
  CHECK_OR_TOLERATE("error-newline", s.message().find('\n') == std::string::npos);
  CHECK(s.message().starts_with(source + ":"));
}

// As zabbix's config reader trims: " \t" in front, " \t\r" at the end.
bool LeftTrimmed(const std::string& s) {
  return s.empty() || (s.front() != ' ' && s.front() != '\t');
}
bool Trimmed(const std::string& s) {
  return LeftTrimmed(s) && (s.empty() || (s.back() != ' ' && s.back() != '\t' && s.back() != '\r'));
}

void FuzzToml(std::string_view text) {
  zabitan::Config config;
  Status s;
  try {
    s = zabitan::Config::Parse(text, kTomlSource, &config);
  } catch (...) {
    std::fprintf(stderr, "an exception escaped Config::Parse\n");
    std::abort();
  }
  if (!s.ok()) {
    CheckError(s, kTomlSource);
    // "file:line: reason", line a number
    std::string_view rest = std::string_view(s.message()).substr(kTomlSource.size() + 1);
    CHECK(!rest.empty() && rest[0] >= '0' && rest[0] <= '9');
    return;
  }
  for (std::string_view name : {"sender", "vmware", "remote_cmd", "sstp"}) {
    zabitan::ConfigSection section;
    s = config.Section(name, &section);
    if (!s.ok()) {
      CheckError(s, kTomlSource);
      continue;
    }
    s = section.CheckKnownKeys(kSenderKeys);
    if (!s.ok()) CheckError(s, kTomlSource);
    for (std::string_view key : kSenderKeys) {
      std::optional<std::string> str;
      s = section.GetString(key, &str);
      if (!s.ok()) CheckError(s, kTomlSource);
      std::optional<int64_t> n;
      s = section.GetInt(key, 1, 300, &n);
      if (!s.ok()) CheckError(s, kTomlSource);
      if (n) CHECK(*n >= 1 && *n <= 300);
      s = section.GetInt(key, INT64_MIN, INT64_MAX, &n);
      if (!s.ok()) CheckError(s, kTomlSource);
      std::optional<bool> b;
      s = section.GetBool(key, &b);
      if (!s.ok()) CheckError(s, kTomlSource);
    }
  }
}

void FuzzAgentConfig(std::string_view text) {
  zabitan::sender::AgentConfig config;
  Status s = zabitan::sender::ParseAgentConfig(text, kAgentSource, &config);
  if (!s.ok()) {
    CheckError(s, kAgentSource);
    return;
  }
  for (const auto* v : {&config.server_active, &config.source_ip}) {
    if (!*v) continue;
    CHECK(Trimmed(**v));
    CHECK((*v)->find('\n') == std::string::npos);
  }
  // The first name of a list, cut at the ',' as zabbix_sender does ("a ,b" gives "a ").
  if (config.hostname) {
    CHECK(LeftTrimmed(*config.hostname));
    CHECK(config.hostname->find_first_of(",\n") == std::string::npos);
  }
  for (const auto& [key, value] : config.tls) {
    CHECK(key.starts_with("TLS"));
    CHECK(Trimmed(key) && Trimmed(value));
    CHECK(key.find('\n') == std::string::npos && value.find('\n') == std::string::npos);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // In its own allocation, so that ASan sees any read past the end.
  const std::string text(reinterpret_cast<const char*>(data), size);
  FuzzToml(text);
  FuzzAgentConfig(text);
  return 0;
}
