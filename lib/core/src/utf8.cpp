// Validation and repair of UTF-8 by the Unicode "maximal subpart" practice, which is what
// Python's bytes.decode(errors="replace") and Rust's String::from_utf8_lossy implement.
#include "infobound/core/utf8.hpp"

#include <cstdint>
#include <cstring>

#include "infobound/core/error.hpp"

namespace infobound {
namespace {

// Length of the well-formed sequence at `pos` (1..4), or 0 when ill-formed; in that case
// `subpart` is the length of the maximal subpart to replace by one U+FFFD (at least 1).
std::size_t well_formed_length(std::string_view bytes, std::size_t pos, std::size_t& subpart) {
  const auto at = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
  const unsigned char lead = at(pos);
  subpart = 1;
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char second_low = 0x80, second_high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_low = 0xA0;
    if (lead == 0xED) second_high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_low = 0x90;
    if (lead == 0xF4) second_high = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;  // a continuation byte, an overlong lead (C0, C1) or F5..FF
  }
  for (std::size_t i = 1; i < length; ++i) {
    if (pos + i >= bytes.size()) return 0;
    const unsigned char b = at(pos + i);
    const unsigned char low = i == 1 ? second_low : 0x80;
    const unsigned char high = i == 1 ? second_high : 0xBF;
    if (b < low || b > high) return 0;
    subpart = i + 1;
  }
  return length;
}

}  // namespace

std::optional<std::size_t> first_invalid_utf8(std::string_view bytes) {
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    // ASCII runs dominate real text; skip them eight bytes at a time.
    while (pos + 8 <= bytes.size()) {
      uint64_t word;
      std::memcpy(&word, bytes.data() + pos, 8);
      if (word & 0x8080808080808080ULL) break;
      pos += 8;
    }
    if (pos >= bytes.size()) break;
    std::size_t subpart;
    const std::size_t length = well_formed_length(bytes, pos, subpart);
    if (length == 0) return pos;
    pos += length;
  }
  return std::nullopt;
}

std::string to_valid_utf8(std::string_view bytes, InvalidUtf8 policy, std::string_view document, bool* replaced) {
  if (replaced) *replaced = false;
  const auto invalid = first_invalid_utf8(bytes);
  if (!invalid) return std::string(bytes);
  if (policy == InvalidUtf8::error) {
    throw InputError(std::string(document) + ": invalid UTF-8 at byte offset " + std::to_string(*invalid));
  }
  if (replaced) *replaced = true;
  std::string out(bytes.substr(0, *invalid));
  out.reserve(bytes.size() + 8);
  std::size_t pos = *invalid;
  while (pos < bytes.size()) {
    std::size_t subpart;
    const std::size_t length = well_formed_length(bytes, pos, subpart);
    if (length == 0) {
      out += "\xEF\xBF\xBD";
      pos += subpart;
    } else {
      out.append(bytes.substr(pos, length));
      pos += length;
    }
  }
  return out;
}

}  // namespace infobound
