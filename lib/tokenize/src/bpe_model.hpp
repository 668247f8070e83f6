#pragma once
// The BPE model of tokenizer.json: byte-level (GPT-2 style) and SentencePiece style (byte
// fallback, unk), with continuing_subword_prefix, end_of_word_suffix and ignore_merges.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "json_fields.hpp"

namespace infobound::tokenize {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
using TokenIds = std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>>;

class BpeModel {
 public:
  // `model` is the "model" object of the file; `where` names the file.
  static std::unique_ptr<BpeModel> from_json(const Json& model, const std::string& where);

  // Appends the ids of one pre-tokenized word.
  void tokenize(std::string_view word, std::vector<int64_t>& ids) const;

  std::optional<uint32_t> token_to_id(std::string_view token) const;
  const std::string* id_to_token(uint32_t id) const;
  std::size_t vocab_size() const { return vocab_.size(); }
  const TokenIds& vocab() const { return vocab_; }

 private:
  struct Merge {
    uint32_t rank;
    uint32_t new_id;
  };
  struct Symbol {
    uint32_t id;
    int32_t prev;
    int32_t next;
    uint32_t length;  // bytes of the word it covers; 0 once merged into its left neighbour
  };

  static uint64_t pair_key(uint32_t left, uint32_t right) { return (static_cast<uint64_t>(left) << 32) | right; }
  void initial_symbols(std::string_view word, std::vector<Symbol>& symbols) const;
  void merge_all(std::vector<Symbol>& symbols) const;
  void tokenize_uncached(std::string_view word, std::vector<uint32_t>& ids) const;

  std::string where_;
  TokenIds vocab_;
  std::vector<const std::string*> id_to_token_;
  std::unordered_map<uint64_t, Merge> merges_;
  std::optional<std::string> unk_token_;
  std::optional<std::string> continuing_subword_prefix_;
  std::optional<std::string> end_of_word_suffix_;
  bool byte_fallback_ = false;
  bool fuse_unk_ = false;
  bool ignore_merges_ = false;

  // Words seen before and their ids: most words of a corpus repeat, and merging is the cost.
  static constexpr std::size_t kCacheCapacity = 1 << 17;
  static constexpr std::size_t kMaxCachedWordBytes = 256;
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<uint32_t>, StringHash, std::equal_to<>> cache_;
};

}  // namespace infobound::tokenize
