// zabitan — text from outside made safe for a one-line message.
//
// Error messages are one line, and a peer's text (a server's reply, a SOAP faultstring) may
// hold newlines, terminal escapes or bytes that are not UTF-8 (which a UTF-8 database, such as
// the one behind Zabbix's action log, refuses). Printable shows control characters (C0, DEL,
// C1) and every byte that is not part of well-formed UTF-8 as \xNN, and cuts the text after at
// most `max_bytes` of it, never inside a character, marking the cut with "...".
//
// Thread-safety: a pure function, safe from any thread.
//
// Example:
//   #include "zabitan/common/log.h"
//   std::string reply = "HTTP/1.0 400 Bad Request\r\n";
//   zabitan::log::Error("unexpected reply \"" + zabitan::Printable(reply, 200) + "\"");
#ifndef ZABITAN_COMMON_PRINTABLE_H_
#define ZABITAN_COMMON_PRINTABLE_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace zabitan {

std::string Printable(std::string_view text, size_t max_bytes);

}  // namespace zabitan

#endif  // ZABITAN_COMMON_PRINTABLE_H_
