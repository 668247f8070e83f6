#pragma once
// GPT-2's byte-level alphabet and pre-tokenizer: the pieces a byte-level BPE vocabulary is
// built from. Every byte maps to one printable code point, so every token is a valid string.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace infobound::train {

// GPT-2's byte -> character tables are tokenize/byte_level.hpp; these name them for the trainer.
// The UTF-8 string of a byte's code point ("Ġ" for ' ').
const std::string& byte_symbol(uint8_t byte);
// All 256 byte symbols sorted by code point: the initial alphabet in the order HF's trainer uses.
std::vector<uint8_t> alphabet_bytes_by_code_point();
// Bytes -> the concatenated byte symbols ("a b" -> "aĠb").
std::string bytes_to_symbols(std::string_view bytes);
// Inverse of bytes_to_symbols; returns false when `symbols` has a code point outside the alphabet.
bool symbols_to_bytes(std::string_view symbols, std::string& bytes);

// GPT-2's pre-tokenizer (HF ByteLevel with use_regex): the GPT-2 regex, compiled once with
// PCRE2 UTF+UCP, with \s meaning Unicode White_Space as in HF tokenizers.

class Gpt2PreTokenizer {
 public:
  Gpt2PreTokenizer();
  ~Gpt2PreTokenizer();
  Gpt2PreTokenizer(const Gpt2PreTokenizer&) = delete;
  Gpt2PreTokenizer& operator=(const Gpt2PreTokenizer&) = delete;
  // Splits UTF-8 text into the regex's matches (they cover the text). Invalid UTF-8 throws
  // InputError naming `document` and the byte offset.
  std::vector<std::string_view> split(std::string_view text, std::string_view document = "text") const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace infobound::train
