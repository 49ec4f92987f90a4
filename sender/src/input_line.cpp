#include "zabitan/sender/input_line.h"

#include <charconv>

#include "zabitan/common/printable.h"
#include "zabitan/sender/error.h"

namespace zabitan::sender {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// Reads one field starting at *p (leading blanks skipped) and moves *p past the blanks that
// follow it. Returns false for an unterminated quote or a quote not followed by a blank.
// This is zabbix_sender's get_string(), state for state.
bool ReadField(std::string_view* p, std::string* scratch, std::string_view* field) {
  const char* s = p->data();
  const char* const end = s + p->size();
  while (s < end && IsBlank(*s)) ++s;
  if (s < end && *s == '"') {
    scratch->clear();
    for (++s; s < end; ++s) {
      const char* run = s;  // copy runs of plain characters at once
      while (s < end && *s != '"' && *s != '\\') ++s;
      scratch->append(run, static_cast<size_t>(s - run));
      if (s == end) break;
      if (*s == '"') {
        if (s + 1 < end && !IsBlank(s[1])) return false;
        ++s;
        while (s < end && IsBlank(*s)) ++s;
        *p = std::string_view(s, static_cast<size_t>(end - s));
        *field = *scratch;
        return true;
      }
      // A backslash: \" \\ and \n are escapes; any other backslash is itself.
      if (s + 1 < end && (s[1] == '"' || s[1] == '\\')) {
        scratch->push_back(*++s);
      } else if (s + 1 < end && s[1] == 'n') {
        scratch->push_back('\n');
        ++s;
      } else {
        scratch->push_back('\\');
      }
    }
    return false;  // missing closing quote
  }
  const char* start = s;
  while (s < end && !IsBlank(*s)) ++s;
  *field = std::string_view(start, static_cast<size_t>(s - start));
  while (s < end && IsBlank(*s)) ++s;
  *p = std::string_view(s, static_cast<size_t>(end - s));
  return true;
}

template <typename T>
bool ParseUint(std::string_view text, T max, T* out) {
  if (text.empty()) return false;
  T v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v > max) return false;
  *out = v;
  return true;
}

}  // namespace

Status InputLineParser::Parse(std::string_view line, ValueView* value) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  std::string_view p = line;

  if (!ReadField(&p, &host_, &value->host) || value->host.empty()) {
    return Status::Error("'Hostname' required", Errc::kBadInputLine);
  }
  if (value->host == "-") {
    if (!format_.default_host) {
      return Status::Error(
          "'-' given as host name, but no host name was specified with -s or the configuration "
          "file",
          Errc::kBadInputLine);
    }
    value->host = *format_.default_host;
  }

  if (!ReadField(&p, &key_, &value->key) || value->key.empty())
    return Status::Error("'Key' required", Errc::kBadInputLine);

  value->clock.reset();
  value->ns.reset();
  std::string_view field;
  if (format_.with_timestamps) {
    uint32_t clock;
    if (!ReadField(&p, &number_, &field) || field.empty())
      return Status::Error("'Timestamp' required", Errc::kBadInputLine);
    if (!ParseUint(field, kMaxClock, &clock)) {
      return Status::Error("invalid 'Timestamp' value \"" + Printable(field, 100) + "\"",
                           Errc::kBadInputLine);
    }
    value->clock = clock;
    if (format_.with_ns) {
      uint32_t ns;
      if (!ReadField(&p, &number_, &field) || field.empty())
        return Status::Error("'Timestamp ns' required", Errc::kBadInputLine);
      if (!ParseUint(field, kMaxNs, &ns)) {
        return Status::Error("invalid 'Timestamp ns' value \"" + Printable(field, 100) + "\"",
                             Errc::kBadInputLine);
      }
      value->ns = ns;
    }
  }

  if (p.empty()) return Status::Error("'Key value' required", Errc::kBadInputLine);
  if (p.front() != '"') {
    value->value = p;  // unquoted: the rest of the line, blanks and all
    return Status::Ok();
  }
  if (!ReadField(&p, &value_, &value->value))
    return Status::Error("'Key value' required", Errc::kBadInputLine);
  if (!p.empty()) return Status::Error("too many parameters", Errc::kBadInputLine);
  return Status::Ok();
}

namespace {

// A field as the grammar reads it back: bare when it has no blank, quote or backslash and is
// not empty, else quoted with \" \\ \n escapes.
void AppendField(std::string_view text, std::string* out) {
  bool bare = !text.empty() && text.find_first_of(" \t\"\\\n\r") == std::string_view::npos;
  if (bare) {
    out->append(text);
    return;
  }
  out->push_back('"');
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (c == '\n') {
      out->append("\\n");
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

}  // namespace

std::string FormatInputLine(const Value& v) {
  std::string line;
  AppendField(v.host, &line);
  line.push_back(' ');
  AppendField(v.key, &line);
  if (v.clock) {
    line += ' ' + std::to_string(*v.clock);
    if (v.ns) line += ' ' + std::to_string(*v.ns);
  }
  line.push_back(' ');
  AppendField(v.value, &line);
  return line;
}

Status ParseInputLine(std::string_view line, const InputFormat& format, Value* value) {
  InputLineParser parser(format);
  ValueView view;
  Status s = parser.Parse(line, &view);
  if (!s.ok()) return s;
  *value = Value{std::string(view.host), std::string(view.key), std::string(view.value), view.clock,
                 view.ns};
  return Status::Ok();
}

}  // namespace zabitan::sender
