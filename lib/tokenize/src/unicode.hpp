#pragma once
// Unicode character properties and normalization forms, with the definitions the reference
// (Rust `char` methods, Oniguruma, unicode-normalization) uses. Backed by ICU.
#include <string>
#include <string_view>

namespace infobound::tokenize::unicode {

// Unicode White_Space: Rust char::is_whitespace, Rust regex \s and Oniguruma \s.
bool is_white_space(char32_t cp);
// Rust char::is_numeric: general category Nd, Nl or No.
bool is_numeric(char32_t cp);
// Rust regex \w: Alphabetic, M, Nd, Pc or Join_Control.
bool is_word_character(char32_t cp);

enum class NormalForm { nfc, nfd, nfkc, nfkd };
// Replaces `text` (valid UTF-8) by its normalization form.
void normalize(NormalForm form, std::string& text);

// Rust char::to_lowercase applied to every character (no context: a final sigma stays σ).
void lowercase(std::string& text);

}  // namespace infobound::tokenize::unicode
