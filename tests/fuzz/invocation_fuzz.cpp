// Fuzz target: zabitan-remote-cmd's command line (ParseInvocation), what a Zabbix action fills
// from macros that anyone able to name a host or a trigger can put text into.
//
// The input is the argument list, arguments separated by NUL bytes (an argument cannot hold
// one: argv is C strings).
//
// Properties (a violation aborts):
//  - ParseInvocation accepts exactly the command lines an independent reading of the grammar in
//    invocation.h accepts (its own UTF-8 decoder, its own option loop), and then holds exactly
//    the values that reading found;
//  - ValidUtf8NoControl agrees with that decoder on every argument;
//  - an accepted invocation, written back as a command line in the usual order, parses to the
//    same invocation;
//  - a rejection is one line of at most 512 bytes, valid UTF-8 without a control character
//    (what Zabbix shows in its action log).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_check.h"
#include "zabitan/remote_cmd/invocation.h"

namespace {

using zabitan::Status;
using namespace zabitan::remote_cmd;

// Well-formed UTF-8 (no overlong form, surrogate or code point past U+10FFFF) without C0, DEL
// or C1 controls.
bool Utf8NoControl(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
    uint32_t cp = 0;
    size_t n = 0;
    if (b(0) < 0x80) {
      cp = b(0), n = 1;
    } else if (b(0) >= 0xc2 && b(0) <= 0xdf) {
      cp = b(0) & 0x1fu, n = 2;
    } else if (b(0) >= 0xe0 && b(0) <= 0xef) {
      cp = b(0) & 0x0fu, n = 3;
    } else if (b(0) >= 0xf0 && b(0) <= 0xf4) {
      cp = b(0) & 0x07u, n = 4;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((b(k) & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (b(k) & 0x3fu);
    }
    const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < least[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return false;
    i += n;
  }
  return true;
}

bool OnlyChars(std::string_view s, std::string_view extra) {
  return std::all_of(s.begin(), s.end(), [extra](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           extra.find(c) != std::string_view::npos;
  });
}

bool IsId(std::string_view s) {
  if (s.empty() || s.size() > 20 ||
      !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  // At most 2^64 - 1, leading zeros allowed.
  std::string_view digits = s.substr(std::min(s.find_first_not_of('0'), s.size()));
  constexpr std::string_view kMax = "18446744073709551615";
  return digits.size() < kMax.size() || (digits.size() == kMax.size() && digits <= kMax);
}

bool IsConfigPath(std::string_view s) {
  if (s.empty() || s.size() > 255 || s.front() != '/' || !OnlyChars(s, "_./-")) return false;
  for (size_t at = 0; at != std::string_view::npos;) {
    size_t next = s.find('/', at + 1);
    if (s.substr(at + 1, next == std::string_view::npos ? std::string_view::npos : next - at - 1) ==
        "..") {
      return false;
    }
    at = next;
  }
  return true;
}

// The grammar of invocation.h, read independently: the invocation, or nothing.
std::optional<Invocation> Expected(const std::vector<std::string>& args) {
  if (args.empty() || args.size() > 32) return std::nullopt;
  for (const std::string& a : args) {
    if (a.size() > 1024 || !Utf8NoControl(a)) return std::nullopt;
  }
  Invocation inv;
  size_t i = 0;
  bool config_seen = false;
  if (args[0] == "--config") {
    if (args.size() < 3 || args[1].starts_with('-')) return std::nullopt;
    inv.config = args[1];
    config_seen = true;
    i = 2;
  }
  if (args[i] == "scale-up")
    inv.action = Action::kScaleUp;
  else if (args[i] == "scale-down")
    inv.action = Action::kScaleDown;
  else if (args[i] == "status")
    inv.action = Action::kStatus;
  else
    return std::nullopt;
  bool host = false, event = false, trigger = false, status = false, dry = false;
  for (++i; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--dry-run") {
      if (dry) return std::nullopt;
      dry = inv.dry_run = true;
      continue;
    }
    if (i + 1 >= args.size() || args[i + 1].starts_with('-')) return std::nullopt;
    const std::string& v = args[++i];
    auto once = [](bool* seen) { return !std::exchange(*seen, true); };
    bool severity = inv.severity.has_value(), value = inv.value.has_value();
    if (a == "--host" && once(&host))
      inv.host = v;
    else if (a == "--event-id" && once(&event))
      inv.event_id = v;
    else if (a == "--trigger-id" && once(&trigger))
      inv.trigger_id = v;
    else if (a == "--status" && once(&status))
      inv.status = v;
    else if (a == "--severity" && once(&severity))
      inv.severity = v;
    else if (a == "--value" && once(&value))
      inv.value = v;
    else if (a == "--config" && once(&config_seen))
      inv.config = v;
    else
      return std::nullopt;
  }
  if (!host || !event || !trigger || !status) return std::nullopt;
  if (inv.host.empty() || inv.host.size() > 128 || !OnlyChars(inv.host, "_. -") ||
      inv.host.front() == ' ' || inv.host.back() == ' ') {
    return std::nullopt;
  }
  if (!IsId(inv.event_id) || !IsId(inv.trigger_id)) return std::nullopt;
  if (inv.status != "PROBLEM" && inv.status != "OK") return std::nullopt;
  if (inv.severity) {
    const char* const kSeverities[] = {"Not classified", "Information", "Warning",
                                       "Average",        "High",        "Disaster"};
    if (std::none_of(std::begin(kSeverities), std::end(kSeverities),
                     [&](const char* s) { return *inv.severity == s; })) {
      return std::nullopt;
    }
  }
  if (inv.value && inv.value->size() > 255) return std::nullopt;
  if (inv.config && !IsConfigPath(*inv.config)) return std::nullopt;
  return inv;
}

bool Same(const Invocation& a, const Invocation& b) {
  return a.action == b.action && a.host == b.host && a.event_id == b.event_id &&
         a.trigger_id == b.trigger_id && a.status == b.status && a.severity == b.severity &&
         a.value == b.value && a.config == b.config && a.dry_run == b.dry_run;
}

std::vector<std::string> CommandLine(const Invocation& inv) {
  std::vector<std::string> args = {ActionName(inv.action), "--host",     inv.host,
                                   "--event-id",           inv.event_id, "--trigger-id",
                                   inv.trigger_id,         "--status",   inv.status};
  if (inv.severity) args.insert(args.end(), {"--severity", *inv.severity});
  if (inv.value) args.insert(args.end(), {"--value", *inv.value});
  if (inv.config) args.insert(args.end(), {"--config", *inv.config});
  if (inv.dry_run) args.push_back("--dry-run");
  return args;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> args;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (!input.empty()) {
    for (size_t at = 0;;) {
      size_t nul = input.find('\0', at);
      args.emplace_back(
          input.substr(at, nul == std::string_view::npos ? std::string_view::npos : nul - at));
      if (nul == std::string_view::npos) break;
      at = nul + 1;
    }
  }
  for (const std::string& a : args) CHECK(ValidUtf8NoControl(a) == Utf8NoControl(a));

  Invocation got;
  const Status s = ParseInvocation(args, &got);
  const std::optional<Invocation> want = Expected(args);
  CHECK(s.ok() == want.has_value());
  if (s.ok()) {
    CHECK(Same(got, *want));
    Invocation again;
    CHECK(ParseInvocation(CommandLine(got), &again).ok());
    CHECK(Same(again, got));
  } else {
    const std::string& m = s.message();
    CHECK(!m.empty() && m.size() <= 512);
    CHECK(Utf8NoControl(m));
  }
  return 0;
}
