#pragma once
// The Information Bottleneck curve of p(x, y) (Tishby, Pereira and Bialek 2000): the most
// I(T;Y) an encoder p(t|x) with |T| clusters can keep for a given I(X;T), traced by the
// iterative IB equations under deterministic annealing over beta.
#include <cstdint>
#include <vector>

#include "infobound/bound/joint_distribution.hpp"

namespace infobound::bound {

struct IbOptions {
  int64_t n_clusters = 100;       // |T|; the bound uses the estimator's n_bins
  double beta_min = 0.05;         // annealing schedule: n_betas values, geometric in beta
  double beta_max = 2000;
  int64_t n_betas = 48;
  int64_t restarts = 3;           // independent annealing runs with different random starts
  double perturbation = 0.02;     // relative noise on p(t|x) before each beta, lets clusters split
  int64_t max_iterations = 300;   // per beta
  double tolerance = 1e-7;        // stop when max_{x,t} |p_new(t|x) - p_old(t|x)| falls below
  uint64_t seed = 20240601;
};

struct IbPoint {
  double beta = 0;
  double i_xt = 0;  // I(X;T), nats
  double i_ty = 0;  // I(T;Y), nats
};

struct IbCurve {
  // Points on the upper frontier, I(X;T) and I(T;Y) strictly increasing, starting at (0, 0).
  std::vector<IbPoint> points;
  double h_x = 0, h_y = 0, i_xy = 0;  // nats
  int64_t n_candidates = 0;           // converged solutions over all betas and restarts
  int64_t n_pruned = 0;               // of those, dominated by another (not on the frontier)
};

IbCurve information_bottleneck_curve(const JointDistribution& joint, const IbOptions& options);

// The converged solution of the IB equations at one beta from a given start; exposed for tests
// and diagnostics. `log_encoder` is [n_x * n_clusters] log p(t|x), updated in place.
IbPoint iterate_ib(const JointDistribution& joint, double beta, int64_t n_clusters, std::vector<double>& log_encoder,
                   int64_t max_iterations, double tolerance, int64_t* iterations_used = nullptr);

// I(X;T) and I(T;Y) of an encoder given as log p(t|x) [n_x * n_clusters].
IbPoint evaluate_encoder(const JointDistribution& joint, int64_t n_clusters, const std::vector<double>& log_encoder);

// The curve's I(T;Y) at i_xt: linear between frontier points, flat after the last one.
double curve_value_at(const std::vector<IbPoint>& points, double i_xt);

}  // namespace infobound::bound
