#include "sstp-notify/src/charset.h"

#include <catch2/catch.hpp>

#include "charset_oracle.h"
#include "zabitan/sstp_notify/error.h"

using zabitan::sstp_notify::CanonicalCharset;
using zabitan::sstp_notify::ConvertFromUtf8;

TEST_CASE("charset: names are taken in any case and spelling", "[sstp][charset]") {
  std::string c;
  REQUIRE(CanonicalCharset("utf-8", &c).ok());
  CHECK(c == "UTF-8");
  REQUIRE(CanonicalCharset("sjis", &c).ok());
  CHECK(c == "Shift_JIS");
  REQUIRE(CanonicalCharset("euc-jp", &c).ok());
  CHECK(c == "EUC-JP");
  REQUIRE(CanonicalCharset("iso-2022-jp", &c).ok());
  CHECK(c == "ISO-2022-JP");
  auto s = CanonicalCharset("Bogus-Enc", &c);
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == zabitan::sstp_notify::Errc::kUnsupportedCharset);
  CHECK(s.message() == "unsupported charset \"Bogus-Enc\" (UTF-8, Shift_JIS, EUC-JP, ISO-2022-JP)");
}

TEST_CASE("charset: Japanese text in each charset", "[sstp][charset]") {
  std::string out;
  size_t replaced = 0;
  REQUIRE(ConvertFromUtf8("日本語", "Shift_JIS", &out, &replaced).ok());
  CHECK(out == "\x93\xfa\x96\x7b\x8c\xea");
  REQUIRE(ConvertFromUtf8("日本語", "EUC-JP", &out, &replaced).ok());
  CHECK(out == "\xc6\xfc\xcb\xdc\xb8\xec");
  REQUIRE(ConvertFromUtf8("a日", "ISO-2022-JP", &out, &replaced).ok());
  CHECK(out == "a\x1b$BF|\x1b(B");  // back to ASCII at the end
  CHECK(replaced == 0);
  REQUIRE(ConvertFromUtf8("～①", "Shift_JIS", &out, &replaced).ok());  // CP932 has them
  CHECK(out == "\x81\x60\x87\x40");
}

TEST_CASE("charset: a character the charset lacks becomes the geta mark, counted",
          "[sstp][charset]") {
  std::string out;
  size_t replaced = 0;
  REQUIRE(ConvertFromUtf8("a😀b€c", "Shift_JIS", &out, &replaced).ok());
  CHECK(out ==
        "a\x81\xac"
        "b\x81\xac"
        "c");  // 〓 is 81 AC in Shift_JIS
  CHECK(replaced == 2);
  REQUIRE(ConvertFromUtf8("😀", "ISO-2022-JP", &out, &replaced).ok());
  CHECK(out == "\x1b$B\".\x1b(B");
  CHECK(replaced == 1);
}

using zabitan::sstp_notify::testing::AsciiSeen;

std::string Decoded(const std::string& bytes, const char* charset) {
  std::optional<std::string> utf8 = zabitan::sstp_notify::testing::DecodeToUtf8(bytes, charset);
  REQUIRE(utf8);
  return *utf8;
}

// Issue #15: "¥![open,calc]¥-" passed escaping untouched (it is not a backslash in UTF-8) and
// arrived as "\![open,calc]\-" in CP932: open a program, quit the ghost.
TEST_CASE("charset: a character written as an ASCII byte (¥ is 5C) becomes the geta mark",
          "[sstp][charset]") {
  for (const char* charset : {"Shift_JIS", "EUC-JP", "ISO-2022-JP"}) {
    CAPTURE(charset);
    std::string out;
    size_t replaced = 0;
    REQUIRE(ConvertFromUtf8("¥![open,calc]¥-‾表", charset, &out, &replaced).ok());
    CHECK(replaced == 3);
    CHECK(AsciiSeen(Decoded(out, charset)) == "![open,calc]-");
    CHECK(out.find("\x1b(J") == std::string::npos);
  }
  std::string out;
  size_t replaced = 0;
  REQUIRE(ConvertFromUtf8("¥表", "Shift_JIS", &out, &replaced).ok());
  CHECK(out == "\x81\xac\x95\x5c");  // 表's trail byte 5C is part of the character
}

TEST_CASE("charset: no code point up to U+2FFFF adds an ASCII character in any charset",
          "[sstp][charset]") {
  std::string all;
  for (char32_t c = 0x80; c <= 0x2ffff; ++c) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    if (c < 0x800) {
      all += static_cast<char>(0xc0 | (c >> 6));
    } else if (c < 0x10000) {
      all += static_cast<char>(0xe0 | (c >> 12));
      all += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    } else {
      all += static_cast<char>(0xf0 | (c >> 18));
      all += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
      all += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    }
    all += static_cast<char>(0x80 | (c & 0x3f));
    all += 'x';
  }
  for (const char* charset : {"Shift_JIS", "EUC-JP", "ISO-2022-JP"}) {
    CAPTURE(charset);
    std::string out;
    size_t replaced = 0;
    REQUIRE(ConvertFromUtf8(all, charset, &out, &replaced).ok());
    std::string seen = AsciiSeen(Decoded(out, charset));
    CHECK(seen.find_first_not_of('x') == std::string::npos);
  }
}
