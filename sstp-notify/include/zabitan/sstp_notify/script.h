// zabitan — turning untrusted alert text into SakuraScript that can only be spoken.
//
// SSTP carries a SakuraScript in a `Script:` header, and SSP/ninix treat every request that
// arrives through an SSH tunnel as local, so every tag is allowed: `\-` quits the ghost,
// `\![open,…]` runs programs, `%username` expands, and a raw CR/LF ends the header and lets the
// text add headers of its own. Host names, trigger names and item values come from whoever can
// make Zabbix alert, so they are escaped before they enter a script:
//   `\` → `\\`, `%` → `\%`; a line break becomes our own `\n` tag; TAB becomes a space; every
//   other control character (C0, DEL, C1) is removed; invalid UTF-8 becomes U+FFFD; the text is
//   cut (on a character boundary, marked with "…") at a length limit.
// Brackets need no escape in plain text (`\]` would show literally).
// A speech template — trusted, from the toolkit's config — decides what the ghost says.
// Placeholders are replaced by their escaped values; an unknown placeholder is kept as it is.
//
// Thread-safety: pure functions and an immutable Speech, safe from any thread.
//
// Example:
//   namespace zs = zabitan::sstp_notify;
//   zs::Speech speech{"\\0\\s[{surface}]{host}: {trigger}\\n{status} ({severity})\\e"};
//   std::string script = speech.Render({{"host", "web01"}, {"trigger", "disk full"},
//                                       {"status", "PROBLEM"}, {"severity", "High"},
//                                       {"surface", "7"}});
#ifndef ZABITAN_SSTP_NOTIFY_SCRIPT_H_
#define ZABITAN_SSTP_NOTIFY_SCRIPT_H_

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

namespace zabitan::sstp_notify {

inline constexpr size_t kDefaultTextLimit = 1000;  // bytes of one placeholder's escaped text

// `text` as SakuraScript that shows it literally, at most `limit` bytes.
std::string EscapeText(std::string_view text, size_t limit = kDefaultTextLimit);

// A header value (Sender, Event, ReferenceN): control characters removed, invalid UTF-8
// replaced, at most `limit` bytes. Not script: no SakuraScript escaping.
std::string CleanHeaderValue(std::string_view text, size_t limit = kDefaultTextLimit);

class Speech {
 public:
  explicit Speech(std::string script_template) : template_(std::move(script_template)) {}

  // The template with each {name} replaced by EscapeText(values[name]).
  std::string Render(const std::map<std::string, std::string>& values) const;

 private:
  std::string template_;
};

}  // namespace zabitan::sstp_notify

#endif  // ZABITAN_SSTP_NOTIFY_SCRIPT_H_
