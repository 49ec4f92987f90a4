// Fuzz target: zabitan-sstp's --ssh USER@HOST[:PORT] (also USER@[IPV6]:PORT), outside input
// from the command line or the [sstp] section of the config, read by ParseSshDestination.
//
// The whole input is the destination.
//
// Properties (a violation aborts):
//  - only user, host and port are written: every other field of SshOptions keeps its default;
//  - on success the user is everything before the last '@' and non-empty; the host is non-empty
//    and has no '@'; neither has a blank or control byte; user and host together are shorter
//    than the input; the port is 22 or the input ends with its decimal form;
//  - on success, written back as USER@HOST:PORT (the host in brackets when it holds ':' or
//    starts with '[') it parses to the same user, host and port, and writes back the same;
//  - an error is one line of at most 1,024 bytes, valid UTF-8 without a control character,
//    starting with --ssh " (the input quoted through Printable).
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "sstp-notify/src/ssh_transport.h"
#include "zabitan/sstp_notify/error.h"

namespace {

using zabitan::Status;
using zabitan::sstp_notify::ParseSshDestination;
using zabitan::sstp_notify::SshOptions;

std::string Render(const SshOptions& o) {
  const bool bracket = o.host.find(':') != std::string::npos || o.host.starts_with('[');
  return o.user + "@" + (bracket ? "[" + o.host + "]" : o.host) + ":" + std::to_string(o.port);
}

bool NoBlankOrControl(const std::string& s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return false;
  }
  return true;
}

bool NoControl(const std::string& s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < ' ' || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // In its own allocation, so that ASan sees any read past the end.
  const std::string text(reinterpret_cast<const char*>(data), size);
  SshOptions o;
  const SshOptions defaults;
  Status s = ParseSshDestination(text, &o);

  CHECK(o.identity == defaults.identity && o.known_hosts == defaults.known_hosts);
  CHECK(o.accept_new_host_key == defaults.accept_new_host_key);
  CHECK(o.target_host == defaults.target_host && o.target_port == defaults.target_port);
  CHECK(o.keepalive_seconds == defaults.keepalive_seconds);

  if (!s.ok()) {
    const std::string& m = s.message();
    CHECK(!m.empty() && m.size() <= 1024);
    CHECK(m.starts_with("--ssh \""));
    CHECK(s.code() == zabitan::sstp_notify::Errc::kBadDestination);
    CHECK(NoControl(m));
    CHECK(ValidUtf8(m));
    return 0;
  }

  const size_t at = text.rfind('@');
  CHECK(at != std::string::npos && at > 0);
  CHECK(o.user == text.substr(0, at));
  CHECK(!o.host.empty() && o.host.find('@') == std::string::npos);
  CHECK(NoBlankOrControl(o.user) && NoBlankOrControl(o.host));
  CHECK(o.user.size() + o.host.size() < text.size());
  CHECK(o.port >= 1);
  CHECK(o.port == 22 || text.ends_with(std::to_string(o.port)));
  CHECK(!text.ends_with(':'));  // a colon promises a port

  const std::string rendered = Render(o);
  SshOptions again;
  Status s2 = ParseSshDestination(rendered, &again);
  CHECK(s2.ok());
  CHECK(again.user == o.user && again.host == o.host && again.port == o.port);
  CHECK(Render(again) == rendered);
  return 0;
}
