#include "zabitan/common/utf8.h"

#include <string>

#include <catch2/catch.hpp>

using namespace zabitan;

TEST_CASE("utf8: sequence lengths of well-formed characters", "[utf8]") {
  CHECK(Utf8SequenceLength("a", 0) == 1);
  CHECK(Utf8SequenceLength("\xc3\xa9", 0) == 2);          // é
  CHECK(Utf8SequenceLength("\xe3\x81\x82", 0) == 3);      // あ
  CHECK(Utf8SequenceLength("\xf0\x9f\x98\x80", 0) == 4);  // 😀
  CHECK(Utf8SequenceLength("\xf4\x8f\xbf\xbf", 0) == 4);  // U+10FFFF
  CHECK(Utf8SequenceLength(std::string_view("\0", 1), 0) == 1);
  CHECK(IsValidUtf8("お兄ちゃん busy"));
  CHECK(IsValidUtf8(""));
}

TEST_CASE("utf8: what is not well-formed", "[utf8]") {
  for (std::string_view bad :
       {"\x80", "\xbf", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf0\x80\x80\xaf",
        "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", "\xc3", "\xe3\x81", "\xf0\x9f\x98",
        "\xc3\x41"}) {
    CAPTURE(std::string(bad));
    CHECK(Utf8SequenceLength(bad, 0) == 0);
    CHECK_FALSE(IsValidUtf8(bad));
  }
  CHECK_FALSE(IsValidUtf8("ok \xe3\x81"));  // cut at the end
}
