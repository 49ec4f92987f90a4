// zabitan — text from outside made safe for a one-line message.
//
// Error messages are one line, and a peer's text (a server's reply, a SOAP faultstring) may
// hold newlines or terminal escapes. Printable shows control bytes as \xNN and cuts the text
// at `max_bytes`, marking the cut with "...".
//
//   log::Error("unexpected reply \"" + zabitan::Printable(reply, 200) + "\"");
#ifndef ZABITAN_COMMON_PRINTABLE_H_
#define ZABITAN_COMMON_PRINTABLE_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace zabitan {

std::string Printable(std::string_view text, size_t max_bytes);

}  // namespace zabitan

#endif  // ZABITAN_COMMON_PRINTABLE_H_
