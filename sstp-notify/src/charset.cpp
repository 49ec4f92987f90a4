#include "charset.h"

#include <iconv.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include "zabitan/common/printable.h"
#include "zabitan/sstp_notify/error.h"

namespace zabitan::sstp_notify {
namespace {

struct Known {
  const char* sstp;   // as the Charset header names it
  const char* iconv;  // what glibc's iconv calls it
  const char* alias;  // another spelling people use
};
constexpr std::array<Known, 4> kCharsets = {{
    {"UTF-8", "UTF-8", "UTF8"},
    {"Shift_JIS", "CP932", "SJIS"},  // SSP is Windows: its Shift_JIS is CP932 (～, ①, …)
    {"EUC-JP", "EUC-JP", "EUCJP"},
    {"ISO-2022-JP", "ISO-2022-JP", "JIS"},
}};

bool SameIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

const Known* Find(std::string_view name) {
  for (const Known& k : kCharsets) {
    if (SameIgnoringCase(name, k.sstp) || SameIgnoringCase(name, k.alias)) return &k;
  }
  return nullptr;
}

struct IconvCloser {
  void operator()(iconv_t cd) const { iconv_close(cd); }
};
using UniqueIconv = std::unique_ptr<std::remove_pointer_t<iconv_t>, IconvCloser>;

// iconv_open says "failed" with (iconv_t)-1, not nullptr: an empty handle then, errno set.
UniqueIconv OpenIconv(const char* to, const char* from) {
  iconv_t cd = iconv_open(to, from);
  // NOLINTNEXTLINE(performance-no-int-to-ptr): iconv_open's documented failure value
  if (cd == reinterpret_cast<iconv_t>(-1)) return UniqueIconv();
  return UniqueIconv(cd);
}

// Converts all of `in`, appending to `out`; false with errno on a character it cannot convert
// (EILSEQ, `in` then starts at that character) or another error.
bool ConvertSome(iconv_t cd, std::string_view* in, std::string* out) {
  char buf[4096];
  while (!in->empty()) {
    char* src = const_cast<char*>(in->data());
    size_t src_left = in->size();
    char* dst = buf;
    size_t dst_left = sizeof(buf);
    size_t r = iconv(cd, &src, &src_left, &dst, &dst_left);
    out->append(buf, dst - buf);
    in->remove_prefix(in->size() - src_left);
    if (r == static_cast<size_t>(-1) && errno != E2BIG) return false;
  }
  return true;
}

// True when `ch`, one non-ASCII UTF-8 character, is written in the target as a single ASCII byte
// (ISO-2022 escape sequences aside): "¥" is 0x5C, a backslash, in CP932, EUC-JP and
// ISO-2022-JP's JIS-Roman, "‾" is 0x7E. The ghost reads SakuraScript after decoding, so such a
// character would turn escaped text back into a tag; it is replaced like one the charset lacks.
// A trail byte in the ASCII range (CP932 "表" is 95 5C) is read as part of its character: safe.
bool BecomesAscii(iconv_t probe, std::string_view ch) {
  iconv(probe, nullptr, nullptr, nullptr, nullptr);  // initial shift state
  std::string bytes;
  if (!ConvertSome(probe, &ch, &bytes)) return false;  // not in the charset: 〓 anyway
  char buf[16];
  char* dst = buf;
  size_t dst_left = sizeof(buf);
  iconv(probe, nullptr, nullptr, &dst, &dst_left);
  bytes.append(buf, dst - buf);
  std::string plain;  // without ESC, intermediates 0x20-0x2F, final 0x30-0x7E
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] != '\x1b') {
      plain += bytes[i];
      continue;
    }
    while (i + 1 < bytes.size() && bytes[i + 1] >= 0x20 && bytes[i + 1] <= 0x2f) ++i;
    ++i;  // the final byte
  }
  return plain.size() == 1 && static_cast<unsigned char>(plain[0]) < 0x80;
}

}  // namespace

Status CanonicalCharset(std::string_view name, std::string* canonical) {
  if (const Known* k = Find(name)) {
    *canonical = k->sstp;
    return Status::Ok();
  }
  return Status::Error("unsupported charset \"" + Printable(name, 100) +
                           "\" (UTF-8, Shift_JIS, EUC-JP, ISO-2022-JP)",
                       Errc::kUnsupportedCharset);
}

Status ConvertFromUtf8(std::string_view utf8, std::string_view charset, std::string* out,
                       size_t* replaced) {
  out->clear();
  *replaced = 0;
  const Known* k = Find(charset);
  if (k == nullptr) {
    std::string ignored;
    return CanonicalCharset(charset, &ignored);
  }
  if (std::string_view(k->iconv) == "UTF-8") {
    *out = std::string(utf8);
    return Status::Ok();
  }
  UniqueIconv cd = OpenIconv(k->iconv, "UTF-8");
  if (!cd) {
    return Status::Error(
        std::string("iconv cannot convert to ") + k->iconv + ": " + std::strerror(errno),
        Errc::kUnsupportedCharset);
  }
  constexpr std::string_view kGeta = "\xe3\x80\x93";  // 〓
  UniqueIconv probe = OpenIconv(k->iconv, "UTF-8");
  if (!probe) {
    return Status::Error(
        std::string("iconv cannot convert to ") + k->iconv + ": " + std::strerror(errno),
        Errc::kUnsupportedCharset);
  }
  std::string safe;
  safe.reserve(utf8.size());
  for (size_t i = 0; i < utf8.size();) {
    size_t n = 1;
    while (i + n < utf8.size() && (static_cast<unsigned char>(utf8[i + n]) & 0xc0) == 0x80) ++n;
    std::string_view ch = utf8.substr(i, n);
    i += n;
    if (static_cast<unsigned char>(ch[0]) >= 0x80 && BecomesAscii(probe.get(), ch)) {
      safe += kGeta;
      ++*replaced;
    } else {
      safe += ch;
    }
  }
  std::string_view in = safe;
  while (!ConvertSome(cd.get(), &in, out)) {
    if (errno != EILSEQ && errno != EINVAL) {
      return Status::Error(std::string("converting to ") + k->sstp + ": " + std::strerror(errno),
                           Errc::kUnsupportedCharset);
    }
    // Skip the character it could not take (one UTF-8 sequence) and put 〓 in its place.
    size_t n = 1;
    while (n < in.size() && (static_cast<unsigned char>(in[n]) & 0xc0) == 0x80) ++n;
    in.remove_prefix(n);
    std::string_view geta = kGeta;
    if (!ConvertSome(cd.get(), &geta, out))
      return Status::Error(std::string("converting to ") + k->sstp, Errc::kUnsupportedCharset);
    ++*replaced;
  }
  // Back to the initial shift state (ISO-2022-JP ends in ASCII).
  char buf[16];
  char* dst = buf;
  size_t dst_left = sizeof(buf);
  iconv(cd.get(), nullptr, nullptr, &dst, &dst_left);
  out->append(buf, dst - buf);
  return Status::Ok();
}

}  // namespace zabitan::sstp_notify
