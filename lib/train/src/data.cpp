#include "infobound/train/data.hpp"

#include <cmath>
#include <numeric>

#include "infobound/core/error.hpp"

namespace infobound::train {

TextSplit split_text(std::string_view text, double heldout_fraction, std::string_view document) {
  if (text.empty()) throw InputError(std::string(document) + ": empty corpus");
  const auto target = static_cast<std::size_t>(std::floor(static_cast<double>(text.size()) * (1.0 - heldout_fraction)));
  std::size_t cut = text.find("\n\n", target);
  if (cut != std::string_view::npos) {
    cut += 2;
  } else if ((cut = text.find('\n', target)) != std::string_view::npos) {
    cut += 1;
  }
  if (cut == std::string_view::npos || cut == 0 || cut >= text.size()) {
    throw InputError(std::string(document) + ": cannot split off a held-out part of " + std::to_string(heldout_fraction) +
                     " at a line boundary (the corpus is too short or has no newline)");
  }
  return {text.substr(0, cut), text.substr(cut)};
}

TokenSplit tokenize_split(const TextSplit& split, const ByteLevelBpe& tokenizer) {
  return {tokenizer.encode(split.train), tokenizer.encode(split.heldout)};
}

uint64_t SplitMix64::next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t SplitMix64::below(uint64_t bound) {
  // Rejection sampling: drop the top partial block so every value is equally likely.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t value;
  do value = next();
  while (value >= limit);
  return value % bound;
}

TokenWindows::TokenWindows(std::vector<int64_t> tokens, int64_t context_length)
    : tokens_(std::move(tokens)), context_length_(context_length) {
  // Window i holds tokens [i*T, i*T + T + 1): consecutive windows share one boundary token so
  // that every token is predicted exactly once.
  n_windows_ = tokens_.size() > 1 ? (static_cast<int64_t>(tokens_.size()) - 1) / context_length_ : 0;
}

at::Tensor TokenWindows::windows(int64_t first, int64_t count) const {
  std::vector<int64_t> indices(static_cast<std::size_t>(count));
  std::iota(indices.begin(), indices.end(), first);
  return gather(indices);
}

at::Tensor TokenWindows::gather(const std::vector<int64_t>& indices) const {
  const int64_t width = context_length_ + 1;
  at::Tensor batch = at::empty({static_cast<int64_t>(indices.size()), width}, at::kLong);
  int64_t* out = batch.data_ptr<int64_t>();
  for (std::size_t row = 0; row < indices.size(); ++row) {
    const int64_t index = indices[row];
    if (index < 0 || index >= n_windows_) throw std::out_of_range("TokenWindows: window index out of range");
    std::copy_n(tokens_.begin() + index * context_length_, width, out + row * width);
  }
  return batch;
}

BatchSampler::BatchSampler(const TokenWindows& windows, int64_t batch_size, uint64_t seed)
    : windows_(windows), batch_size_(batch_size), seed_(seed) {
  if (windows_.size() < batch_size_) {
    throw InputError("the training text has " + std::to_string(windows_.size()) + " windows of " +
                     std::to_string(windows_.context_length()) + " tokens, fewer than one batch of " +
                     std::to_string(batch_size_));
  }
  shuffle();
}

void BatchSampler::shuffle() {
  order_.resize(static_cast<std::size_t>(windows_.size()));
  std::iota(order_.begin(), order_.end(), 0);
  SplitMix64 rng(seed_ + epoch_);
  for (std::size_t i = order_.size() - 1; i > 0; --i) std::swap(order_[i], order_[rng.below(i + 1)]);
  position_ = 0;
}

at::Tensor BatchSampler::next() {
  // An epoch's last partial batch is dropped, so every batch has the same shape.
  if (position_ + static_cast<std::size_t>(batch_size_) > order_.size()) {
    ++epoch_;
    shuffle();
  }
  std::vector<int64_t> indices(order_.begin() + position_, order_.begin() + position_ + batch_size_);
  position_ += static_cast<std::size_t>(batch_size_);
  return windows_.gather(indices);
}

}  // namespace infobound::train
