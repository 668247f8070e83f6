// The IB schedule before issue #12 (IbSchedule::reference), unchanged but for the counters.
#include "ib_schedules.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>

namespace infobound::bound {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// Uniform in [0, 1) from the top 53 bits: the same numbers on every standard library.
double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

void normalise_log_row(double* row, int64_t n) {
  double max = kNegInf;
  for (int64_t t = 0; t < n; ++t) max = std::max(max, row[t]);
  double sum = 0;
  for (int64_t t = 0; t < n; ++t) sum += std::exp(row[t] - max);
  const double log_norm = max + std::log(sum);
  for (int64_t t = 0; t < n; ++t) row[t] -= log_norm;
}

// The quantities every IB step derives from the encoder. p(y|t) is stored y-major, [n_y][T],
// so that the sparse rows of p(y|x) meet contiguous runs over t (vectorised axpy loops).
struct Decoder {
  std::vector<double> p_t;        // [T]
  std::vector<double> p_y_t;      // [n_y * T], p(y|t)
  std::vector<double> log_p_y_t;  // [n_y * T]
};

// `encoder` is p(t|x) [n_x * T] (linear, not log).
void decode(const JointDistribution& joint, int64_t n_clusters, const std::vector<double>& encoder, Decoder& d) {
  const int64_t T = n_clusters, n_y = joint.n_y;
  d.p_t.assign(T, 0.0);
  d.p_y_t.assign(static_cast<std::size_t>(T * n_y), 0.0);
  std::vector<double> q(T);
  for (int64_t x = 0; x < joint.n_x(); ++x) {
    const double px = joint.p_x[x];
    if (px == 0) continue;
    for (int64_t t = 0; t < T; ++t) {
      q[t] = px * encoder[x * T + t];
      d.p_t[t] += q[t];
    }
    for (int64_t e = joint.row_begin[x]; e < joint.row_begin[x + 1]; ++e) {
      const double w = joint.p_y_given_x[e];
      double* row = &d.p_y_t[static_cast<int64_t>(joint.y[e]) * T];
      for (int64_t t = 0; t < T; ++t) row[t] += w * q[t];
    }
  }
  std::vector<double> inverse(T);
  for (int64_t t = 0; t < T; ++t) inverse[t] = d.p_t[t] > 0 ? 1.0 / d.p_t[t] : 0.0;
  d.log_p_y_t.resize(d.p_y_t.size());
  for (int64_t y = 0; y < n_y; ++y)
    for (int64_t t = 0; t < T; ++t) {
      double& p = d.p_y_t[y * T + t];
      p *= inverse[t];
      d.log_p_y_t[y * T + t] = p > 0 ? std::log(p) : kNegInf;
    }
}

double encoder_information(const JointDistribution& joint, int64_t T, const std::vector<double>& log_encoder,
                           const std::vector<double>& p_t) {
  double i_xt = 0;
  for (int64_t x = 0; x < joint.n_x(); ++x) {
    double sum = 0;
    for (int64_t t = 0; t < T; ++t) {
      const double log_q = log_encoder[x * T + t];
      if (log_q == kNegInf || p_t[t] <= 0) continue;
      sum += std::exp(log_q) * (log_q - std::log(p_t[t]));
    }
    i_xt += joint.p_x[x] * sum;
  }
  return std::max(i_xt, 0.0);
}

double relevant_information(const JointDistribution& joint, int64_t T, const Decoder& d, const std::vector<double>& p_y) {
  double i_ty = 0;
  for (int64_t y = 0; y < joint.n_y; ++y) {
    if (!(p_y[y] > 0)) continue;
    const double log_p_y = std::log(p_y[y]);
    for (int64_t t = 0; t < T; ++t) {
      const double p = d.p_y_t[y * T + t];
      if (p > 0) i_ty += d.p_t[t] * p * (d.log_p_y_t[y * T + t] - log_p_y);
    }
  }
  return std::max(i_ty, 0.0);
}

// Before each beta: a small floor on every p(t|x), so clusters that emptied at a smaller beta
// (their p(t) = 0 is a fixed point) can be used again, and multiplicative noise, so that
// identical clusters (also a fixed point) can separate once beta passes their critical value.
void perturb(std::vector<double>& log_encoder, int64_t n_x, int64_t T, double amount, std::mt19937_64& rng) {
  const double floor = std::log(amount * 1e-2 / static_cast<double>(T));
  const double keep = std::log1p(-amount * 1e-2);
  for (int64_t x = 0; x < n_x; ++x) {
    double* row = &log_encoder[x * T];
    for (int64_t t = 0; t < T; ++t) {
      const double a = row[t] + keep, b = floor;  // log((1 - e) q + e / T)
      const double hi = std::max(a, b);
      row[t] = hi + std::log1p(std::exp(std::min(a, b) - hi));
      row[t] += std::log1p(amount * (2 * uniform01(rng) - 1));
    }
    normalise_log_row(row, T);
  }
}

// min_x max_t p(t|x): 1 when the encoder is deterministic.
double softest_assignment(const JointDistribution& joint, int64_t T, const std::vector<double>& log_encoder) {
  double softest = 1;
  for (int64_t x = 0; x < joint.n_x(); ++x) {
    if (joint.p_x[x] == 0) continue;
    double max_log = kNegInf;
    for (int64_t t = 0; t < T; ++t) max_log = std::max(max_log, log_encoder[x * T + t]);
    softest = std::min(softest, std::exp(max_log));
  }
  return softest;
}

std::vector<int32_t> hard_assignment(const std::vector<double>& log_encoder, int64_t n_x, int64_t T) {
  std::vector<int32_t> assignment(n_x);
  for (int64_t x = 0; x < n_x; ++x) {
    const double* row = &log_encoder[x * T];
    assignment[x] = static_cast<int32_t>(std::max_element(row, row + T) - row);
  }
  return assignment;
}

double x_log_x(double v) { return v > 0 ? v * std::log(v) : 0.0; }

// Sequential IB over hard clusterings (Slonim, Friedman and Tishby 2002): take each x out of
// its cluster and put it where beta I(T;Y) - I(X;T) grows most, until no x moves. For a hard
// encoder I(X;T) = H(T), and with g(v) = v ln v both terms are sums over clusters of
// g(p(t,y)) and g(p(t)), so a move only touches x's tokens. inverse_beta = 0 maximises I(T;Y).
int64_t refine_hard_clustering(const JointDistribution& joint, int64_t T, std::vector<int32_t>& assignment, double inverse_beta) {
  const int64_t n_y = joint.n_y;
  std::vector<double> p_ty(static_cast<std::size_t>(T * n_y), 0.0), p_t(T, 0.0);
  auto add = [&](int64_t x, int32_t t, double sign) {
    p_t[t] += sign * joint.p_x[x];
    for (int64_t e = joint.row_begin[x]; e < joint.row_begin[x + 1]; ++e)
      p_ty[t * n_y + joint.y[e]] += sign * joint.p_x[x] * joint.p_y_given_x[e];
  };
  for (int64_t x = 0; x < joint.n_x(); ++x) add(x, assignment[x], 1.0);
  int64_t sweeps = 0;
  for (int sweep = 0; sweep < 100; ++sweep) {
    ++sweeps;
    int64_t moves = 0;
    for (int64_t x = 0; x < joint.n_x(); ++x) {
      if (joint.p_x[x] == 0) continue;
      const int32_t current = assignment[x];
      add(x, current, -1.0);
      double best_gain = kNegInf;
      int32_t best = current;
      for (int32_t t = 0; t < T; ++t) {
        double gain = (1 - inverse_beta) * (x_log_x(std::max(p_t[t], 0.0)) - x_log_x(p_t[t] + joint.p_x[x]));
        for (int64_t e = joint.row_begin[x]; e < joint.row_begin[x + 1]; ++e) {
          const double a = std::max(p_ty[t * n_y + joint.y[e]], 0.0);
          gain += x_log_x(a + joint.p_x[x] * joint.p_y_given_x[e]) - x_log_x(a);
        }
        // Move only for a real improvement, so rounding cannot make x oscillate.
        if (gain > best_gain + 1e-15 * (t == current ? -1 : 1) || (t == current && gain >= best_gain - 1e-15)) {
          if (t == current || gain > best_gain + 1e-15) {
            best_gain = gain;
            best = t;
          }
        }
      }
      add(x, best, 1.0);
      if (best != current) {
        assignment[x] = best;
        ++moves;
      }
    }
    if (moves == 0) break;
  }
  return sweeps;
}

IbPoint evaluate_hard(const JointDistribution& joint, int64_t T, const std::vector<int32_t>& assignment) {
  std::vector<double> log_encoder(assignment.size() * T, kNegInf);
  for (std::size_t x = 0; x < assignment.size(); ++x) log_encoder[x * T + assignment[x]] = 0.0;
  return evaluate_encoder(joint, T, log_encoder);
}

// A hard encoder with a little mass on every cluster, so annealing down from it can move.
void soften(const std::vector<int32_t>& assignment, int64_t T, std::vector<double>& log_encoder) {
  const double off = std::log(1e-8);
  for (std::size_t x = 0; x < assignment.size(); ++x) {
    double* row = &log_encoder[x * T];
    for (int64_t t = 0; t < T; ++t) row[t] = t == assignment[x] ? 0.0 : off;
    normalise_log_row(row, T);
  }
}

}  // namespace

