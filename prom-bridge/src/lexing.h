// zabitan — what the two halves of the Prometheus parser share (parser.cpp: lines and
// families, sample_line.cpp: samples and labels): character classes, names, hashing.
#ifndef ZABITAN_PROM_BRIDGE_SRC_LEXING_H_
#define ZABITAN_PROM_BRIDGE_SRC_LEXING_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "zabitan/common/printable.h"

namespace zabitan::prom_bridge::lexing {

constexpr size_t kQuoteBytes = 60;         // how much of a bad token an error message shows
constexpr size_t kExemplarMaxChars = 128;  // OpenMetrics: label names and values together

enum CharClass : uint8_t { kMetricChar = 1, kMetricStart = 2, kLabelChar = 4, kLabelStart = 8 };

constexpr std::array<uint8_t, 256> MakeClasses() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    t[c] = static_cast<uint8_t>((alpha || c == ':' ? kMetricStart : 0) |
                                (alpha || digit || c == ':' ? kMetricChar : 0) |
                                (alpha ? kLabelStart : 0) | (alpha || digit ? kLabelChar : 0));
  }
  return t;
}
constexpr std::array<uint8_t, 256> kClasses = MakeClasses();

inline bool Is(char c, CharClass k) { return kClasses[static_cast<unsigned char>(c)] & k; }
inline bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// The name at `*pos` (first char `start`, then `rest`); empty when there is none.
inline std::string_view Name(std::string_view line, size_t* pos, CharClass start, CharClass rest) {
  size_t begin = *pos;
  if (begin >= line.size() || !Is(line[begin], start)) return {};
  size_t p = begin + 1;
  while (p < line.size() && Is(line[p], rest)) ++p;
  *pos = p;
  return line.substr(begin, p - begin);
}

inline uint64_t Mix(uint64_t x) {  // splitmix64's finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
inline uint64_t Hash(std::string_view s) { return std::hash<std::string_view>{}(s); }

// Open addressing over `table` (0 marks a free slot). False when `h` was there already.
inline bool InsertHash(std::vector<uint64_t>* table, size_t* used, uint64_t h) {
  if (h == 0) h = 1;
  if ((*used + 1) * 2 > table->size()) {
    std::vector<uint64_t> old(std::max<size_t>(64, table->size() * 2));
    old.swap(*table);
    *used = 0;
    for (uint64_t x : old) {
      if (x != 0) InsertHash(table, used, x);
    }
  }
  size_t mask = table->size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    uint64_t& slot = (*table)[i];
    if (slot == h) return false;
    if (slot == 0) {
      slot = h;
      ++*used;
      return true;
    }
  }
}

inline std::string Quoted(std::string_view text) {
  return "\"" + Printable(text, kQuoteBytes) + "\"";
}

}  // namespace zabitan::prom_bridge::lexing

#endif  // ZABITAN_PROM_BRIDGE_SRC_LEXING_H_
