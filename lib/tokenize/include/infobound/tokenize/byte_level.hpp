#pragma once
// GPT-2's reversible map from bytes to printable characters (bytes_to_unicode): printable
// Latin-1 bytes map to themselves, the other 68 bytes to U+0100.. in byte order. The one home of
// these tables: the tokenizer (pre-tokenizer, decoder) and the BPE trainer (lib/train) use them.
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace infobound::tokenize::byte_level {

// UTF-8 of the character that stands for each byte.
const std::array<std::string, 256>& byte_to_text();
// The code point that stands for each byte.
const std::array<char32_t, 256>& byte_to_code_point();
// The byte a character stands for, if it is one of the 256.
std::optional<unsigned char> char_to_byte(char32_t cp);
// Appends the mapped form of `bytes` to `out`.
void map_bytes(std::string_view bytes, std::string& out);

// The regex ByteLevel uses when use_regex is true.
inline constexpr std::string_view kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

}  // namespace infobound::tokenize::byte_level
