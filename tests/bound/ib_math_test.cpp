// The IB engine's exp, log and row kernels (lib/core vector_math.hpp, lib/bound/src/ib_kernels.hpp): accuracy
// against glibc, and the vector kernels giving the very doubles of the scalar functions.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "ib_kernels.hpp"
#include "infobound/core/vector_math.hpp"

namespace infobound::bound {
namespace {

int64_t ulps_apart(double a, double b) {
  if (a == b) return 0;
  return std::llabs(std::bit_cast<int64_t>(a) - std::bit_cast<int64_t>(b));
}

TEST(IbMath, ExpIsWithinOneUlpOfGlibc) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> wide(-708, 709), unit(-1, 1), tiny(-1e-9, 1e-9);
  int64_t worst = 0;
  for (int i = 0; i < 300000; ++i)
    for (const double x : {wide(rng), unit(rng), tiny(rng)}) worst = std::max(worst, ulps_apart(math::exp(x), std::exp(x)));
  EXPECT_LE(worst, 1);
  EXPECT_EQ(math::exp(0.0), 1.0);
  EXPECT_EQ(math::exp(709.0), std::exp(709.0));
  EXPECT_EQ(math::exp(-708.5), 0.0);  // subnormal results are flushed to 0 (documented)
  EXPECT_EQ(math::exp(-std::numeric_limits<double>::infinity()), 0.0);
}

TEST(IbMath, LogIsWithinOneUlpOfGlibcDownToSubnormals) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> exponent(-744, 709), near_one(-1e-3, 1e-3), unit(0, 1);
  int64_t worst = 0;
  for (int i = 0; i < 300000; ++i)
    for (const double x : {std::exp(exponent(rng)), 1 + near_one(rng), unit(rng)})
      worst = std::max(worst, ulps_apart(math::log(x), std::log(x)));
  EXPECT_LE(worst, 1);
  EXPECT_EQ(math::log(1.0), 0.0);
  EXPECT_EQ(math::log(0.0), -std::numeric_limits<double>::infinity());
  const double smallest = std::numeric_limits<double>::denorm_min();
  EXPECT_LE(ulps_apart(math::log(smallest), std::log(smallest)), 1);
}

TEST(IbMath, LogOfNormalIsLogsDouble) {
  // The estimator's entropies call log_of_normal for q >= 1e-9: it must be log to the bit.
  std::mt19937_64 rng(13);
  std::uniform_real_distribution<double> exponent(-708, 709), unit(1e-9, 1);
  for (int i = 0; i < 300000; ++i)
    for (const double x : {std::exp(exponent(rng)), unit(rng)}) ASSERT_EQ(math::log_of_normal(x), math::log(x)) << x;
  for (const double x : {std::numeric_limits<double>::min(), 1.0, std::numeric_limits<double>::max()})
    EXPECT_EQ(math::log_of_normal(x), math::log(x)) << x;
}

// The kernels are compiled for x86-64, AVX2 and AVX-512; each must round as the scalar code
// of the engine does, or a gain computed in a block and recomputed after a move would differ.
TEST(IbKernels, VectorLoopsGiveTheScalarFunctionsDoubles) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> shifted(-800, 0), probability(0, 1);
  for (const int64_t n : {1, 3, 7, 100, 101}) {
    std::vector<double> v(n), expected(n), in(n), out(n);
    for (int64_t t = 0; t < n; ++t) {
      v[t] = shifted(rng);
      expected[t] = math::exp(v[t]);
      in[t] = t % 5 == 0 ? 0.0 : probability(rng);
    }
    kernels::exp_in_place(v.data(), n);
    kernels::log_into(in.data(), out.data(), n);
    for (int64_t t = 0; t < n; ++t) {
      EXPECT_EQ(v[t], expected[t]) << "n " << n << " t " << t;
      EXPECT_EQ(out[t], math::log(in[t])) << "n " << n << " t " << t;
    }
  }
}

TEST(IbKernels, WeightedRowSumAddsTheRowsInOrder) {
  const int64_t T = 13;
  std::vector<double> table(5 * T);
  for (std::size_t i = 0; i < table.size(); ++i) table[i] = std::sin(static_cast<double>(i)) * 1e3;
  const std::vector<int32_t> index{4, 0, 2, 4};
  const std::vector<double> weight{0.1, 0.3, 1e-9, 0.7};
  std::vector<double> acc(T, 99.0);
  kernels::weighted_row_sum(acc.data(), table.data(), T, index.data(), weight.data(), 4);
  for (int64_t t = 0; t < T; ++t) {
    double expected = 0;
    for (std::size_t e = 0; e < index.size(); ++e) expected += weight[e] * table[index[e] * T + t];
    EXPECT_EQ(acc[t], expected) << t;
  }
}

