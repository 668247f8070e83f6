#pragma once
// Exact tuple keys (no base-V packing) mapped to dense row numbers by open addressing.
// Keys are fixed-width tuples of int64; a table never forgets insertion order.
#include <cstdint>
#include <span>
#include <vector>

namespace infobound::estimate {

// The rank that owns `key` among `n_owners` ranks sharing one unit: a hash independent of the
// index's own slot hash, so that the keys of one owner still spread over that owner's slots.
int64_t key_owner(const int64_t* key, int64_t key_width, int64_t n_owners);

class KeyIndex {
 public:
  explicit KeyIndex(int64_t key_width = 1);

  int64_t key_width() const { return width_; }
  int64_t size() const { return static_cast<int64_t>(keys_.size()) / width_; }
  // Room for `n` keys without growing (exact memory for tables whose keys are known in advance).
  void reserve(int64_t n);
  // Row of `key`, inserted at the end when new.
  int64_t find_or_insert(const int64_t* key);
  // Row of `key`, or -1.
  int64_t find(const int64_t* key) const;
  const std::vector<int64_t>& keys() const { return keys_; }
  // Bytes held (keys and slots), for memory planning.
  int64_t memory_bytes() const { return static_cast<int64_t>((keys_.capacity() + slots_.capacity()) * sizeof(int64_t)); }
  std::span<const int64_t> key(int64_t row) const { return {keys_.data() + row * width_, static_cast<size_t>(width_)}; }

 private:
  uint64_t hash(const int64_t* key) const;
  bool equal(int64_t row, const int64_t* key) const;
  void grow();

  int64_t width_;
  std::vector<int64_t> keys_;   // [size * width]
  std::vector<int64_t> slots_;  // row + 1, 0 = empty; power-of-two size
};

}  // namespace infobound::estimate
