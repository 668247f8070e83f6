#pragma once
// The Information Bottleneck curve of p(x, y) (Tishby, Pereira and Bialek 2000): the most
// I(T;Y) an encoder p(t|x) with |T| clusters can keep for a given I(X;T), traced by the
// iterative IB equations under deterministic annealing over beta.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "infobound/bound/joint_distribution.hpp"

namespace infobound::bound {

enum class IbSchedule {
  // Adaptive beta steps (finer where consecutive solutions differ, coarser where they do not),
  // convergence judged on the IB objective, restarts side by side and each parallel over
  // contexts (the bound's own threads; the result is bit-identical whatever the thread count).
  adaptive,
  // The algorithm before issue #12: the fixed geometric grid, max |delta p(t|x)| convergence,
  // strictly sequential sIB, one thread. Kept to check the adaptive schedule against.
  reference,
};

// "adaptive" / "reference"; throws std::invalid_argument for another name.
IbSchedule ib_schedule_from_name(const std::string& name);
std::string ib_schedule_name(IbSchedule schedule);

struct IbOptions {
  int64_t n_clusters = 100;  // |T|; the bound uses the estimator's n_bins
  double beta_min = 0.05;    // annealing range; reference: n_betas values geometric in beta
  double beta_max = 2000;
  int64_t n_betas = 48;  // adaptive: the first step is this grid's ratio r, steps stay in [r^(1/4), r^4]
  // max_iterations and objective_tolerance were 300 and 1e-7 until 2026-12-01. Against those with
  // no cap on iterations (every beta run to the end) these give the same curve within 2e-3 of
  // I(X;Y), the spread between local optima of equal quality, in about half the iterations: a
  // beta just past a critical value crawls for hundreds of iterations, and its candidate is
  // then under the frontier of its neighbours anyway (docs/analysis.md, bench_ib --converged).
  // Forward annealing runs from different random starts, side by side; reverse annealing runs
  // once, from the best of their hard ends (adaptive; the reference schedule reverses from each).
  int64_t restarts = 3;
  double perturbation = 0.02;   // relative noise on p(t|x) before each beta, lets clusters split
  int64_t max_iterations = 60;  // per beta
  double tolerance = 1e-7;      // stop when max_{x,t} |p_new(t|x) - p_old(t|x)| falls below
  // Adaptive: also stop when the IB objective L = I(X;T) - beta I(T;Y) changes by less than this
  // times beta I(X;Y) (the range of L) on two iterations in a row; sequential IB stops when a
  // sweep gains less than this times I(X;Y).
  double objective_tolerance = 1e-6;
  // Adaptive: sequential IB for the intermediate hard candidates (the nearest hard clustering at
  // each beta > 1 of forward annealing, and the hard path) stops when a sweep gains less than
  // this times I(X;Y); the hard end, where reverse annealing starts, uses objective_tolerance.
  // Most of their sweeps gained less (64% under 1e-4 on the scale probe's first 100k positions)
  // and these candidates lift the curve by ~0.1% of I(X;Y) at most (docs/analysis.md).
  double hard_candidate_tolerance = 1e-4;
  // Adaptive: the nearest hard clustering of each soft solution of forward annealing past
  // beta = 1 is refined at that beta by at most this many sIB sweeps (0: no such candidates).
  // With few clusters they find partitions the soft path jumps over, within a sweep or two; at
  // |T| = 100 they took ~5 sweeps each, 65% of all sweeps, and gave 2 of the 32 points of the
  // frontier on 400k positions of the scale probe (docs/analysis.md). Unlimited (100) until
  // 2026-12-03.
  int64_t forward_hard_candidate_sweeps = 2;
  // Adaptive: a beta step whose solution moves by more than this (in I(X;T) / ln|T| or in
  // I(T;Y) / I(X;Y)) is retried with half the step in log beta; steps that move less than a
  // tenth of it double.
  double max_point_step = 0.02;
  IbSchedule schedule = IbSchedule::adaptive;
  uint64_t seed = 20240601;
  // Adaptive: called after each restart's annealing phase with a line saying what it cost (a
  // curve at scale takes long; the caller logs it). Does not change the result.
  std::function<void(const std::string&)> progress;
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
  int64_t n_contexts_solved = 0;      // adaptive: contexts left once identical rows p(y|x) are merged
  int64_t n_betas_solved = 0;         // soft IB solutions computed (each a run of iterations)
  int64_t n_iterations = 0;           // IB iterations over all of them
  int64_t n_sweeps = 0;               // sequential-IB sweeps over all hard refinements
  int64_t threads_used = 1;           // adaptive: threads the IB updates ran on
};

IbCurve information_bottleneck_curve(const JointDistribution& joint, const IbOptions& options);
// Several curves at once, each joint with its own options: with the adaptive schedule the
// restarts of all of them share the threads (a few curves keep more threads busy than one). The
// same curves as one information_bottleneck_curve call per joint.
std::vector<IbCurve> information_bottleneck_curves(const std::vector<const JointDistribution*>& joints,
                                                   const std::vector<IbOptions>& options);

// The upper concave envelope of the candidates, cut after its highest I(T;Y), with the origin
// first: what minimising the IB Lagrangian over all beta traces. `n_pruned` = candidates off it.
std::vector<IbPoint> upper_frontier(std::vector<IbPoint> candidates, int64_t* n_pruned = nullptr);

// The reference schedule's converged solution of the IB equations at one beta from a given
// start; exposed for tests and diagnostics. `log_encoder` is [n_x * n_clusters] log p(t|x),
// updated in place.
IbPoint iterate_ib(const JointDistribution& joint, double beta, int64_t n_clusters, std::vector<double>& log_encoder,
                   int64_t max_iterations, double tolerance, int64_t* iterations_used = nullptr);

// I(X;T) and I(T;Y) of an encoder given as log p(t|x) [n_x * n_clusters].
IbPoint evaluate_encoder(const JointDistribution& joint, int64_t n_clusters, const std::vector<double>& log_encoder);

// The curve's I(T;Y) at i_xt: linear between frontier points, flat after the last one.
double curve_value_at(const std::vector<IbPoint>& points, double i_xt);

// max over I(X;T) of |a(I(X;T)) - b(I(X;T))| for two curves in the sense of curve_value_at; exact,
// since both are piecewise linear with kinks at their own points.
double curve_distance(const std::vector<IbPoint>& a, const std::vector<IbPoint>& b);
// max over I(X;T) of a(I(X;T)) - b(I(X;T)), 0 when a is nowhere above b.
double curve_excess(const std::vector<IbPoint>& a, const std::vector<IbPoint>& b);

}  // namespace infobound::bound
