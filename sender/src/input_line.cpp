#include "zabitan/sender/input_line.h"

#include <charconv>

namespace zabitan::sender {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// Reads one field starting at *p (leading blanks skipped) and moves *p past the blanks that
// follow it. Returns false for an unterminated quote or a quote not followed by a blank.
// This is zabbix_sender's get_string(), state for state.
bool ReadField(std::string_view* p, std::string* out) {
  out->clear();
  std::string_view s = *p;
  size_t i = 0;
  while (i < s.size() && IsBlank(s[i])) ++i;
  if (i < s.size() && s[i] == '"') {
    for (++i; i < s.size(); ++i) {
      char c = s[i];
      if (c == '"') {
        if (i + 1 < s.size() && !IsBlank(s[i + 1])) return false;
        ++i;
        while (i < s.size() && IsBlank(s[i])) ++i;
        *p = s.substr(i);
        return true;
      }
      if (c == '\\' && i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\\')) {
        out->push_back(s[++i]);
      } else if (c == '\\' && i + 1 < s.size() && s[i + 1] == 'n') {
        out->push_back('\n');
        ++i;
      } else {
        out->push_back(c);
      }
    }
    return false;  // missing closing quote
  }
  size_t start = i;
  while (i < s.size() && !IsBlank(s[i])) ++i;
  out->assign(s.substr(start, i - start));
  while (i < s.size() && IsBlank(s[i])) ++i;
  *p = s.substr(i);
  return true;
}

template <typename T>
bool ParseUint(const std::string& text, T max, T* out) {
  if (text.empty()) return false;
  T v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v > max) return false;
  *out = v;
  return true;
}

}  // namespace

Status ParseInputLine(std::string_view line, const InputFormat& format, Value* value) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  std::string_view p = line;
  std::string field;

  if (!ReadField(&p, &field) || field.empty()) return Status::Error("'Hostname' required");
  if (field == "-") {
    if (!format.default_host) {
      return Status::Error("'-' given as host name, but no host name was specified with -s or the configuration file");
    }
    value->host = *format.default_host;
  } else {
    value->host = field;
  }

  if (!ReadField(&p, &field) || field.empty()) return Status::Error("'Key' required");
  value->key = field;

  value->clock.reset();
  value->ns.reset();
  if (format.with_timestamps) {
    uint32_t clock;
    if (!ReadField(&p, &field) || field.empty()) return Status::Error("'Timestamp' required");
    if (!ParseUint(field, kMaxClock, &clock)) {
      return Status::Error("invalid 'Timestamp' value \"" + field + "\"");
    }
    value->clock = clock;
    if (format.with_ns) {
      uint32_t ns;
      if (!ReadField(&p, &field) || field.empty()) return Status::Error("'Timestamp ns' required");
      if (!ParseUint(field, kMaxNs, &ns)) {
        return Status::Error("invalid 'Timestamp ns' value \"" + field + "\"");
      }
      value->ns = ns;
    }
  }

  if (p.empty()) return Status::Error("'Key value' required");
  if (p.front() != '"') {
    value->value = std::string(p);  // unquoted: the rest of the line, blanks and all
    return Status::Ok();
  }
  if (!ReadField(&p, &field)) return Status::Error("'Key value' required");
  if (!p.empty()) return Status::Error("too many parameters");
  value->value = field;
  return Status::Ok();
}

}  // namespace zabitan::sender
