// The IB engine's solve (lib/bound/src/ib_engine.hpp): the point each iteration estimates, which
// the adaptive schedule uses to abandon a step it will retry.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "ib_engine.hpp"
#include "ib_threads.hpp"
#include "infobound/bound/ngram_joint.hpp"

namespace {
namespace ib = infobound::bound;

ib::JointDistribution zipf_bigrams(int64_t n_tokens, int64_t vocab, uint64_t seed) {
  std::vector<double> weights(vocab);
  for (int64_t i = 0; i < vocab; ++i) weights[i] = 1.0 / std::pow(static_cast<double>(i + 1), 1.1);
  std::discrete_distribution<int64_t> zipf(weights.begin(), weights.end());
  std::mt19937_64 rng(seed);
  std::vector<int64_t> ids(n_tokens);
  for (int64_t i = 0; i < n_tokens; ++i) ids[i] = rng() % 10 < 6 && i > 0 ? (ids[i - 1] * 3 + 1) % vocab : zipf(rng);
  ib::NgramJointOptions options;
  options.order = 1;
  options.window_order = 1;
  const std::vector<int64_t> offsets{0, n_tokens};
  return ib::ngram_joint(ids, offsets, options).joint;
}

}  // namespace

// At a fixed point the decoder no longer lags the encoder, so the last iteration's estimate is
// the point evaluated exactly, up to the float copy of p(t|x) that decodes inside a solve (each
// term within 2^-24 of itself: ~1e-8 of I(X;Y) here).
TEST(IbEngine, TheEstimateOfAConvergedSolveIsItsPoint) {
  const ib::JointDistribution joint = zipf_bigrams(20000, 300, 3);
  ib::IbThreads threads(2);
  ib::IbEngine engine(joint, 8, threads);
  for (const double beta : {0.5, 3.0, 20.0}) {
    std::vector<double> encoder = engine.random_encoder(1, 0);
    ib::IbPoint last;
    int64_t estimates = 0;
    const ib::IbEngine::Abandon watch = [&](const ib::IbPoint& estimate) {
      last = estimate;
      ++estimates;
      return false;
    };
    const auto solved = engine.solve(beta, encoder, 5000, 1e-13, 0.0, watch);
    ASSERT_LT(solved.iterations, 5000) << "beta " << beta;
    EXPECT_FALSE(solved.abandoned);
    EXPECT_EQ(estimates, solved.iterations - 1);  // the converged iteration is not offered
    EXPECT_EQ(last.beta, beta);
    const double tolerance = 1e-7 * engine.mutual_information();
    EXPECT_NEAR(last.i_xt, solved.point.i_xt, tolerance) << "beta " << beta;
    EXPECT_NEAR(last.i_ty, solved.point.i_ty, tolerance) << "beta " << beta;
  }
}

// Abandoning stops the iterations at once and says so; the encoder is the one reached.
TEST(IbEngine, AnAbandonedSolveStopsWhereItWasAbandoned) {
  const ib::JointDistribution joint = zipf_bigrams(20000, 300, 4);
  ib::IbThreads threads(1);
  ib::IbEngine engine(joint, 8, threads);
  std::vector<double> encoder = engine.random_encoder(1, 0);
  int64_t offered = 0;
  const auto solved = engine.solve(5.0, encoder, 60, 0.0, 0.0, [&](const ib::IbPoint&) { return ++offered == 3; });
  EXPECT_TRUE(solved.abandoned);
  EXPECT_EQ(solved.iterations, 3);
  const ib::IbPoint again = engine.evaluate(encoder);
  EXPECT_EQ(again.i_xt, solved.point.i_xt);
  EXPECT_EQ(again.i_ty, solved.point.i_ty);
}
