// zabitan — converting UTF-8 text to the charset an SSTP request declares.
//
// SSTP names its charset in the `Charset:` header; UTF-8 is the default and the recommendation,
// older ghosts want Shift_JIS (Windows' CP932 in practice), EUC-JP or ISO-2022-JP. A character
// the target cannot hold is replaced by 〓 (U+3013, the geta mark Japanese text uses for exactly
// that; present in every JIS charset), never dropped silently. So is a character the target
// writes as an ASCII byte ("¥" is 0x5C, a backslash, in Shift_JIS, EUC-JP and ISO-2022-JP's
// JIS-Roman; "‾" is 0x7E): text is escaped as UTF-8 and the ghost reads SakuraScript after
// decoding, so a converted "¥-" would otherwise arrive as the tag "\-".
//
//   std::string bytes;
//   size_t replaced = 0;
//   zabitan::Status s = zabitan::sstp_notify::ConvertFromUtf8(text, "Shift_JIS", &bytes,
//   &replaced);
#ifndef ZABITAN_SSTP_NOTIFY_CHARSET_H_
#define ZABITAN_SSTP_NOTIFY_CHARSET_H_

#include <string>
#include <string_view>

#include "zabitan/common/status.h"

namespace zabitan::sstp_notify {

// The SSTP name of a charset given in any case ("utf-8", "shift_jis", "SJIS"), or an error
// listing the supported ones.
Status CanonicalCharset(std::string_view name, std::string* canonical);

// `utf8` (valid UTF-8) in `charset` (an SSTP name); `replaced` counts the characters that had
// to be replaced. Every ASCII byte of the result, outside escape sequences and double-byte
// characters, is an ASCII character of `utf8`.
Status ConvertFromUtf8(std::string_view utf8, std::string_view charset, std::string* out,
                       size_t* replaced);

}  // namespace zabitan::sstp_notify

#endif  // ZABITAN_SSTP_NOTIFY_CHARSET_H_
