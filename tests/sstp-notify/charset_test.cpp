#include "zabitan/sstp/charset.h"

#include <catch2/catch.hpp>

using zabitan::sstp::CanonicalCharset;
using zabitan::sstp::ConvertFromUtf8;

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

TEST_CASE("charset: a character the charset lacks becomes the geta mark, counted", "[sstp][charset]") {
  std::string out;
  size_t replaced = 0;
  REQUIRE(ConvertFromUtf8("a😀b€c", "Shift_JIS", &out, &replaced).ok());
  CHECK(out == "a\x81\xac" "b\x81\xac" "c");  // 〓 is 81 AC in Shift_JIS
  CHECK(replaced == 2);
  REQUIRE(ConvertFromUtf8("😀", "ISO-2022-JP", &out, &replaced).ok());
  CHECK(out == "\x1b$B\".\x1b(B");
  CHECK(replaced == 1);
}
