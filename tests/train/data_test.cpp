#include <gtest/gtest.h>

#include <set>

#include "infobound/core/error.hpp"
#include "infobound/train/data.hpp"

using namespace infobound::train;

TEST(SplitText, HeldOutStartsAtAParagraph) {
  const std::string text = "Alpha:\nOne two.\n\nBeta:\nThree four.\n\nGamma:\nFive six seven.\n";
  const auto split = split_text(text, 0.4, "t");
  EXPECT_EQ(std::string(split.train) + std::string(split.heldout), text);
  EXPECT_EQ(split.heldout, "Gamma:\nFive six seven.\n");
  EXPECT_THROW(split_text("", 0.1, "t"), infobound::InputError);
  EXPECT_THROW(split_text("no newline at all", 0.1, "t"), infobound::InputError);
}

TEST(SplitMix64, KnownValuesAndUniformRange) {
  SplitMix64 rng(1234567);
  // Reference values of SplitMix64 (Vigna) seeded with 1234567.
  EXPECT_EQ(rng.next(), 6457827717110365317ull);
  EXPECT_EQ(rng.next(), 3203168211198807973ull);
  SplitMix64 bounded(7);
  for (int i = 0; i < 1000; ++i) EXPECT_LT(bounded.below(3), 3u);
}

TEST(TokenWindows, WindowsOverlapByOneTargetToken) {
  std::vector<int64_t> tokens(25);
  for (int i = 0; i < 25; ++i) tokens[i] = i;
  const TokenWindows windows(tokens, 8);
  ASSERT_EQ(windows.size(), 3);  // (25 - 1) / 8
  const auto batch = windows.windows(1, 2);
  ASSERT_EQ(batch.sizes(), (at::IntArrayRef{2, 9}));
  EXPECT_EQ(batch[0][0].item<int64_t>(), 8);
  EXPECT_EQ(batch[0][8].item<int64_t>(), 16);
  EXPECT_EQ(batch[1][0].item<int64_t>(), 16);
  EXPECT_EQ(batch[1][8].item<int64_t>(), 24);
}

TEST(BatchSampler, SeededOrderCoversEachEpochOnce) {
  std::vector<int64_t> tokens(101);
  for (int i = 0; i < 101; ++i) tokens[i] = i;
  const TokenWindows windows(tokens, 10);  // 10 windows
  BatchSampler a(windows, 5, 42), b(windows, 5, 42), c(windows, 5, 43);
  std::set<int64_t> firsts;
  bool differs = false;
  for (int batch = 0; batch < 2; ++batch) {
    const auto x = a.next(), y = b.next(), z = c.next();
    EXPECT_TRUE(x.equal(y));
    differs = differs || !x.equal(z);
    for (int64_t row = 0; row < 5; ++row) firsts.insert(x[row][0].item<int64_t>());
  }
  EXPECT_EQ(firsts.size(), 10u);  // one epoch: every window exactly once
  EXPECT_TRUE(differs);
  EXPECT_TRUE(a.next().equal(b.next()));  // second epoch reshuffled identically
}
