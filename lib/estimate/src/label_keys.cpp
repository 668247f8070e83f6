#include "infobound/estimate/label_keys.hpp"

#include <algorithm>
#include <stdexcept>

namespace infobound::estimate {
int64_t key_owner(const int64_t* key, int64_t key_width, int64_t n_owners) {
  if (n_owners <= 1) return 0;
  uint64_t h = 0x13198a2e03707344ULL;
  for (int64_t i = 0; i < key_width; ++i) h = detail::mix(h ^ detail::mix(static_cast<uint64_t>(key[i]) + 0xa4093822299f31d0ULL));
  return static_cast<int64_t>((h >> 16) % static_cast<uint64_t>(n_owners));
}

KeyIndex::KeyIndex(int64_t key_width) : width_(key_width), slots_(16, 0) {
  if (key_width < 1) throw std::invalid_argument("label keys need a width >= 1");
}

bool KeyIndex::equal(int64_t row, const int64_t* key) const {
  // A loop, not std::equal: keys are 1-4 words, and std::equal calls memcmp for each probe.
  const int64_t* stored = keys_.data() + row * width_;
  for (int64_t i = 0; i < width_; ++i)
    if (stored[i] != key[i]) return false;
  return true;
}

namespace {
constexpr uint64_t kRowBits = 0xFFFFFFFFull;
uint64_t high_bits(uint64_t key_hash) { return key_hash & ~kRowBits; }
}  // namespace

int64_t KeyIndex::find(const int64_t* key, uint64_t key_hash) const {
  const uint64_t mask = slots_.size() - 1, high = high_bits(key_hash);
  for (uint64_t slot = home(key_hash);; slot = (slot + 1) & mask) {
    const uint64_t entry = slots_[slot];
    if (entry == 0) return -1;
    const auto row = static_cast<int64_t>(entry & kRowBits) - 1;
    if (high_bits(entry) == high && equal(row, key)) return row;
  }
}

int64_t KeyIndex::find_or_insert(const int64_t* key, uint64_t key_hash) {
  const uint64_t mask = slots_.size() - 1, high = high_bits(key_hash);
  uint64_t slot = home(key_hash);
  for (;; slot = (slot + 1) & mask) {
    const uint64_t entry = slots_[slot];
    if (entry == 0) break;
    const auto row = static_cast<int64_t>(entry & kRowBits) - 1;
    if (high_bits(entry) == high && equal(row, key)) return row;
  }
  const int64_t row = size();
  if (static_cast<uint64_t>(row) + 1 >= kRowBits)
    throw std::length_error("more than 2^32 - 2 distinct label keys in one label set");
  keys_.insert(keys_.end(), key, key + width_);
  slots_[slot] = high | static_cast<uint64_t>(row + 1);
  if (2 * static_cast<uint64_t>(size()) > slots_.size()) grow();
  return row;
}

void KeyIndex::reserve(int64_t n) {
  keys_.reserve(static_cast<std::size_t>(n * width_));
  while (2 * static_cast<uint64_t>(n) > slots_.size()) grow();
}

void KeyIndex::grow() {
  std::vector<uint64_t> slots(slots_.size() * 2, 0);
  const uint64_t mask = slots.size() - 1;
  const int shift = shift_ - 1;
  const auto place = [&](uint64_t entry, uint64_t home) {
    while (slots[home] != 0) home = (home + 1) & mask;
    slots[home] = entry;
  };
  if (shift >= 32) {
    // The new home is within the stored high bits. Old slots in order give new homes in order,
    // so the new table is written nearly front to back.
    for (const uint64_t entry : slots_)
      if (entry != 0) place(entry, entry >> shift);
  } else {
    for (int64_t row = 0; row < size(); ++row) {
      const uint64_t key_hash = hash(keys_.data() + row * width_);
      place(high_bits(key_hash) | static_cast<uint64_t>(row + 1), key_hash >> shift);
    }
  }
  slots_ = std::move(slots);
  shift_ = shift;
}

}  // namespace infobound::estimate
