#include "zabitan/common/printable.h"

#include <catch2/catch.hpp>

TEST_CASE("printable: control bytes shown, text cut", "[printable]") {
  CHECK(zabitan::Printable("ok", 10) == "ok");
  CHECK(zabitan::Printable("succ\ness\x1b[31m", 100) == "succ\\x0aess\\x1b[31m");
  CHECK(zabitan::Printable("abcdef", 3) == "abc...");
}
