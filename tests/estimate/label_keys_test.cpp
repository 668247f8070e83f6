#include "infobound/estimate/label_keys.hpp"

#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace est = infobound::estimate;

namespace {

// n keys of width w over tokens [0, alphabet): many repeats, and far more distinct keys than the
// index's first slots, so that it grows while being filled.
std::vector<int64_t> random_keys(int64_t n, int64_t w, int64_t alphabet, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> token(0, alphabet - 1);
  std::vector<int64_t> keys(static_cast<std::size_t>(n * w));
  for (auto& k : keys) k = token(rng);
  return keys;
}

TEST(KeyIndex, LookAheadLookupsGiveTheRowsOfPlainOnes) {
  for (const int64_t w : {1, 2, 4}) {
    const int64_t n = 200000;
    const int64_t alphabet = w == 1 ? 20000 : 60;
    const auto keys = random_keys(n, w, alphabet, static_cast<uint64_t>(w));
    est::KeyIndex plain(w), ahead(w);
    std::vector<int64_t> plain_rows, ahead_rows;
    for (int64_t i = 0; i < n; ++i) plain_rows.push_back(plain.find_or_insert(keys.data() + i * w));
    int64_t visited = 0;
    ahead.for_each_hashed(keys.data(), n, [&](int64_t i, uint64_t key_hash) {
      ASSERT_EQ(i, visited++);
      ASSERT_EQ(key_hash, ahead.hash(keys.data() + i * w));
      ahead_rows.push_back(ahead.find_or_insert(keys.data() + i * w, key_hash));
    });
    ASSERT_EQ(visited, n);
    EXPECT_EQ(plain_rows, ahead_rows) << "width " << w;
    EXPECT_EQ(plain.keys(), ahead.keys()) << "width " << w;
    EXPECT_GT(plain.size(), 1000) << "width " << w;  // the index grew several times
    // Every key is found at its row; a key outside the alphabet is not found.
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(ahead.find(keys.data() + i * w), ahead_rows[static_cast<std::size_t>(i)]);
    const std::vector<int64_t> absent(static_cast<std::size_t>(w), alphabet);
    EXPECT_EQ(ahead.find(absent.data()), -1);
  }
}

TEST(KeyIndex, KeysDifferingInOneWordAreDistinct) {
  est::KeyIndex index(3);
  std::vector<int64_t> rows;
  for (int64_t a = 0; a < 30; ++a)
    for (int64_t b = 0; b < 30; ++b)
      for (int64_t c = 0; c < 30; ++c) {
        const int64_t key[3] = {a, b, c};
        rows.push_back(index.find_or_insert(key));
      }
  ASSERT_EQ(index.size(), 27000);
  for (std::size_t r = 0; r < rows.size(); ++r) ASSERT_EQ(rows[r], static_cast<int64_t>(r));
  const int64_t key[3] = {29, 0, 17};
  EXPECT_EQ(index.find(key), 29 * 900 + 17);
}

}  // namespace