IbPoint evaluate_encoder(const JointDistribution& joint, int64_t n_clusters, const std::vector<double>& log_encoder) {
  Decoder d;
  std::vector<double> encoder(log_encoder.size());
  for (std::size_t i = 0; i < encoder.size(); ++i) encoder[i] = std::exp(log_encoder[i]);
  decode(joint, n_clusters, encoder, d);
  IbPoint point;
  point.i_xt = encoder_information(joint, n_clusters, log_encoder, d.p_t);
  point.i_ty = relevant_information(joint, n_clusters, d, joint.marginal_y());
  return point;
}

IbPoint iterate_ib(const JointDistribution& joint, double beta, int64_t n_clusters, std::vector<double>& log_encoder,
                   int64_t max_iterations, double tolerance, int64_t* iterations_used) {
  const int64_t T = n_clusters;
  // -H(Y|X=x) is the constant part of KL(p(y|x) || p(y|t)); only the cross term depends on t.
  std::vector<double> neg_entropy(joint.n_x(), 0.0);
  for (int64_t x = 0; x < joint.n_x(); ++x)
    for (int64_t e = joint.row_begin[x]; e < joint.row_begin[x + 1]; ++e)
      neg_entropy[x] += joint.p_y_given_x[e] * std::log(joint.p_y_given_x[e]);

  Decoder d;
  std::vector<double> row(T), log_p_t(T), cross(T);
  std::vector<double> encoder(log_encoder.size());
  for (std::size_t i = 0; i < encoder.size(); ++i) encoder[i] = std::exp(log_encoder[i]);
  int64_t iteration = 0;
  for (; iteration < max_iterations; ++iteration) {
    decode(joint, T, encoder, d);
    for (int64_t t = 0; t < T; ++t) log_p_t[t] = d.p_t[t] > 0 ? std::log(d.p_t[t]) : kNegInf;
    double change = 0;
    for (int64_t x = 0; x < joint.n_x(); ++x) {
      // cross[t] = sum_y p(y|x) ln p(y|t); -inf when t misses a token x is followed by.
      std::fill(cross.begin(), cross.end(), 0.0);
      for (int64_t e = joint.row_begin[x]; e < joint.row_begin[x + 1]; ++e) {
        const double w = joint.p_y_given_x[e];
        const double* log_row = &d.log_p_y_t[static_cast<int64_t>(joint.y[e]) * T];
        for (int64_t t = 0; t < T; ++t) cross[t] += w * log_row[t];
      }
      for (int64_t t = 0; t < T; ++t) {
        const double kl = neg_entropy[x] - cross[t];
        row[t] = (log_p_t[t] == kNegInf || std::isinf(kl)) ? kNegInf : log_p_t[t] - beta * kl;
      }
      // Normalise in log space; one exp per entry gives both representations.
      double max = kNegInf;
      for (int64_t t = 0; t < T; ++t) max = std::max(max, row[t]);
      double sum = 0;
      for (int64_t t = 0; t < T; ++t) {
        row[t] -= max;
        cross[t] = std::exp(row[t]);  // cross is free again: reuse it for the unnormalised weights
        sum += cross[t];
      }
      const double log_sum = std::log(sum), inverse = 1.0 / sum;
      double* log_q = &log_encoder[x * T];
      double* q = &encoder[x * T];
      for (int64_t t = 0; t < T; ++t) {
        const double updated = cross[t] * inverse;
        change = std::max(change, std::abs(updated - q[t]));
        q[t] = updated;
        log_q[t] = row[t] - log_sum;
      }
    }
    if (change < tolerance) {
      ++iteration;
      break;
    }
  }
  if (iterations_used) *iterations_used = iteration;
  IbPoint point = evaluate_encoder(joint, T, log_encoder);
  point.beta = beta;
  return point;
}

