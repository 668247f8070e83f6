#pragma once
// Exact tuple keys (no base-V packing) mapped to dense row numbers by open addressing.
// Keys are fixed-width tuples of int64; a table never forgets insertion order.
#include <cstdint>
#include <span>
#include <vector>

namespace infobound::estimate {

namespace detail {
inline uint64_t mix(uint64_t x) {  // splitmix64 finaliser
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
}  // namespace detail

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
  int64_t find_or_insert(const int64_t* key) { return find_or_insert(key, hash(key)); }
  int64_t find_or_insert(const int64_t* key, uint64_t key_hash);
  // Row of `key`, or -1.
  int64_t find(const int64_t* key) const { return find(key, hash(key)); }
  int64_t find(const int64_t* key, uint64_t key_hash) const;
  uint64_t hash(const int64_t* key) const {
    uint64_t h = 0x243f6a8885a308d3ULL;
    for (int64_t i = 0; i < width_; ++i) h = detail::mix(h ^ static_cast<uint64_t>(key[i]));
    return h;
  }
  // body(i, hash of key i) for the n keys at `keys` in order, each key's slot fetched from memory
  // while the keys before it are looked up: a corpus's keys hit the slots at random, so each
  // lookup would otherwise wait for memory. body may insert (the hashes stay valid).
  template <typename Body>
  void for_each_hashed(const int64_t* keys, int64_t n, const Body& body) const;
  const std::vector<int64_t>& keys() const { return keys_; }
  // Bytes held (keys and slots), for memory planning.
  int64_t memory_bytes() const { return static_cast<int64_t>((keys_.capacity() + slots_.capacity()) * sizeof(int64_t)); }
  std::span<const int64_t> key(int64_t row) const { return {keys_.data() + row * width_, static_cast<size_t>(width_)}; }

 private:
  static constexpr int64_t kAhead = 8;  // keys whose slots are being fetched

  // A key's first slot: the hash's top bits.
  uint64_t home(uint64_t key_hash) const { return key_hash >> shift_; }

  bool equal(int64_t row, const int64_t* key) const;
  void grow();

  int64_t width_;
  std::vector<int64_t> keys_;  // [size * width]
  // The hash's high 32 bits above row + 1, 0 = empty; power-of-two size. A probe compares keys
  // only where the high bits agree, so a new key's probes seldom read the keys. A key's first
  // slot is the hash's top log2(size) bits, so up to 2^32 slots a slot says where it goes in a
  // table twice the size, and growing reads neither the keys nor their hashes.
  std::vector<uint64_t> slots_;
  int shift_ = 60;  // 64 - log2(slots_.size())
};

template <typename Body>
void KeyIndex::for_each_hashed(const int64_t* keys, int64_t n, const Body& body) const {
  uint64_t ahead[kAhead];
  for (int64_t i = 0; i < n && i < kAhead; ++i) ahead[i] = hash(keys + i * width_);
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t key_hash = ahead[i % kAhead];
    if (i + kAhead < n) {
      const uint64_t later = hash(keys + (i + kAhead) * width_);
      ahead[i % kAhead] = later;
      __builtin_prefetch(slots_.data() + home(later));
    }
    body(i, key_hash);
  }
}

}  // namespace infobound::estimate
