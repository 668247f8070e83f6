#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "infobound/bound/information_bottleneck.hpp"

namespace {
using infobound::bound::IbOptions;
using infobound::bound::IbPoint;
using infobound::bound::JointDistribution;

IbOptions small_options(int64_t clusters) {
  IbOptions options;
  options.n_clusters = clusters;
  options.beta_min = 0.05;
  options.beta_max = 500;
  options.n_betas = 40;
  options.restarts = 3;
  return options;
}

// Random joint with a skewed p(x) and rows that share support, like n-gram statistics.
JointDistribution random_joint(int n_x, int n_y, uint64_t seed, double sparsity = 0.5) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<std::vector<double>> w(n_x, std::vector<double>(n_y, 0.0));
  for (int x = 0; x < n_x; ++x) {
    w[x][x % n_y] = 1.0;  // no empty row
    for (int y = 0; y < n_y; ++y)
      if (u(rng) > sparsity) w[x][y] += std::pow(u(rng), 3);
    const double mass = 1.0 / (1 + x);
    double s = 0;
    for (double v : w[x]) s += v;
    for (double& v : w[x]) v *= mass / s;
  }
  return JointDistribution::from_dense(w);
}

// Every deterministic encoder f: X -> T, |T|^|X| of them.
std::vector<IbPoint> deterministic_points(const JointDistribution& joint, int64_t clusters) {
  const int64_t n_x = joint.n_x();
  std::vector<IbPoint> points;
  std::vector<int64_t> assignment(n_x, 0);
  while (true) {
    std::vector<double> log_encoder(n_x * clusters, -std::numeric_limits<double>::infinity());
    for (int64_t x = 0; x < n_x; ++x) log_encoder[x * clusters + assignment[x]] = 0.0;
    points.push_back(infobound::bound::evaluate_encoder(joint, clusters, log_encoder));
    int64_t i = 0;
    while (i < n_x && ++assignment[i] == clusters) assignment[i++] = 0;
    if (i == n_x) break;
  }
  return points;
}

void expect_frontier_valid(const infobound::bound::IbCurve& curve) {
  ASSERT_FALSE(curve.points.empty());
  EXPECT_EQ(curve.points.front().i_xt, 0.0);
  for (std::size_t i = 0; i < curve.points.size(); ++i) {
    const auto& p = curve.points[i];
    // Data-processing inequality: T - X - Y.
    EXPECT_LE(p.i_ty, std::min(p.i_xt, curve.i_xy) + 1e-9) << "point " << i;
    EXPECT_LE(p.i_xt, curve.h_x + 1e-9) << "point " << i;
    if (i > 0) {
      EXPECT_GT(p.i_xt, curve.points[i - 1].i_xt);
      EXPECT_GT(p.i_ty, curve.points[i - 1].i_ty);
    }
  }
}
}  // namespace

TEST(InformationBottleneck, DeterministicTargetReachesMutualInformationWithEnoughClusters) {
  // 12 contexts, Y = x mod 4: I(X;Y) = H(Y); four clusters (the preimages of Y) suffice.
  std::vector<std::vector<double>> w(12, std::vector<double>(4, 0.0));
  for (int x = 0; x < 12; ++x) w[x][x % 4] = 1.0 + 0.1 * x;
  const auto joint = JointDistribution::from_dense(w);
  const auto curve = infobound::bound::information_bottleneck_curve(joint, small_options(4));
  expect_frontier_valid(curve);
  EXPECT_NEAR(curve.i_xy, curve.h_y, 1e-12);
  EXPECT_NEAR(curve.points.back().i_ty, curve.i_xy, 1e-6);
  // The minimal sufficient statistic is T = Y, so full relevance costs exactly H(Y).
  const double cost = curve.points.back().i_xt;
  EXPECT_NEAR(cost, curve.h_y, 1e-4);
}

TEST(InformationBottleneck, TooFewClustersCannotReachMutualInformation) {
  std::vector<std::vector<double>> w(8, std::vector<double>(4, 0.0));
  for (int x = 0; x < 8; ++x) w[x][x % 4] = 1.0;
  const auto joint = JointDistribution::from_dense(w);
  const auto curve = infobound::bound::information_bottleneck_curve(joint, small_options(2));
  expect_frontier_valid(curve);
  // Two clusters carry at most ln 2 < ln 4 = I(X;Y); a hard 2-way split of Y reaches it.
  EXPECT_NEAR(curve.points.back().i_ty, std::log(2.0), 1e-6);
}

TEST(InformationBottleneck, IndependentVariablesKeepNoRelevantInformation) {
  const std::vector<double> p_y{0.5, 0.3, 0.2};
  std::vector<std::vector<double>> w;
  for (int x = 0; x < 6; ++x) {
    std::vector<double> row;
    for (double p : p_y) row.push_back((1.0 + x) * p);
    w.push_back(row);
  }
  const auto joint = JointDistribution::from_dense(w);
  const auto curve = infobound::bound::information_bottleneck_curve(joint, small_options(3));
  EXPECT_NEAR(curve.i_xy, 0.0, 1e-12);
  for (const auto& p : curve.points) EXPECT_NEAR(p.i_ty, 0.0, 1e-12);
}

