// Fuzz target: what zabitan-sstp takes from outside — alert text that becomes SakuraScript, and
// the SSTP server's response.
//
//   text → zabitan::sstp_notify::EscapeText / CleanHeaderValue / Speech → EncodeRequest (UTF-8, and
//          ISO-2022-JP through iconv)
//   text → zabitan::sstp_notify::HeadEnd → ParseResponse
//
// Properties (a violation aborts):
//  - escaped text holds no tag of its own: every backslash starts \\, \% or our \n; no control
//    character; valid UTF-8; within the limit;
//  - a request built from any text has exactly one blank line, at its end, and only the header
//    lines we put there (no header smuggled in);
//  - converted to Shift_JIS, EUC-JP or ISO-2022-JP and decoded again (JIS-Roman's yen read as
//    the backslash it shares a byte with), a request has exactly the ASCII characters of its
//    UTF-8 form: conversion adds no backslash, percent sign or line break that escaping did not
//    see (issue #15: "¥" is 0x5C in those charsets);
//  - a response head parses or gives a one-line error; a code, when parsed, has three digits.
#include <cstdint>
#include <string>
#include <string_view>

#include "../sstp-notify/charset_oracle.h"
#include "fuzz_check.h"
#include "sstp-notify/src/charset.h"
#include "zabitan/sstp_notify/protocol.h"
#include "zabitan/sstp_notify/script.h"

namespace {

using namespace zabitan::sstp_notify;

bool OnlyOurEscapes(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') continue;
    if (i + 1 >= s.size()) return false;
    if (s[i + 1] != '\\' && s[i + 1] != '%' && s[i + 1] != 'n') return false;
    ++i;
  }
  return true;
}

bool NoControl(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return false;
    if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) < 0xa0) return false;
  }
  return true;
}

void CheckConversionAddsNoAscii(const std::string& utf8, const char* charset) {
  std::string bytes;
  size_t replaced = 0;
  CHECK(ConvertFromUtf8(utf8, charset, &bytes, &replaced).ok());
  std::optional<std::string> decoded = testing::DecodeToUtf8(bytes, charset);
  CHECK(decoded.has_value());
  std::string plain_ascii;
  for (char c : utf8) {
    if (static_cast<unsigned char>(c) < 0x80) plain_ascii += c;
  }
  CHECK(testing::AsciiSeen(*decoded) == plain_ascii);
}

// The request in UTF-8, whose line structure is checked here, and converted to the other charsets.
void CheckRequest(const std::string& script, const std::string& header_text) {
  Request r;
  r.charset = "UTF-8";
  r.script = script;
  r.sender = header_text;
  r.method = header_text.size() % 2 ? Method::kNotify : Method::kSend;
  r.event = "OnZabbixAlert";
  r.references = {header_text, script};
  std::string bytes;
  size_t replaced = 0;
  if (!EncodeRequest(r, &bytes, &replaced).ok()) return;
  for (const char* charset : {"Shift_JIS", "EUC-JP", "ISO-2022-JP"})
    CheckConversionAddsNoAscii(bytes, charset);
  CHECK(bytes.ends_with("\r\n\r\n"));
  CHECK(bytes.find("\r\n\r\n") == bytes.size() - 4);
  CHECK(bytes.find('\0') == std::string::npos);
  // Every line is one of ours.
  size_t lines = 0;
  for (size_t pos = 0; pos < bytes.size() - 2;) {
    size_t eol = bytes.find("\r\n", pos);
    CHECK(eol != std::string::npos);
    std::string_view line(bytes.data() + pos, eol - pos);
    CHECK(line.find('\r') == std::string_view::npos && line.find('\n') == std::string_view::npos);
    if (lines > 0) {
      bool known = false;
      for (const char* h :
           {"Charset: ", "Sender: ", "Event: ", "Reference", "Script: ", "Option: "}) {
        known |= line.starts_with(h);
      }
      CHECK(known);
    }
    ++lines;
    pos = eol + 2;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);

  size_t limit = size % 300;
  std::string escaped = EscapeText(text, limit);
  CHECK(escaped.size() <= limit);
  std::string body =
      escaped.ends_with("\xe2\x80\xa6") ? escaped.substr(0, escaped.size() - 3) : escaped;
  CHECK(OnlyOurEscapes(body));
  CHECK(NoControl(escaped));
  CHECK(ValidUtf8(escaped));
  std::string header = CleanHeaderValue(text);
  CHECK(NoControl(header));

  std::string script =
      Speech("\\0\\s[{surface}]{message}\\n{host}\\e").Render({{"message", text}, {"host", text}});
  CHECK(script.starts_with("\\0\\s[{surface}]") && script.ends_with("\\e"));
  CheckRequest(script, text);
  CheckRequest(text, text);  // a caller that forgot to escape still smuggles no header

  if (size_t end = HeadEnd(text)) {
    Response response;
    zabitan::Status s = ParseResponse(std::string_view(text).substr(0, end), &response);
    if (s.ok()) {
      CHECK(response.code >= 0 && response.code <= 999);
      CHECK(response.version.starts_with("SSTP/"));
    } else {
      CHECK(!s.message().empty() && s.message().find('\n') == std::string::npos);
    }
  }
  return 0;
}
