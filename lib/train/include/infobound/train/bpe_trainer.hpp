#pragma once
// A byte-level BPE tokenizer learned on a corpus (GPT-2 alphabet and pre-tokenizer), written as
// a Hugging Face tokenizer.json that HF `tokenizers` and lib/tokenize load with identical ids.
#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace infobound::train {

struct BpeTrainerOptions {
  int64_t vocab_size = 1024;  // special tokens + 256 byte symbols + merges
  int64_t min_frequency = 2;  // a pair seen fewer times is never merged
  std::vector<std::string> special_tokens{"<|endoftext|>"};
};

// Vocabulary layout: special tokens first (ids 0..S-1, as Pythia's <|endoftext|> = 0), then the
// 256 byte symbols sorted by code point, then the merged tokens in the order learned (a merge whose
// result is already a token, e.g. (a, bc) after (ab, c), adds a merge but no token).
class ByteLevelBpe {
 public:
  // Learns merges on `corpus` (UTF-8; `document` names it in errors). Ties between equally
  // frequent pairs go to the pair of smaller ids, so training is deterministic.
  static ByteLevelBpe train(std::string_view corpus, const BpeTrainerOptions& options, std::string_view document = "corpus");

  // Reads a byte-level BPE tokenizer.json of the kind `save` writes (GPT-2 style: no normalizer,
  // ByteLevel pre-tokenizer without prefix space, BPE without unk or subword affixes); anything
  // else is refused naming the file and the component. Used to reuse a cached tokenizer.
  static ByteLevelBpe from_tokenizer_json(const nlohmann::json& json, const std::string& source);
  static ByteLevelBpe load(const std::filesystem::path& path);

  // Ids as HF tokenizers gives them for this tokenizer.json: special tokens matched first,
  // then GPT-2 pre-tokenization and merges by rank. Adds no special tokens (ByteLevel post-processor).
  std::vector<int64_t> encode(std::string_view text) const;
  std::string decode(std::span<const int64_t> ids, bool skip_special_tokens = true) const;

  int64_t vocab_size() const { return static_cast<int64_t>(tokens_.size()); }
  const std::vector<std::string>& tokens() const { return tokens_; }  // id -> token string
  struct Merge {
    int64_t left, right, merged;  // token ids; `merged` may be an older token (HF keeps such merges)
  };
  const std::vector<Merge>& merges() const { return merges_; }  // in rank order
  const std::vector<std::string>& special_tokens() const { return special_tokens_; }
  const std::vector<int64_t>& special_ids() const { return special_ids_; }

  nlohmann::ordered_json to_tokenizer_json() const;
  // Writes tokenizer.json atomically (temp file + rename).
  void save(const std::filesystem::path& path) const;

 private:
  ByteLevelBpe() = default;
  void index();
  void encode_word(std::string_view word, std::vector<int64_t>& out) const;

  std::vector<std::string> special_tokens_;
  std::vector<int64_t> special_ids_;
  std::vector<std::string> tokens_;
  std::vector<Merge> merges_;
  std::array<int64_t, 256> byte_ids_{};
  std::unordered_map<uint64_t, int64_t> merge_rank_;  // (left << 32 | right) -> rank
};

}  // namespace infobound::train
