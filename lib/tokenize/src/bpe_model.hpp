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

// Merge rules by token-id pair: an open-addressing table, since looking pairs up is the inner
// loop of BPE.
class MergeTable {
 public:
  struct Entry {
    uint64_t key = kEmpty;
    uint32_t rank = 0;
    uint32_t new_id = 0;
  };
  void reserve(std::size_t count);
  void insert_or_assign(uint64_t key, uint32_t rank, uint32_t new_id);
  const Entry* find(uint64_t key) const {
    for (uint64_t slot = mix(key) & mask_;; slot = (slot + 1) & mask_) {
      const Entry& entry = slots_[slot];
      if (entry.key == key) return &entry;
      if (entry.key == kEmpty) return nullptr;
    }
  }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  static uint64_t mix(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
  }
  std::vector<Entry> slots_{Entry{}};
  uint64_t mask_ = 0;
  std::size_t size_ = 0;
};

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
  MergeTable merges_;
  // Ids of the one-character tokens of the Basic Multilingual Plane (-1: not in the vocabulary),
  // so that splitting a word into characters needs no string hashing.
  std::vector<int32_t> bmp_char_ids_;
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