// The decode inside a solve gathers a float copy of the encoder: each float widened to double,
// then the very sums of the double kernel, for any number of entries (the 4-entry passes and
// the rest).
TEST(IbKernels, WeightedRowSumOverFloatsIsTheDoubleSumOfTheWidenedTable) {
  const int64_t T = 37;
  std::vector<float> table(9 * T);
  for (std::size_t i = 0; i < table.size(); ++i) table[i] = static_cast<float>(std::abs(std::sin(static_cast<double>(i))));
  const std::vector<double> widened(table.begin(), table.end());
  const std::vector<int32_t> index{8, 0, 2, 8, 5, 1, 7};
  const std::vector<double> weight{0.1, 0.3, 1e-9, 0.7, 2.5, 1e-3, 0.125};
  for (int64_t n = 0; n <= static_cast<int64_t>(index.size()); ++n) {
    std::vector<double> from_floats(T, 99.0), from_doubles(T, -1.0);
    kernels::weighted_row_sum(from_floats.data(), table.data(), T, index.data(), weight.data(), n);
    kernels::weighted_row_sum(from_doubles.data(), widened.data(), T, index.data(), weight.data(), n);
    for (int64_t t = 0; t < T; ++t) {
      double expected = 0;
      for (int64_t e = 0; e < n; ++e) expected += weight[e] * static_cast<double>(table[index[e] * T + t]);
      EXPECT_EQ(from_floats[t], expected) << "n " << n << " t " << t;
      EXPECT_EQ(from_floats[t], from_doubles[t]) << "n " << n << " t " << t;
    }
  }
}

// The update also leaves p(t|x) rounded to float, for the next decode, adds p(x) p(t|x) to the
// block's cluster mass and gives the new p(t|x)'s expected KL (a cluster missing one of x's
// tokens, cross = -infinity, gets q = 0 and adds 0) and its largest change.
TEST(IbKernels, EncoderUpdateLeavesTheFloatCopyItsClusterMassAndItsExpectedKl) {
  const int64_t T = 21;  // not a multiple of the kernel's eight lanes: its tail is covered too
  const double neg_entropy = -0.9, p_x = 0.375;
  std::vector<double> log_p_t(T), cross(T), scratch(T), q(T), mass(T);
  std::vector<float> q_float(T, -1.0F);
  for (int64_t t = 0; t < T; ++t) {
    log_p_t[t] = std::log(1.0 / T);
    cross[t] = t == 4 ? -std::numeric_limits<double>::infinity() : -1.0 - 0.1 * static_cast<double>(t % 7);
    q[t] = 1.0 / T + 1e-3 * static_cast<double>(t % 3 - 1);
    mass[t] = 0.5 * static_cast<double>(t);
  }
  const std::vector<double> q_before = q, mass_before = mass;
  kernels::EncoderRow row{q.data(), q_float.data(), p_x, mass.data(), -1.0};
  double expected_kl = -1;
  kernels::encoder_update(row, log_p_t.data(), cross.data(), neg_entropy, 3.0, scratch.data(), T, &expected_kl);
  double sum = 0, kl = 0, change = 0;
  for (int64_t t = 0; t < T; ++t) {
    EXPECT_EQ(q_float[t], static_cast<float>(q[t])) << t;
    EXPECT_EQ(mass[t], mass_before[t] + p_x * q[t]) << t;
    change = std::max(change, std::abs(q[t] - q_before[t]));
    sum += q[t];
    if (q[t] > 0) kl += q[t] * (neg_entropy - cross[t]);
  }
  EXPECT_EQ(q[4], 0.0);
  EXPECT_NEAR(sum, 1.0, 1e-15);
  EXPECT_EQ(row.change, change);
  EXPECT_GT(change, 0.0);
  EXPECT_GT(expected_kl, 0.0);
  EXPECT_NEAR(expected_kl, kl, 1e-15);
}

