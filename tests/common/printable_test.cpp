#include "zabitan/common/printable.h"

#include <catch2/catch.hpp>

TEST_CASE("printable: control bytes shown, text cut", "[printable]") {
  CHECK(zabitan::Printable("ok", 10) == "ok");
  CHECK(zabitan::Printable("succ\ness\x1b[31m", 100) == "succ\\x0aess\\x1b[31m");
  CHECK(zabitan::Printable("abcdef", 3) == "abc...");
}

TEST_CASE("printable: UTF-8 kept, what is not UTF-8 and C1 controls shown", "[printable]") {
  CHECK(zabitan::Printable("h\xc3\xb6st \xe9\xab\x98\xe3\x81\x84", 100) ==
        "h\xc3\xb6st \xe9\xab\x98\xe3\x81\x84");
  // Stray bytes, a cut sequence, an overlong '/', a surrogate: each byte shown.
  CHECK(zabitan::Printable("a\xff\xfe", 100) == "a\\xff\\xfe");
  CHECK(zabitan::Printable("\xe9\xab", 100) == "\\xe9\\xab");
  CHECK(zabitan::Printable("\xc0\xaf", 100) == "\\xc0\\xaf");
  CHECK(zabitan::Printable("\xed\xa0\x80", 100) == "\\xed\\xa0\\x80");
  // NEL (U+0085) and the other C1 controls, which some log viewers take for a line end.
  CHECK(zabitan::Printable("a\xc2\x85"
                           "b\xc2\x9f",
                           100) == "a\\xc2\\x85b\\xc2\\x9f");
  CHECK(zabitan::Printable("\xc2\xa0", 100) == "\xc2\xa0");  // no-break space: printable
}

TEST_CASE("printable: cut between characters, never inside one", "[printable]") {
  CHECK(zabitan::Printable("ab\xc3\xb6"
                           "c",
                           3) == "ab...");
  CHECK(zabitan::Printable("ab\xc3\xb6"
                           "c",
                           4) == "ab\xc3\xb6...");
  CHECK(zabitan::Printable("ab\xc3\xb6", 4) == "ab\xc3\xb6");
  CHECK(zabitan::Printable("", 0).empty());
  CHECK(zabitan::Printable("x", 0) == "...");
}
