// zabitan tests — how a ghost reads a converted SSTP request, for checking what conversion
// adds (issue #15: "¥" is 0x5C in Shift_JIS). Used by charset_test.cpp and the SSTP fuzzer.
#ifndef ZABITAN_TESTS_SSTP_CHARSET_ORACLE_H_
#define ZABITAN_TESTS_SSTP_CHARSET_ORACLE_H_

#include <iconv.h>

#include <optional>
#include <string>
#include <string_view>

namespace zabitan::sstp_notify::testing {

// `bytes` in `charset` (an SSTP name) decoded to UTF-8 with glibc, as the ghost decodes a
// request (Shift_JIS as CP932, what zabitan writes); none when glibc refuses them.
inline std::optional<std::string> DecodeToUtf8(const std::string& bytes, std::string_view charset) {
  iconv_t cd = iconv_open("UTF-8", charset == "Shift_JIS" ? "CP932" : std::string(charset).c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
  std::string out(bytes.size() * 4 + 16, '\0');
  char* src = const_cast<char*>(bytes.data());
  size_t src_left = bytes.size();
  char* dst = out.data();
  size_t dst_left = out.size();
  size_t r = iconv(cd, &src, &src_left, &dst, &dst_left);
  iconv_close(cd);
  if (r == static_cast<size_t>(-1)) return std::nullopt;
  out.resize(out.size() - dst_left);
  return out;
}

// The ASCII characters of `utf8`, with JIS-Roman's yen and overline read as the backslash and
// tilde they share a byte with (ISO-2022-JP decoders differ on it; SakuraScript parsers do not).
inline std::string AsciiSeen(std::string_view utf8) {
  std::string ascii;
  for (size_t i = 0; i < utf8.size(); ++i) {
    if (utf8.substr(i).starts_with("\xc2\xa5")) ascii += '\\';
    if (utf8.substr(i).starts_with("\xe2\x80\xbe")) ascii += '~';
    if (static_cast<unsigned char>(utf8[i]) < 0x80) ascii += utf8[i];
  }
  return ascii;
}

}  // namespace zabitan::sstp_notify::testing

#endif  // ZABITAN_TESTS_SSTP_CHARSET_ORACLE_H_
