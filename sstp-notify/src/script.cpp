#include "zabitan/sstp_notify/script.h"

#include "zabitan/common/utf8.h"

namespace zabitan::sstp_notify {
namespace {

constexpr std::string_view kReplacement = "\xef\xbf\xbd";  // U+FFFD
constexpr std::string_view kCut = "\xe2\x80\xa6";          // U+2026 "…"

// Walks `text` character by character, calling `emit(piece)` with what each becomes; stops
// (appending "…") before the output would pass `limit`.
template <typename Transform>
std::string Clean(std::string_view text, size_t limit, Transform transform) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    size_t n = Utf8SequenceLength(text, i);
    std::string_view ch = n ? text.substr(i, n) : kReplacement;
    i += n ? n : 1;
    // CRLF is one line break.
    if (ch == "\r" && i < text.size() && text[i] == '\n') continue;
    std::string piece = transform(ch);
    if (out.size() + piece.size() > limit) {
      while (out.size() + kCut.size() > limit && !out.empty()) {
        // Drop whole characters (and whole escapes: a trailing lone backslash would escape "…").
        size_t k = out.size() - 1;
        while (k > 0 && (static_cast<unsigned char>(out[k]) & 0xc0) == 0x80) --k;
        out.resize(k);
        while (!out.empty() && out.back() == '\\') {
          size_t run = 0;
          while (run < out.size() && out[out.size() - 1 - run] == '\\') ++run;
          if (run % 2 == 0) break;
          out.pop_back();
        }
      }
      if (out.size() + kCut.size() <= limit) out += kCut;
      break;
    }
    out += piece;
  }
  return out;
}

bool IsControl(std::string_view ch) {
  if (ch.size() == 1) {
    auto c = static_cast<unsigned char>(ch[0]);
    return c < 0x20 || c == 0x7f;
  }
  // C1 controls U+0080..U+009F: C2 80..C2 9F.
  return ch.size() == 2 && static_cast<unsigned char>(ch[0]) == 0xc2 &&
         static_cast<unsigned char>(ch[1]) < 0xa0;
}

}  // namespace

std::string EscapeText(std::string_view text, size_t limit) {
  return Clean(text, limit, [](std::string_view ch) -> std::string {
    if (ch == "\\") return "\\\\";
    if (ch == "%") return "\\%";
    if (ch == "\n" || ch == "\r") return "\\n";
    if (ch == "\t") return " ";
    if (IsControl(ch)) return "";
    return std::string(ch);
  });
}

std::string CleanHeaderValue(std::string_view text, size_t limit) {
  return Clean(text, limit, [](std::string_view ch) -> std::string {
    if (ch == "\n" || ch == "\r" || ch == "\t") return " ";
    if (IsControl(ch)) return "";
    return std::string(ch);
  });
}

std::string Speech::Render(const std::map<std::string, std::string>& values) const {
  std::string out;
  for (size_t i = 0; i < template_.size();) {
    if (template_[i] == '{') {
      size_t close = template_.find('}', i);
      if (close != std::string::npos) {
        auto it = values.find(template_.substr(i + 1, close - i - 1));
        if (it != values.end()) {
          out += EscapeText(it->second);
          i = close + 1;
          continue;
        }
      }
    }
    out += template_[i++];
  }
  return out;
}

}  // namespace zabitan::sstp_notify
