#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "infobound/bound/ngram_joint.hpp"
#include "infobound/core/error.hpp"

namespace {
using infobound::bound::NgramJointOptions;

struct Corpus {
  std::vector<int64_t> ids, offsets{0};
};

Corpus random_corpus(int n_seq, int max_len, int vocab, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Corpus c;
  for (int s = 0; s < n_seq; ++s) {
    const int len = 1 + static_cast<int>(rng() % max_len);
    for (int i = 0; i < len; ++i) c.ids.push_back(static_cast<int64_t>(rng() % vocab) * 7 + 3);  // sparse ids
    c.offsets.push_back(static_cast<int64_t>(c.ids.size()));
  }
  return c;
}

// The joint counted the obvious way, keyed by (context tuple, next token).
std::map<std::pair<std::vector<int64_t>, int64_t>, double> brute_force(const Corpus& c, int k, int window_order) {
  std::map<std::pair<std::vector<int64_t>, int64_t>, double> counts;
  double total = 0;
  for (std::size_t s = 0; s + 1 < c.offsets.size(); ++s) {
    const int64_t b = c.offsets[s], len = c.offsets[s + 1] - b;
    for (int64_t i = window_order - 1; i < len - window_order; ++i) {
      std::vector<int64_t> ctx(c.ids.begin() + b + i - k + 1, c.ids.begin() + b + i + 1);
      counts[{ctx, c.ids[b + i + 1]}] += 1;
      total += 1;
    }
  }
  for (auto& [key, v] : counts) v /= total;
  return counts;
}
}  // namespace

TEST(NgramJoint, MatchesBruteForceCountsForEveryOrderAndWindow) {
  const auto corpus = random_corpus(30, 20, 6, 42);
  for (int k = 1; k <= 4; ++k) {
    for (const bool per_order : {false, true}) {
      NgramJointOptions options;
      options.order = k;
      options.window_order = 4;
      options.per_order_window = per_order;
      const auto result = infobound::bound::ngram_joint(corpus.ids, corpus.offsets, options);
      const auto expected = brute_force(corpus, k, per_order ? k : 4);
      const auto& j = result.joint;
      // Probabilities agree and the mutual information equals the brute-force one.
      double total = 0, mi_expected = 0;
      std::map<std::vector<int64_t>, double> px;
      std::map<int64_t, double> py;
      for (const auto& [key, p] : expected) {
        px[key.first] += p;
        py[key.second] += p;
        total += p;
      }
      for (const auto& [key, p] : expected) mi_expected += p * std::log(p / (px[key.first] * py[key.second]));
      EXPECT_NEAR(total, 1.0, 1e-12);
      EXPECT_EQ(result.n_contexts, static_cast<int64_t>(px.size())) << "k=" << k;
      EXPECT_EQ(j.n_x(), static_cast<int64_t>(px.size()));
      EXPECT_EQ(result.n_tokens, static_cast<int64_t>(py.size()));
      EXPECT_EQ(static_cast<std::size_t>(j.row_begin.back()), expected.size());
      EXPECT_NEAR(j.mutual_information(), mi_expected, 1e-12) << "k=" << k << " per_order=" << per_order;
      int64_t positions = 0;
      for (std::size_t s = 0; s + 1 < corpus.offsets.size(); ++s) {
        const int64_t len = corpus.offsets[s + 1] - corpus.offsets[s], w = per_order ? k : 4;
        positions += std::max<int64_t>(0, len - 2 * w + 1);
      }
      EXPECT_EQ(result.n_positions, positions);
    }
  }
}

TEST(NgramJoint, CapKeepsTheMostFrequentContextsAndMergesTheRest) {
  // Context frequencies: token 1 x5, 2 x4, 3 x3, 4 x2, 5 x1 (each followed by 9).
  Corpus c;
  for (int token = 1; token <= 5; ++token)
    for (int r = 0; r < 6 - token; ++r) {
      c.ids.insert(c.ids.end(), {token, 9});
      c.offsets.push_back(static_cast<int64_t>(c.ids.size()));
    }
  NgramJointOptions options;
  options.order = 1;
  options.window_order = 1;
  options.context_cap = 3;
  const auto result = infobound::bound::ngram_joint(c.ids, c.offsets, options);
  EXPECT_EQ(result.n_contexts, 5);
  EXPECT_EQ(result.merged_contexts, 3);
  ASSERT_EQ(result.joint.n_x(), 3);
  EXPECT_NEAR(result.joint.p_x[0], 5.0 / 15, 1e-15);
  EXPECT_NEAR(result.joint.p_x[1], 4.0 / 15, 1e-15);
  EXPECT_NEAR(result.joint.p_x[2], 6.0 / 15, 1e-15);  // 3 + 2 + 1 merged
}

TEST(NgramJoint, MergingContextsNeverIncreasesMutualInformation) {
  const auto corpus = random_corpus(50, 30, 10, 9);
  NgramJointOptions options;
  options.order = 2;
  options.window_order = 2;
  const double full = infobound::bound::ngram_joint(corpus.ids, corpus.offsets, options).joint.mutual_information();
  options.context_cap = 10;
  const auto capped = infobound::bound::ngram_joint(corpus.ids, corpus.offsets, options);
  EXPECT_EQ(capped.joint.n_x(), 10);
  EXPECT_LT(capped.joint.mutual_information(), full);
}

TEST(NgramJoint, TooShortCorpusIsAClearError) {
  const std::vector<int64_t> ids{1, 2, 3}, offsets{0, 3};
  NgramJointOptions options;
  options.order = 2;
  options.window_order = 2;
  try {
    infobound::bound::ngram_joint(ids, offsets, options);
    FAIL();
  } catch (const infobound::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("shorter than 4"), std::string::npos) << e.what();
  }
}