TEST(IbKernels, EntryGainsAreTheChangeOfMassTimesLogMass) {
  const int64_t T = 6;
  const std::vector<double> a{0.0, 0.25, 1e-300, 0.0, 0.5, 3e-5};
  std::vector<double> gain(T, 1.0), scratch(2 * T);
  std::vector<int32_t> occupied(T);
  const double w = 0.125;
  kernels::add_entry_gains(gain.data(), a.data(), w, scratch.data(), occupied.data(), T);
  for (int64_t t = 0; t < T; ++t) {
    const double expected = a[t] > 0 ? (a[t] + w) * std::log(a[t] + w) - a[t] * std::log(a[t]) : w * std::log(w);
    EXPECT_NEAR(gain[t], 1.0 + expected, 1e-15) << t;
  }
}

// The kernel takes one of two loops by how many clusters hold the token; both give these doubles,
// a ln a included (the same as in scalar code, g below), and so does the variant given a ln a.
TEST(IbKernels, EntryGainsAreTheSameDoublesForFewAndManyOccupiedClusters) {
  const int64_t T = 100;
  const double w = 3.0e-6;
  for (const int64_t every : {1, 2, 33}) {
    std::vector<double> a(T, 0.0), g(T), gain(T), scratch(2 * T);
    std::vector<int32_t> occupied(T);
    for (int64_t t = 0; t < T; t += every) a[t] = 1e-5 * static_cast<double>(t + 1);
    for (int64_t t = 0; t < T; ++t) {
      g[t] = a[t] > 0 ? a[t] * math::log(a[t]) : 0.0;
      gain[t] = -0.5 + 1e-3 * static_cast<double>(t);
    }
    const std::vector<double> before = gain;
    std::vector<double> with_a_log_a = gain;
    kernels::add_entry_gains(gain.data(), a.data(), w, scratch.data(), occupied.data(), T);
    // The variant for the hot tokens, given a ln a (as sequential IB keeps it, in scalar code).
    kernels::add_entry_gains(with_a_log_a.data(), a.data(), g.data(), w, T);
    for (int64_t t = 0; t < T; ++t) {
      const double change = a[t] > 0 ? (a[t] + w) * math::log(a[t] + w) - g[t] : w * math::log(w);
      EXPECT_EQ(gain[t], before[t] + change) << "every " << every << ", t " << t;
      EXPECT_EQ(with_a_log_a[t], gain[t]) << "every " << every << ", t " << t;
    }
  }
}

// A context's share of I(X;T), the logarithms taken in a vector loop: the doubles of the scalar
// sum in t order, clusters with q = 0 or p(t) = 0 left out.
TEST(IbKernels, RowInformationIsTheScalarSumInClusterOrder) {
  const int64_t T = 21;
  std::vector<double> q(T), p_t(T), log_p_t(T), scratch(T);
  for (int64_t t = 0; t < T; ++t) {
    q[t] = t % 5 == 0 ? 0.0 : 1e-3 * static_cast<double>(t * t + 1);
    p_t[t] = t == 7 ? 0.0 : 0.01 + 1e-3 * static_cast<double>(t);
    log_p_t[t] = p_t[t] > 0 ? math::log(p_t[t]) : -std::numeric_limits<double>::infinity();
  }
  double expected = 0;
  for (int64_t t = 0; t < T; ++t)
    if (q[t] > 0 && p_t[t] > 0) expected += q[t] * (math::log(q[t]) - log_p_t[t]);
  EXPECT_EQ(kernels::row_information(q.data(), p_t.data(), log_p_t.data(), scratch.data(), T), expected);
}

// Sequential IB's choice of move: the first cluster other than the current one with the largest
// gain, if it beats the threshold; ties and the tail past the kernel's eight lanes included.
TEST(IbKernels, BestMoveIsTheFirstOtherClusterWithTheLargestGainAboveTheThreshold) {
  std::mt19937_64 rng(11);
  for (const int64_t T : {1, 7, 8, 21, 100}) {
    for (int trial = 0; trial < 200; ++trial) {
      std::vector<double> gain(T);
      for (double& g : gain) g = static_cast<double>(rng() % 6) * 0.25 - 0.5;  // many ties
      const auto current = static_cast<int32_t>(rng() % T);
      const double threshold = gain[current] + 1e-15;
      int32_t expected = current;
      double best = threshold;
      for (int32_t t = 0; t < T; ++t)
        if (t != current && gain[t] > best) {
          best = gain[t];
          expected = t;
        }
      EXPECT_EQ(kernels::best_move(gain.data(), T, current, threshold), expected) << "T " << T << ", trial " << trial;
    }
  }
}

}  // namespace
}  // namespace infobound::bound