TEST(InformationBottleneck, MatchesExhaustiveSearchOverDeterministicEncoders) {
  for (const uint64_t seed : {1u, 2u, 3u, 4u, 5u, 6u}) {
    const auto joint = random_joint(7, 5, seed);
    const int64_t clusters = seed % 2 ? 3 : 2;
    const auto curve = infobound::bound::information_bottleneck_curve(joint, small_options(clusters));
    expect_frontier_valid(curve);
    double best = 0;
    for (const auto& d : deterministic_points(joint, clusters)) {
      best = std::max(best, d.i_ty);
      // No deterministic encoder beats the curve at its own complexity.
      EXPECT_GE(infobound::bound::curve_value_at(curve.points, d.i_xt), d.i_ty - 1e-6)
          << "seed " << seed << " at I(X;T) = " << d.i_xt;
    }
    // At large beta the IB solution is the best hard clustering.
    EXPECT_NEAR(curve.points.back().i_ty, best, 1e-6) << "seed " << seed;
  }
}

TEST(InformationBottleneck, CurveIsMonotoneAndConcaveWithinTolerance) {
  const auto joint = random_joint(40, 12, 7, 0.7);
  const auto curve = infobound::bound::information_bottleneck_curve(joint, small_options(8));
  expect_frontier_valid(curve);
  ASSERT_GE(curve.points.size(), 6u);
  const auto& p = curve.points;
  for (std::size_t i = 1; i + 1 < p.size(); ++i) {
    // The middle point must not fall below the chord of its neighbours by more than the tolerance.
    const double w = (p[i].i_xt - p[i - 1].i_xt) / (p[i + 1].i_xt - p[i - 1].i_xt);
    const double chord = p[i - 1].i_ty + w * (p[i + 1].i_ty - p[i - 1].i_ty);
    EXPECT_GE(p[i].i_ty, chord - 2e-3 * curve.i_xy) << "point " << i;
  }
  // Slope at the origin is at most 1 (DPI) and the curve ends close to I(X;Y) with 8 clusters
  // only if the data allow; at least it keeps most of it.
  EXPECT_GT(p.back().i_ty, 0.5 * curve.i_xy);
}

TEST(InformationBottleneck, IsDeterministicForAFixedSeed) {
  const auto joint = random_joint(15, 6, 11);
  const auto a = infobound::bound::information_bottleneck_curve(joint, small_options(4));
  const auto b = infobound::bound::information_bottleneck_curve(joint, small_options(4));
  ASSERT_EQ(a.points.size(), b.points.size());
  for (std::size_t i = 0; i < a.points.size(); ++i) {
    EXPECT_EQ(a.points[i].i_xt, b.points[i].i_xt);
    EXPECT_EQ(a.points[i].i_ty, b.points[i].i_ty);
  }
}

TEST(InformationBottleneck, FixedPointSatisfiesTheSelfConsistentEquations) {
  // After convergence p(t|x) must equal p(t) exp(-beta KL) / Z recomputed from itself.
  const auto joint = random_joint(10, 4, 5);
  const int64_t T = 3;
  std::vector<double> log_encoder(joint.n_x() * T);
  std::mt19937_64 rng(3);
  for (auto& v : log_encoder) v = std::log(0.1 + std::uniform_real_distribution<double>(0, 1)(rng));
  for (int64_t x = 0; x < joint.n_x(); ++x) {
    double s = 0;
    for (int64_t t = 0; t < T; ++t) s += std::exp(log_encoder[x * T + t]);
    for (int64_t t = 0; t < T; ++t) log_encoder[x * T + t] -= std::log(s);
  }
  int64_t used = 0;
  infobound::bound::iterate_ib(joint, 5.0, T, log_encoder, 5000, 1e-13, &used);
  ASSERT_LT(used, 5000);
  auto again = log_encoder;
  infobound::bound::iterate_ib(joint, 5.0, T, again, 1, 0.0);
  for (std::size_t i = 0; i < again.size(); ++i) EXPECT_NEAR(std::exp(again[i]), std::exp(log_encoder[i]), 1e-11);
}

TEST(InformationBottleneck, CurveValueInterpolatesAndSaturates) {
  const std::vector<IbPoint> points{{0, 0, 0}, {1, 1.0, 0.5}, {2, 2.0, 0.7}};
  EXPECT_DOUBLE_EQ(infobound::bound::curve_value_at(points, 0.5), 0.25);
  EXPECT_DOUBLE_EQ(infobound::bound::curve_value_at(points, 1.5), 0.6);
  EXPECT_DOUBLE_EQ(infobound::bound::curve_value_at(points, 5.0), 0.7);
  EXPECT_DOUBLE_EQ(infobound::bound::curve_value_at(points, -1.0), 0.0);
}

TEST(JointDistribution, EntropiesAndMutualInformationOfAKnownTable) {
  // X uniform on 2, Y = X with prob 3/4: I = ln 2 - H_b(1/4).
  const auto joint = JointDistribution::from_dense({{3, 1}, {1, 3}});
  const double hb = -(0.25 * std::log(0.25) + 0.75 * std::log(0.75));
  EXPECT_NEAR(joint.entropy_x(), std::log(2.0), 1e-15);
  EXPECT_NEAR(joint.entropy_y(), std::log(2.0), 1e-15);
  EXPECT_NEAR(joint.mutual_information(), std::log(2.0) - hb, 1e-15);
}
