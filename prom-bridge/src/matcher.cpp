// zabitan — label matchers (matcher.h).
#include "zabitan/prom_bridge/matcher.h"

#include <regex.h>

#include <cctype>

namespace zabitan::prom_bridge {

// regex_t is a C handle: compiled once, freed once, shared read-only (regexec is thread-safe).
struct LabelMatcher::Regex {
  regex_t re{};
  bool compiled = false;
  Regex() = default;
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;
  ~Regex() {
    if (compiled) regfree(&re);
  }
};

namespace {

bool NameChar(char c, bool first) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
         (!first && std::isdigit(static_cast<unsigned char>(c)));
}

}  // namespace

Status LabelMatcher::Parse(std::string_view text, LabelMatcher* out) {
  auto bad = [&](const std::string& why) {
    return Status::Error("label matcher " + std::string(text) + ": " + why +
                         " (write name=\"value\", !=, =~ or !~)");
  };
  size_t i = 0;
  while (i < text.size() && text[i] == ' ') ++i;
  size_t start = i;
  while (i < text.size() && NameChar(text[i], i == start)) ++i;
  if (i == start) return bad("no label name");
  LabelMatcher m;
  m.name_ = std::string(text.substr(start, i - start));
  while (i < text.size() && text[i] == ' ') ++i;
  std::string_view rest = text.substr(i);
  size_t op_len = 2;
  if (rest.starts_with("!=")) {
    m.op_ = Op::kNotEqual;
  } else if (rest.starts_with("=~")) {
    m.op_ = Op::kRegex;
  } else if (rest.starts_with("!~")) {
    m.op_ = Op::kNotRegex;
  } else if (rest.starts_with("=")) {
    m.op_ = Op::kEqual;
    op_len = 1;
  } else {
    return bad("no operator after the name");
  }
  i += op_len;
  while (i < text.size() && text[i] == ' ') ++i;
  if (i >= text.size() || text[i] != '"') return bad("the value is not quoted");
  for (++i;; ++i) {
    if (i >= text.size()) return bad("the value's quote is not closed");
    char c = text[i];
    if (c == '"') break;
    if (c == '\\' && i + 1 < text.size()) {
      c = text[++i];
      if (c == 'n') c = '\n';
    }
    m.value_ += c;
  }
  for (++i; i < text.size(); ++i) {
    if (text[i] != ' ') return bad("text after the value");
  }
  if (m.op_ == Op::kRegex || m.op_ == Op::kNotRegex) {
    auto regex = std::make_shared<Regex>();
    const std::string anchored = "^(" + m.value_ + ")$";
    int rc = regcomp(&regex->re, anchored.c_str(), REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
      char why[256];
      regerror(rc, &regex->re, why, sizeof why);
      return bad(std::string("bad regular expression: ") + why);
    }
    regex->compiled = true;
    m.regex_ = std::move(regex);
  }
  *out = std::move(m);
  return Status::Ok();
}

bool LabelMatcher::Matches(std::string_view value) const {
  switch (op_) {
    case Op::kEqual:
      return value == value_;
    case Op::kNotEqual:
      return value != value_;
    default: {
      // regexec needs a terminated string; label values are short.
      const std::string v(value);
      bool hit = regexec(&regex_->re, v.c_str(), 0, nullptr, 0) == 0;
      return op_ == Op::kRegex ? hit : !hit;
    }
  }
}

Status ParseMatchers(const std::vector<std::string>& texts, std::vector<LabelMatcher>* out) {
  out->clear();
  for (const std::string& t : texts) {
    LabelMatcher m;
    if (Status s = LabelMatcher::Parse(t, &m); !s.ok()) return s;
    out->push_back(std::move(m));
  }
  return Status::Ok();
}

bool MatchAll(const std::vector<LabelMatcher>& matchers,
              const std::vector<std::pair<std::string, std::string>>& labels) {
  for (const LabelMatcher& m : matchers) {
    std::string_view value;
    for (const auto& [n, v] : labels) {
      if (n == m.name()) value = v;
    }
    if (!m.Matches(value)) return false;
  }
  return true;
}

}  // namespace zabitan::prom_bridge
