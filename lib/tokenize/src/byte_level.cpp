#include "infobound/tokenize/byte_level.hpp"

#include "utf8.hpp"

namespace infobound::tokenize::byte_level {
namespace {

constexpr bool maps_to_itself(unsigned b) {
  return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

struct Tables {
  std::array<std::string, 256> text;
  std::array<char32_t, 256> code_point{};
  Tables() {
    char32_t next_free = 0x100;
    for (unsigned b = 0; b < 256; ++b) {
      code_point[b] = maps_to_itself(b) ? static_cast<char32_t>(b) : next_free++;
      text[b] = utf8::encode(code_point[b]);
    }
  }
};

const Tables& tables() {
  static const Tables instance;
  return instance;
}

}  // namespace

const std::array<std::string, 256>& byte_to_text() { return tables().text; }

const std::array<char32_t, 256>& byte_to_code_point() { return tables().code_point; }

std::optional<unsigned char> char_to_byte(char32_t cp) {
  if (cp < 0x100 && maps_to_itself(cp)) return static_cast<unsigned char>(cp);
  if (cp >= 0x100 && cp < 0x100 + 68) {
    unsigned index = cp - 0x100;
    for (unsigned b = 0; b < 256; ++b) {
      if (!maps_to_itself(b) && index-- == 0) return static_cast<unsigned char>(b);
    }
  }
  return std::nullopt;
}

void map_bytes(std::string_view bytes, std::string& out) {
  const auto& text = tables().text;
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    if (maps_to_itself(b) && b < 0x80) {
      out.push_back(c);
    } else {
      out += text[b];
    }
  }
}

}  // namespace infobound::tokenize::byte_level
