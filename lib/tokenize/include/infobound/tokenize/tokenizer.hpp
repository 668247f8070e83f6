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

enum class InvalidUtf8 { error, replace };

// Returns valid UTF-8; with `error`, throws InputError naming `document` and the byte offset;
// with `replace`, substitutes U+FFFD exactly as Python's bytes.decode(errors="replace")
// (one U+FFFD per maximal subpart of an ill-formed sequence). `replaced` is set to whether
// anything was substituted.
std::string to_valid_utf8(std::string_view bytes, InvalidUtf8 policy, std::string_view document,
                          bool* replaced = nullptr);

// Byte offset of the first ill-formed UTF-8 sequence, or std::nullopt when `bytes` is valid.
std::optional<std::size_t> first_invalid_utf8(std::string_view bytes);

}  // namespace infobound::tokenize
