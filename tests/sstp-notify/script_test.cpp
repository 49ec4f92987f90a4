#include "zabitan/sstp_notify/script.h"

#include <string>

#include <catch2/catch.hpp>

using zabitan::sstp_notify::CleanHeaderValue;
using zabitan::sstp_notify::EscapeText;
using zabitan::sstp_notify::Speech;

namespace {

// True when `script` (what EscapeText made) holds no tag of its own: every backslash starts
// one of the escapes \\ or \% or our own \n.
bool OnlyOurEscapes(const std::string& script) {
  for (size_t i = 0; i < script.size(); ++i) {
    if (script[i] != '\\') continue;
    if (i + 1 >= script.size()) return false;
    char next = script[i + 1];
    if (next != '\\' && next != '%' && next != 'n') return false;
    ++i;
  }
  return true;
}

bool NoControl(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("script: backslash and percent are escaped, brackets are not", "[sstp][script]") {
  CHECK(EscapeText("a\\b") == "a\\\\b");
  CHECK(EscapeText("100%") == "100\\%");
  CHECK(EscapeText("[x] \\] ]") == "[x] \\\\] ]");
  CHECK(EscapeText("日本語 OK") == "日本語 OK");
}

TEST_CASE("script: the injection corpus shows literally", "[sstp][script]") {
  const std::string corpus[] = {
      "\\-",                                     // quits the ghost
      "\\![open,browser,https://evil.example]",  // runs a program
      "\\![raise,OnShutdown]",
      "\\j[https://evil.example]",
      "%username %month %selfname",  // environment expansion
      "\\_?\\-\\_?",                 // "show literally" closed by the text itself
      "\\e",
      "\\\\-",                                  // an escaped backslash followed by -
      "x\r\nScript: \\-\r\n\r\nSEND SSTP/1.4",  // header smuggling
      std::string("nul\0here\\-", 10),
      "\x1b[31mred\x7f\xc2\x85",  // ESC, DEL, C1 NEL
      "\\",                       // a lone backslash at the end
  };
  for (const std::string& text : corpus) {
    INFO(text);
    std::string s = EscapeText(text);
    CHECK(OnlyOurEscapes(s));
    CHECK(NoControl(s));
  }
  CHECK(EscapeText("x\r\nScript: \\-") == "x\\nScript: \\\\-");
  CHECK(EscapeText(std::string("a\0b", 3)) == "ab");
  CHECK(EscapeText("a\tb") == "a b");
}

TEST_CASE("script: line breaks become our own \\n tag", "[sstp][script]") {
  CHECK(EscapeText("one\ntwo\r\nthree\rfour") == "one\\ntwo\\nthree\\nfour");
}

TEST_CASE("script: invalid UTF-8 is replaced, never passed on", "[sstp][script]") {
  CHECK(EscapeText("a\xff"
                   "b") ==
        "a\xef\xbf\xbd"
        "b");
  CHECK(EscapeText("\xc0\xaf") == "\xef\xbf\xbd\xef\xbf\xbd");                  // overlong '/'
  CHECK(EscapeText("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // surrogate
  CHECK(EscapeText("\xe6\x97") == "\xef\xbf\xbd\xef\xbf\xbd");                  // truncated 日
}

TEST_CASE("script: long text is cut on a character and escape boundary", "[sstp][script]") {
  std::string big(1 << 20, 'a');
  std::string s = EscapeText(big);
  CHECK(s.size() <= zabitan::sstp_notify::kDefaultTextLimit);
  CHECK(s.ends_with("\xe2\x80\xa6"));
  // Every cut point of a text of escapes and multi-byte characters stays well-formed.
  std::string text;
  for (int i = 0; i < 40; ++i) text += "\\%日";
  for (size_t limit = 0; limit < 200; ++limit) {
    std::string cut = EscapeText(text, limit);
    INFO(limit << ": " << cut);
    CHECK(cut.size() <= limit);
    CHECK(OnlyOurEscapes(cut.ends_with("\xe2\x80\xa6") ? cut.substr(0, cut.size() - 3) : cut));
    CHECK(EscapeText(cut, 10000).size() >= cut.size());  // still valid UTF-8: nothing replaced
  }
}

TEST_CASE("script: header values lose control characters, keep backslashes", "[sstp][script]") {
  CHECK(CleanHeaderValue("web01\r\nScript: \\-") == "web01 Script: \\-");
  CHECK(CleanHeaderValue(std::string("a\0b", 3)) == "ab");
}

TEST_CASE("script: a speech template fills placeholders with escaped values", "[sstp][script]") {
  Speech speech("\\0\\s[{surface}]{host}: {trigger}\\n{status}{unknown}\\e");
  std::string s = speech.Render(
      {{"host", "web\\01"}, {"trigger", "50% \\-"}, {"status", "PROBLEM"}, {"surface", "7"}});
  CHECK(s == "\\0\\s[7]web\\\\01: 50\\% \\\\-\\nPROBLEM{unknown}\\e");
}
