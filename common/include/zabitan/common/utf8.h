// zabitan — well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above
// U+10FFFF), as checked where text from outside becomes script, JSON or an argument.
//
// Thread-safety: pure functions, safe from any thread.
//
// Example:
//   std::string_view arg = "caf\xc3\xa9";
//   if (!zabitan::IsValidUtf8(arg)) return 1;
//   size_t n = zabitan::Utf8SequenceLength(arg, 3);  // 2; 0: not well-formed at 3
#ifndef ZABITAN_COMMON_UTF8_H_
#define ZABITAN_COMMON_UTF8_H_

#include <cstddef>
#include <string_view>

namespace zabitan {

// The length (1..4) of the well-formed sequence starting at text[i], or 0 when the bytes there
// are not one (a stray continuation byte, an overlong form, a surrogate, a value above
// U+10FFFF, a sequence cut by the end of the text). `i` must be below text.size().
size_t Utf8SequenceLength(std::string_view text, size_t i);

bool IsValidUtf8(std::string_view text);

}  // namespace zabitan

#endif  // ZABITAN_COMMON_UTF8_H_
