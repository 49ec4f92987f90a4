// zabitan — one line of zabbix_sender's -i input file, parsed as zabbix_sender 6.0.14 does.
//
//   line   := ws* host ws+ key ws+ [clock ws+ [ns ws+]] value      (clock with -T, ns with -N)
//   field  := '"' (char | '\"' | '\\' | '\n')* '"'   followed by whitespace or the end
//           | non-whitespace+
//   value  := a quoted field that ends the line | anything else: the rest of the line verbatim
//
// Trailing CR/LF are removed first. An unquoted value keeps inner and trailing blanks; an
// empty value must be written "". Host "-" stands for the default host (-s or Hostname).
// Bytes are not validated as UTF-8: they reach the server as they were written.
//
// Thread-safety: an InputLineParser is not thread-safe (one per reading thread); the free
// functions are.
//
// Example:
//   zabitan::sender::InputFormat format;
//   format.default_host = "web01";
//   zabitan::sender::InputLineParser parser(format);
//   zabitan::sender::ValueView v;
//   zabitan::Status s = parser.Parse("- nginx.requests 1234", &v);  // v's text: in the line
#ifndef ZABITAN_SENDER_INPUT_LINE_H_
#define ZABITAN_SENDER_INPUT_LINE_H_

#include <optional>
#include <string>
#include <string_view>

#include "zabitan/common/status.h"
#include "zabitan/sender/value.h"

namespace zabitan::sender {

struct InputFormat {
  bool with_timestamps = false;             // -T: a clock column after the key
  bool with_ns = false;                     // -N: an ns column after the clock (needs -T)
  std::optional<std::string> default_host;  // what "-" means; "-" is an error without it
};

// Parses lines without copying: an unquoted field is a view into the line, a quoted one (which
// needs its escapes undone) a view into the parser's own buffers. Not thread-safe.
class InputLineParser {
 public:
  explicit InputLineParser(InputFormat format) : format_(std::move(format)) {}

  // Parses `line` into *value, whose views stay valid until the next Parse or until `line`'s
  // storage changes. Errors are zabbix_sender's reasons ("'Key value' required"); the caller
  // adds file and line number.
  Status Parse(std::string_view line, ValueView* value);

 private:
  InputFormat format_;
  std::string host_, key_, value_, number_;  // unescaped quoted fields
};

// Writes `value` as one line of this format (-T when it has a clock, -N when also ns), quoting
// what needs it, so that parsing the line gives the value back (--dry-run output).
std::string FormatInputLine(const Value& value);

// Parses one line into an owning Value (convenience for tests and single lines).
Status ParseInputLine(std::string_view line, const InputFormat& format, Value* value);

}  // namespace zabitan::sender

#endif  // ZABITAN_SENDER_INPUT_LINE_H_
