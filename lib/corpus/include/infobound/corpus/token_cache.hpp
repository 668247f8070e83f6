#pragma once
// The per-tokenizer token cache RUN/corpus/<tokenizer-id>.h5 (docs/interfaces.md), written by
// `plan`, read by `extract` and by `bound`. One codec, so every reader applies the same checks:
//   ids int64 [total] (>= 0), offsets int64 [n_seq+1] (0 .. total, non-decreasing),
//   preference int8 [total] (-1 none, 0 rejected, 1 chosen), sequence_document int64 [n_seq];
//   attrs tokenizer, tokenizer_sha256, config_hash, max_order (>= 1), window (soft_h | per_order),
//   max_length, sequences, n_documents, n_replaced, n_skipped_empty.
#include <cstdint>
#include <filesystem>
#include <string>

#include "infobound/corpus/sequences.hpp"

namespace infobound::corpus {

struct TokenCacheInfo {
  std::string tokenizer;  // path of the tokenizer.json
  std::string tokenizer_sha256;
  std::string config_hash;
  int64_t max_order = 0;
  std::string window;  // soft_h | per_order
  int64_t max_length = 0;
  std::string sequences;  // per_document | packed
};

struct TokenCache {
  TokenizedCorpus corpus;
  TokenCacheInfo info;
  std::string tokenizer_id;  // the file's stem
};

// temp file + fsync + rename.
void write_token_cache(const std::filesystem::path& path, const TokenizedCorpus& corpus, const TokenCacheInfo& info);

// Reads and validates the layout above. Throws InputError naming the file and the dataset or
// attribute that is missing, has the wrong type or shape, or does not fit the others.
TokenCache read_token_cache(const std::filesystem::path& path);

// The same, and also refuses a cache made for another tokenizer or config.
TokenizedCorpus read_token_cache(const std::filesystem::path& path, const TokenCacheInfo& expected);

}  // namespace infobound::corpus
