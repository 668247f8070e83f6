#pragma once
// UTF-8 decoding and encoding for text already known to be valid.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace infobound::tokenize::utf8 {

inline std::size_t char_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;
}

// Decodes the code point at `pos` of valid UTF-8 and advances `pos` past it.
inline char32_t next(std::string_view text, std::size_t& pos) {
  const auto b0 = static_cast<unsigned char>(text[pos]);
  if (b0 < 0x80) {
    ++pos;
    return b0;
  }
  const std::size_t n = char_length(b0);
  char32_t cp = b0 & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
  for (std::size_t i = 1; i < n; ++i) cp = (cp << 6) | (static_cast<unsigned char>(text[pos + i]) & 0x3F);
  pos += n;
  return cp;
}

// Decodes the code point that ends at `end` and moves `end` to its first byte.
inline char32_t previous(std::string_view text, std::size_t& end) {
  std::size_t start = end - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  std::size_t pos = start;
  const char32_t cp = next(text, pos);
  end = start;
  return cp;
}

inline void append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

inline std::string encode(char32_t cp) {
  std::string out;
  append(out, cp);
  return out;
}

// Decodes a string that must hold exactly one code point; returns U+FFFFFFFF otherwise.
inline char32_t single_code_point(std::string_view text) {
  if (text.empty()) return 0xFFFFFFFF;
  std::size_t pos = 0;
  const char32_t cp = next(text, pos);
  return pos == text.size() ? cp : 0xFFFFFFFF;
}

}  // namespace infobound::tokenize::utf8
