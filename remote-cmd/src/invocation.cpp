#include "zabitan/remote_cmd/invocation.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <string_view>

#include "zabitan/common/printable.h"
#include "zabitan/common/utf8.h"
#include "zabitan/remote_cmd/error.h"

namespace zabitan::remote_cmd {
namespace {

constexpr size_t kMaxArgs = 32;
constexpr size_t kMaxArgBytes = 1024;

// Arguments are quoted in errors, printable and short: the error line is what Zabbix shows.
std::string Quote(std::string_view arg) { return "\"" + Printable(arg, 60) + "\""; }

Status Rejected(std::string line) { return Status::Error(std::move(line), Errc::kBadArgument); }

Status CheckHost(const std::string& v) {
  if (v.empty() || v.size() > 128) return Rejected("--host: 1 to 128 characters");
  for (char c : v) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              c == '_' || c == '.' || c == ' ' || c == '-';
    if (!ok)
      return Rejected("--host " + Quote(v) + ": only letters, digits, '_', '.', '-' and blanks");
  }
  if (v.front() == ' ' || v.back() == ' ')
    return Rejected("--host " + Quote(v) + ": blank at an end");
  return Status::Ok();
}

Status CheckId(const char* option, const std::string& v) {
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  bool digits = !v.empty() && v.size() <= 20;
  for (char c : v) digits = digits && c >= '0' && c <= '9';
  if (!digits || ec != std::errc() || end != v.data() + v.size()) {
    return Rejected(std::string(option) + " " + Quote(v) + ": expected a number (digits only)");
  }
  return Status::Ok();
}

Status CheckConfigPath(const std::string& v) {
  if (v.empty() || v.size() > 255 || v.front() != '/')
    return Rejected("--config " + Quote(v) + ": expected an absolute path");
  for (char c : v) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              c == '_' || c == '.' || c == '/' || c == '-';
    if (!ok)
      return Rejected("--config " + Quote(v) + ": only letters, digits, '_', '.', '-' and '/'");
  }
  std::string_view rest = v;
  while (!rest.empty()) {
    size_t slash = rest.find('/', 1);
    std::string_view part =
        rest.substr(1, slash == std::string_view::npos ? std::string_view::npos : slash - 1);
    if (part == "..") return Rejected("--config " + Quote(v) + ": \"..\" is not allowed");
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash);
  }
  return Status::Ok();
}

}  // namespace

bool ValidUtf8NoControl(std::string_view s) {
  if (!IsValidUtf8(s)) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return false;  // C0, DEL
    if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) < 0xa0)
      return false;  // C1
  }
  return true;
}

const char* ActionName(Action action) {
  switch (action) {
    case Action::kScaleUp:
      return "scale-up";
    case Action::kScaleDown:
      return "scale-down";
    case Action::kStatus:
      return "status";
  }
  return "?";
}

Status ParseInvocation(const std::vector<std::string>& args, Invocation* inv) {
  *inv = Invocation();
  if (args.empty()) return Rejected("no action: expected scale-up, scale-down or status");
  if (args.size() > kMaxArgs)
    return Rejected(std::to_string(args.size()) + " arguments: at most " +
                    std::to_string(kMaxArgs));
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string where = "argument " + std::to_string(i + 1);
    if (a.size() > kMaxArgBytes)
      return Rejected(where + ": longer than " + std::to_string(kMaxArgBytes) + " bytes");
    if (a.find('\0') != std::string::npos) return Rejected(where + ": NUL byte");
    if (!ValidUtf8NoControl(a))
      return Rejected(where + " " + Quote(a) + ": control character or invalid UTF-8");
  }
  // `--config FILE` may come before the action, as in the usage line; every other option after.
  size_t action_at = 0;
  if (args[0] == "--config") {
    if (args.size() < 3) return Rejected("--config FILE must be followed by the action");
    if (args[1].starts_with('-'))
      return Rejected("--config " + Quote(args[1]) + ": a value may not start with '-'");
    inv->config = args[1];
    action_at = 2;
  }
  const std::string& action = args[action_at];
  if (action == "scale-up") {
    inv->action = Action::kScaleUp;
  } else if (action == "scale-down") {
    inv->action = Action::kScaleDown;
  } else if (action == "status") {
    inv->action = Action::kStatus;
  } else {
    return Rejected("unknown action " + Quote(action) +
                    ": expected scale-up, scale-down or status");
  }
  struct Option {
    const char* name;
    std::string* string_slot;
    std::optional<std::string>* optional_slot;
    bool seen = false;
  };
  std::array<Option, 7> options = {{{"--host", &inv->host, nullptr},
                                    {"--event-id", &inv->event_id, nullptr},
                                    {"--trigger-id", &inv->trigger_id, nullptr},
                                    {"--status", &inv->status, nullptr},
                                    {"--severity", nullptr, &inv->severity},
                                    {"--value", nullptr, &inv->value},
                                    {"--config", nullptr, &inv->config}}};
  options.back().seen = action_at != 0;
  bool dry_run_seen = false;
  for (size_t i = action_at + 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--dry-run") {
      if (dry_run_seen) return Rejected("--dry-run given twice");
      dry_run_seen = inv->dry_run = true;
      continue;
    }
    Option* option = nullptr;
    for (Option& o : options) {
      if (a == o.name) option = &o;
    }
    if (option == nullptr) return Rejected("unknown argument " + Quote(a));
    if (option->seen) return Rejected(std::string(option->name) + " given twice");
    option->seen = true;
    if (i + 1 >= args.size()) return Rejected(std::string(option->name) + ": missing its value");
    const std::string& v = args[++i];
    if (v.starts_with('-')) {
      return Rejected(std::string(option->name) + " " + Quote(v) +
                      ": a value may not start with '-'");
    }
    if (option->string_slot) *option->string_slot = v;
    if (option->optional_slot) *option->optional_slot = v;
  }
  for (const Option& o : options) {
    if (o.string_slot && !o.seen) return Rejected(std::string(o.name) + " is required");
  }
  if (Status s = CheckHost(inv->host); !s.ok()) return s;
  if (Status s = CheckId("--event-id", inv->event_id); !s.ok()) return s;
  if (Status s = CheckId("--trigger-id", inv->trigger_id); !s.ok()) return s;
  if (inv->status != "PROBLEM" && inv->status != "OK") {
    return Rejected("--status " + Quote(inv->status) + ": expected PROBLEM or OK");
  }
  if (inv->severity) {
    bool known = false;
    for (const char* s :
         {"Not classified", "Information", "Warning", "Average", "High", "Disaster"}) {
      known = known || *inv->severity == s;
    }
    if (!known) {
      return Rejected("--severity " + Quote(*inv->severity) +
                      ": expected Not classified, Information, Warning, Average, High or Disaster");
    }
  }
  if (inv->value && inv->value->size() > 255) return Rejected("--value: longer than 255 bytes");
  if (inv->config) {
    if (Status s = CheckConfigPath(*inv->config); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace zabitan::remote_cmd
