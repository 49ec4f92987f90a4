// zabitan — converting UTF-8 text to the charset an SSTP request declares.
//
// SSTP names its charset in the `Charset:` header; UTF-8 is the default and the recommendation,
// older ghosts want Shift_JIS (Windows' CP932 in practice), EUC-JP or ISO-2022-JP. A character
// the target cannot hold is replaced by 〓 (U+3013, the geta mark Japanese text uses for exactly
// that; present in every JIS charset), never dropped silently.
//
//   std::string bytes;
//   size_t replaced = 0;
//   zabitan::Status s = zabitan::sstp::ConvertFromUtf8(text, "Shift_JIS", &bytes, &replaced);
#ifndef ZABITAN_SSTP_CHARSET_H_
#define ZABITAN_SSTP_CHARSET_H_

#include <string>
#include <string_view>

#include "zabitan/common/status.h"

namespace zabitan::sstp {

// The SSTP name of a charset given in any case ("utf-8", "shift_jis", "SJIS"), or an error
// listing the supported ones.
Status CanonicalCharset(std::string_view name, std::string* canonical);

// `utf8` (valid UTF-8) in `charset` (an SSTP name); `replaced` counts the characters that had
// to be replaced.
Status ConvertFromUtf8(std::string_view utf8, std::string_view charset, std::string* out,
                       size_t* replaced);

}  // namespace zabitan::sstp

#endif  // ZABITAN_SSTP_CHARSET_H_