IbCurve information_bottleneck_curve_reference(const JointDistribution& joint, const IbOptions& options) {
  IbCurve curve;
  curve.h_x = joint.entropy_x();
  curve.h_y = joint.entropy_y();
  curve.i_xy = joint.mutual_information();
  curve.n_contexts_solved = joint.n_x();

  const int64_t T = options.n_clusters, n_x = joint.n_x();
  std::vector<IbPoint> candidates;  // upper_frontier adds the origin
  int64_t iterations = 0;
  std::vector<double> betas(options.n_betas);
  const double log_ratio = std::log(options.beta_max / options.beta_min);
  for (int64_t b = 0; b < options.n_betas; ++b)
    betas[b] = options.beta_min * std::exp(log_ratio * static_cast<double>(b) / static_cast<double>(options.n_betas - 1));

  for (int64_t restart = 0; restart < options.restarts; ++restart) {
    std::mt19937_64 rng(options.seed + 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(restart + 1));
    std::vector<double> log_encoder(static_cast<std::size_t>(n_x * T));
    for (auto& v : log_encoder) v = std::log(0.5 + uniform01(rng));
    for (int64_t x = 0; x < n_x; ++x) normalise_log_row(&log_encoder[x * T], T);

    IbPoint previous;
    int64_t still_steps = 0;
    // Forward: from the trivial solution up in beta; clusters split as beta passes their
    // critical values, until the encoder is hard.
    for (const double beta : betas) {
      perturb(log_encoder, n_x, T, options.perturbation, rng);
      candidates.push_back(iterate_ib(joint, beta, T, log_encoder, options.max_iterations, options.tolerance, &iterations));
      curve.n_iterations += iterations;
      ++curve.n_betas_solved;
      const bool hard = softest_assignment(joint, T, log_encoder) > 1 - 1e-12;
      if (beta > 1 && !hard) {
        // The nearest hard clustering, improved at this beta: first-order transitions of the
        // soft path jump over partitions (unbalanced ones especially) that this finds.
        std::vector<int32_t> nearest = hard_assignment(log_encoder, n_x, T);
        curve.n_sweeps += refine_hard_clustering(joint, T, nearest, 1.0 / beta);
        IbPoint point = evaluate_hard(joint, T, nearest);
        point.beta = beta;
        candidates.push_back(point);
      }
      // Once the encoder is hard and the point no longer moves, larger beta changes nothing.
      const IbPoint& last = candidates[candidates.size() - (hard || beta <= 1 ? 1 : 2)];
      const bool still =
          last.i_xt > 0 && std::abs(last.i_xt - previous.i_xt) < 1e-7 && std::abs(last.i_ty - previous.i_ty) < 1e-7;
      still_steps = still && beta > 1 ? still_steps + 1 : 0;
      previous = last;
      if (still_steps >= 3) break;
    }
    // The hard end: improve the clustering by sequential reassignment (maximises I(T;Y)), then
    // anneal back down from it, which reaches frontier points forward annealing skipped.
    std::vector<int32_t> assignment = hard_assignment(log_encoder, n_x, T);
    curve.n_sweeps += refine_hard_clustering(joint, T, assignment, 0.0);
    // Hard clusterings along decreasing beta (deterministic IB): unbalanced partitions that
    // the soft path passes by are frontier points too.
    std::vector<int32_t> hard = assignment;
    for (auto beta = betas.rbegin(); beta != betas.rend() && *beta > 1; ++beta) {
      curve.n_sweeps += refine_hard_clustering(joint, T, hard, 1.0 / *beta);
      IbPoint point = evaluate_hard(joint, T, hard);
      point.beta = *beta;
      candidates.push_back(point);
    }
    soften(assignment, T, log_encoder);
    for (auto beta = betas.rbegin(); beta != betas.rend(); ++beta) {
      perturb(log_encoder, n_x, T, options.perturbation * 0.1, rng);
      candidates.push_back(iterate_ib(joint, *beta, T, log_encoder, options.max_iterations, options.tolerance, &iterations));
      curve.n_iterations += iterations;
      ++curve.n_betas_solved;
      if (candidates.back().i_xt < 1e-10) break;
    }
  }
  curve.n_candidates = static_cast<int64_t>(candidates.size());

  curve.points = upper_frontier(std::move(candidates), &curve.n_pruned);
  return curve;
}

}  // namespace infobound::bound
