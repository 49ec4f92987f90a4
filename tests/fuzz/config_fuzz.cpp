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
// Tags for ZABITAN_FUZZ_TOLERATE: error-newline; toml-unreachable (see below).
//
// Known bug of a dependency: toml++ 3.3.0 (Debian 12's libtomlplusplus) reaches
// TOML_UNREACHABLE, i.e. undefined behaviour, when it asks whether a code point in
// U+00A1..U+0499, U+2D3E..U+3137 (but U+3000) or U+FB26..U+FEFE is whitespace, e.g. in
// "a\xc3\x84 = 1" (upstream marzer/tomlplusplus#190 and #295, fixed by #305 after 3.3.0).
// Config::Parse refuses non-ASCII outside strings and comments before toml++ sees the text;
// this target checks that this is enough (UBSan stops at any UB left). With
// ZABITAN_FUZZ_TOLERATE=toml-unreachable, a text holding such a code point is not given to
// the TOML parser (ParseAgentConfig still gets it), to look past a known hole.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "zabitan/common/config.h"
#include "zabitan/sender/agent_config.h"

namespace {

using zabitan::Status;

const std::string kTomlSource = "/etc/zabitan/zabitan.toml";
const std::string kAgentSource = "/etc/zabbix/zabbix_agentd.conf";

// The [sender] keys zabitan-sender knows (sender/cli/options.cpp).
const std::vector<std::string_view> kSenderKeys = {
    "agent_config", "zabbix_server", "port", "source_address", "timeout", "host",
    "batch_size", "connections", "compress", "verbose", "syslog",
    "tls_connect", "tls_ca_file", "tls_crl_file", "tls_server_cert_issuer",
    "tls_server_cert_subject", "tls_cert_file", "tls_key_file", "tls_psk_identity",
    "tls_psk_file", "tls_cipher13", "tls_cipher"};

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
bool LeftTrimmed(const std::string& s) { return s.empty() || (s.front() != ' ' && s.front() != '\t'); }
// toml++ 3.3.0's is_non_ascii_horizontal_whitespace(), minus its bug: true for the code points
// that reach its TOML_UNREACHABLE (U+00A1..U+0499, U+2D3E..U+3137 but U+3000, U+FB26..U+FEFE).
bool TomlCannotClassify(char32_t c) {
  if (c < 0xa0 || c > 0xfeff) return false;
  const uint64_t child = (static_cast<uint64_t>(c) - 0xa0) / 0x3fa;
  if ((1ull << child) & 0x7ffffffffffff75eull) return false;
  if (c == 0xa0 || c == 0x3000 || c == 0xfeff) return false;
  return child != 0x05 && child != 0x07;
}

// true when `s` holds such a code point, UTF-8 encoded (overlong forms count too: the filter
// errs on the side of skipping).
bool HitsTomlUnreachable(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    auto cont = [&](size_t k) { return k < s.size() && (byte(k) & 0xc0) == 0x80; };
    char32_t cp;
    if ((byte(i) & 0xe0) == 0xc0 && cont(i + 1)) {
      cp = static_cast<char32_t>(((byte(i) & 0x1f) << 6) | (byte(i + 1) & 0x3f));
    } else if ((byte(i) & 0xf0) == 0xe0 && cont(i + 1) && cont(i + 2)) {
      cp = static_cast<char32_t>(((byte(i) & 0x0f) << 12) | ((byte(i + 1) & 0x3f) << 6) |
                                 (byte(i + 2) & 0x3f));
    } else {
      continue;
    }
    if (TomlCannotClassify(cp)) return true;
  }
  return false;
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
  if (!(Tolerated("toml-unreachable") && HitsTomlUnreachable(text))) FuzzToml(text);
  FuzzAgentConfig(text);
  return 0;
}
