// zabitan — label matchers, as in a PromQL selector: name="value", name!="value",
// name=~"regex", name!~"regex". A regex matches the whole value (anchored, as PromQL's), in
// POSIX extended syntax (RE2's everyday subset: alternation, classes, repetition); an absent
// label has the value "" (so env="" keeps the series without env). A series is kept when every
// matcher of its target matches. Intentionally copyable (the compiled regex is shared);
// Matches is safe from several threads.
//
// Example:
//   std::vector<zabitan::prom_bridge::LabelMatcher> m;
//   zabitan::Status s = zabitan::prom_bridge::ParseMatchers({"job=\"node\"", "code=~\"5..\""}, &m);
//   bool keep = zabitan::prom_bridge::MatchAll(m, {{"job", "node"}, {"code", "503"}});  // true
#ifndef ZABITAN_PROM_BRIDGE_MATCHER_H_
#define ZABITAN_PROM_BRIDGE_MATCHER_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zabitan/common/status.h"

namespace zabitan::prom_bridge {

class LabelMatcher {
 public:
  enum class Op { kEqual, kNotEqual, kRegex, kNotRegex };

  // One matcher: NAME OP "VALUE" (the value quoted, with \" \\ \n escapes as in the exposition
  // format). Errors name the text and what is wrong with it.
  static Status Parse(std::string_view text, LabelMatcher* out);

  bool Matches(std::string_view value) const;
  const std::string& name() const { return name_; }
  Op op() const { return op_; }
  const std::string& value() const { return value_; }

 private:
  struct Regex;
  std::string name_;
  Op op_ = Op::kEqual;
  std::string value_;
  std::shared_ptr<const Regex> regex_;
};

Status ParseMatchers(const std::vector<std::string>& texts, std::vector<LabelMatcher>* out);

// True when every matcher matches `labels` (name, value pairs; an absent label is "").
bool MatchAll(const std::vector<LabelMatcher>& matchers,
              const std::vector<std::pair<std::string, std::string>>& labels);

}  // namespace zabitan::prom_bridge

#endif  // ZABITAN_PROM_BRIDGE_MATCHER_H_
