#pragma once
// Training data: the corpus tokenized once, split into a training part and a held-out tail, and
// served as fixed-length windows in a seeded, reproducible order.
#include <cstdint>
#include <string_view>
#include <vector>

#include <ATen/ATen.h>

#include "infobound/train/bpe_trainer.hpp"

namespace infobound::train {

struct TextSplit {
  std::string_view train;
  std::string_view heldout;
};
// The held-out part is the last `heldout_fraction` of the text, moved forward to the start of a
// paragraph (after a blank line) so that no speech straddles the split; without a blank line in
// the tail the cut falls at a line start. Throws InputError when a part would be empty.
TextSplit split_text(std::string_view text, double heldout_fraction, std::string_view document);

struct TokenSplit {
  std::vector<int64_t> train;
  std::vector<int64_t> heldout;
};
TokenSplit tokenize_split(const TextSplit& split, const ByteLevelBpe& tokenizer);

// A counter-based generator (SplitMix64): the same seed gives the same stream on every platform
// and standard library, unlike std::shuffle's unspecified algorithm.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next();
  uint64_t below(uint64_t bound);  // uniform in [0, bound), unbiased

 private:
  uint64_t state_;
};

// Non-overlapping windows of context_length + 1 tokens (inputs and their next-token targets).
class TokenWindows {
 public:
  TokenWindows(std::vector<int64_t> tokens, int64_t context_length);
  int64_t size() const { return n_windows_; }
  int64_t context_length() const { return context_length_; }
  // Windows [first, first + count) in corpus order as an int64 tensor [count, context_length + 1].
  at::Tensor windows(int64_t first, int64_t count) const;
  at::Tensor gather(const std::vector<int64_t>& indices) const;

 private:
  std::vector<int64_t> tokens_;
  int64_t context_length_;
  int64_t n_windows_;
};

// Batches of windows in epochs: each epoch is a fresh Fisher-Yates permutation drawn from
// SplitMix64(seed + epoch), so the data order depends on the seed alone.
class BatchSampler {
 public:
  BatchSampler(const TokenWindows& windows, int64_t batch_size, uint64_t seed);
  at::Tensor next();  // [batch_size, context_length + 1]

 private:
  void shuffle();
  const TokenWindows& windows_;
  int64_t batch_size_;
  uint64_t seed_;
  uint64_t epoch_ = 0;
  std::vector<int64_t> order_;
  std::size_t position_ = 0;
};

}  // namespace infobound::train
