#pragma once
// A Hugging Face tokenizer.json, giving exactly the ids of the `tokenizers` library (Rust).
// Supported: BPE models (byte-level GPT-2 style and SentencePiece style with byte fallback),
// the normalizers, pre-tokenizers, post-processors and decoders these use, and added tokens.
// Anything else in a file is refused with an InputError naming the component and the file.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "infobound/core/utf8.hpp"

namespace infobound::tokenize {

struct TokenizerImpl;

class Tokenizer {
 public:
  // A tokenizer.json, or a model directory that contains one.
  static Tokenizer from_file(const std::filesystem::path& path);

  // `utf8_text` must be valid UTF-8 (see to_valid_utf8); invalid input is an InputError.
  // `add_special_tokens` switches the post-processor's template (BOS/EOS) on or off; added
  // tokens written in the text are matched either way, as the reference does.
  std::vector<int64_t> encode(std::string_view utf8_text, bool add_special_tokens = true) const;

  // Ids unknown to the tokenizer are skipped, as the reference does.
  std::string decode(std::span<const int64_t> ids, bool skip_special_tokens = true) const;

  int64_t vocab_size() const;  // including added tokens
  std::optional<int64_t> token_to_id(std::string_view token) const;

  const std::filesystem::path& path() const;

 private:
  explicit Tokenizer(std::shared_ptr<const TokenizerImpl> impl);
  std::shared_ptr<const TokenizerImpl> impl_;
};

// UTF-8 validation and repair live in core (core/utf8.hpp); named here for the tokenizer's callers.
using infobound::first_invalid_utf8;
using infobound::InvalidUtf8;
using infobound::to_valid_utf8;

}  // namespace infobound::tokenize
