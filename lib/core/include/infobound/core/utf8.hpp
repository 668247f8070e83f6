#pragma once
// UTF-8 validation and repair, the one home for both (corpus readers, tokenizer input): the
// Unicode "maximal subpart" practice of Python's bytes.decode(errors="replace").
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace infobound {

enum class InvalidUtf8 { error, replace };

// Returns valid UTF-8; with `error`, throws InputError naming `document` and the byte offset;
// with `replace`, substitutes U+FFFD exactly as Python's bytes.decode(errors="replace")
// (one U+FFFD per maximal subpart of an ill-formed sequence). `replaced` is set to whether
// anything was substituted.
std::string to_valid_utf8(std::string_view bytes, InvalidUtf8 policy, std::string_view document, bool* replaced = nullptr);

// Byte offset of the first ill-formed UTF-8 sequence, or std::nullopt when `bytes` is valid.
std::optional<std::size_t> first_invalid_utf8(std::string_view bytes);

}  // namespace infobound
