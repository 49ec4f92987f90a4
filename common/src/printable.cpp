#include "zabitan/common/printable.h"

#include <algorithm>

#include "zabitan/common/utf8.h"

namespace zabitan {

std::string Printable(std::string_view text, size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + 3);
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t n = Utf8SequenceLength(text, i);
    // C1 controls (U+0080..U+009F, "\xc2\x80".."\xc2\x9f"): NEL among them ends a line for some
    // log viewers.
    const bool control = c < 0x20 || c == 0x7f ||
                         (c == 0xc2 && n == 2 && static_cast<unsigned char>(text[i + 1]) < 0xa0);
    if (n == 0 || control) n = 1;
    if (i + n > max_bytes) break;  // never half a character
    if (n == 1 && (control || c >= 0x80)) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  if (i < text.size()) out += "...";
  return out;
}

}  // namespace zabitan
