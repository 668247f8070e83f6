#include "ib_engine.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "ib_kernels.hpp"
#include "infobound/core/vector_math.hpp"

namespace infobound::bound {
namespace {

// Contexts per block of the cross-context sums: fixed, so that their rounding is too.
constexpr int64_t kBlock = 256;
// Contexts whose sequential-IB moves are found together against the same cluster statistics.
constexpr int64_t kMoveBlock = 64;
// Contexts per iteration of the loop that computes a move block's gains.
constexpr int64_t kGainChunk = 4;

int64_t blocks_of(int64_t n, int64_t block) { return (n + block - 1) / block; }

// Ranges [bounds[c], bounds[c+1]) of consecutive items, each of about the same total cost.
// Blocks of equal numbers of items would not do: with Zipf-distributed contexts and tokens the
// frequent ones come first, and a few blocks would hold most of the work.
constexpr int64_t kWorkRanges = 64;
std::vector<int64_t> balanced_ranges(const std::vector<int64_t>& cost) {
  int64_t total = 0;
  for (const int64_t c : cost) total += c;
  std::vector<int64_t> bounds{0};
  int64_t done = 0;
  for (int64_t i = 0; i < static_cast<int64_t>(cost.size()); ++i) {
    done += cost[static_cast<std::size_t>(i)];
    const int64_t range = static_cast<int64_t>(bounds.size());
    if (done * kWorkRanges >= total * range && i + 1 < static_cast<int64_t>(cost.size())) bounds.push_back(i + 1);
  }
  bounds.push_back(static_cast<int64_t>(cost.size()));
  return bounds;
}

uint64_t mix(uint64_t z) {  // splitmix64's finaliser
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Uniform in [0, 1) for entry `index` of random stream (seed, stream).
double uniform01(uint64_t key, uint64_t index) { return static_cast<double>(mix(key + mix(index)) >> 11) * 0x1.0p-53; }
uint64_t stream_key(uint64_t seed, uint64_t stream) { return mix(seed ^ mix(stream + 0x632BE59BD9B4E019ull)); }

// How far ahead the sIB gains ask for the row of p(t, y) of an entry (kernels::prefetch_rows).
constexpr int64_t kPrefetchAhead = 2;  // entries

double x_log_x(double v) { return v > 0 ? v * math::log(v) : 0.0; }

void normalise(double* row, int64_t n) {
  double sum = 0;
  for (int64_t t = 0; t < n; ++t) sum += row[t];
  const double inverse = 1.0 / sum;
  for (int64_t t = 0; t < n; ++t) row[t] *= inverse;
}

}  // namespace

IbEngine::IbEngine(const JointDistribution& joint, int64_t n_clusters, IbThreads& threads)
    : threads_(threads), joint_(joint), T_(n_clusters), n_x_(joint.n_x()), n_y_(joint.n_y), i_xy_(joint.mutual_information()) {
  neg_entropy_.assign(n_x_, 0.0);
  for (int64_t x = 0; x < n_x_; ++x)
    for (int64_t e = joint.row_begin[x]; e < joint.row_begin[x + 1]; ++e)
      neg_entropy_[x] += joint.p_y_given_x[e] * math::log(joint.p_y_given_x[e]);
  // Tokens get the engine's own columns, the most probable first: with Zipf-distributed tokens
  // most entries of p(x, y) then read the first few hundred rows of the [n_y * T] tables, which
  // stay in the cache. Entries keep their order, and the sums across tokens visit them in token
  // order (by_token_), so the doubles are those of the tokens' own numbering.
  const std::vector<double> p_y = joint.marginal_y();
  std::vector<int32_t> token_of(static_cast<std::size_t>(n_y_));  // column -> token
  std::iota(token_of.begin(), token_of.end(), 0);
  std::stable_sort(token_of.begin(), token_of.end(), [&](int32_t a, int32_t b) { return p_y[a] > p_y[b]; });
  by_token_.resize(static_cast<std::size_t>(n_y_));
  p_y_.resize(static_cast<std::size_t>(n_y_));
  for (int64_t c = 0; c < n_y_; ++c) {
    by_token_[token_of[c]] = static_cast<int32_t>(c);
    p_y_[c] = p_y[token_of[c]];
  }
  entry_column_.resize(joint.y.size());
  for (std::size_t e = 0; e < joint.y.size(); ++e) entry_column_[e] = by_token_[joint.y[e]];
  // The transpose of p(x, y), each column in increasing x: decode sums a token's contexts in
  // one fixed order, and tokens are independent of each other.
  column_begin_.assign(n_y_ + 1, 0);
  for (const int32_t y : entry_column_) ++column_begin_[y + 1];
  for (int64_t y = 0; y < n_y_; ++y) column_begin_[y + 1] += column_begin_[y];
  column_x_.resize(joint.y.size());
  column_p_.resize(joint.y.size());
  std::vector<int64_t> fill(column_begin_.begin(), column_begin_.end() - 1);
  for (int64_t x = 0; x < n_x_; ++x)
    for (int64_t e = joint.row_begin[x]; e < joint.row_begin[x + 1]; ++e) {
      const int64_t slot = fill[entry_column_[e]]++;
      column_x_[slot] = static_cast<int32_t>(x);
      column_p_[slot] = joint.p_x[x] * joint.p_y_given_x[e];
    }
  log_partition_.assign(n_x_, 0.0);
  block_p_t_.assign(static_cast<std::size_t>(blocks_of(n_x_, kBlock) * T_), 0.0);
  // Work per context block: T multiply-adds per entry, T exponentials per context (~8 entries'
  // worth); per token: T multiply-adds per entry, T logarithms (~8 entries' worth).
  constexpr int64_t kPerRow = 8;
  std::vector<int64_t> block_cost(static_cast<std::size_t>(blocks_of(n_x_, kBlock)), 0);
  for (int64_t x = 0; x < n_x_; ++x)
    block_cost[static_cast<std::size_t>(x / kBlock)] += joint.row_begin[x + 1] - joint.row_begin[x] + kPerRow;
  x_block_ranges_ = balanced_ranges(block_cost);
  std::vector<int64_t> token_cost(static_cast<std::size_t>(n_y_));
  for (int64_t y = 0; y < n_y_; ++y) token_cost[static_cast<std::size_t>(y)] = column_begin_[y + 1] - column_begin_[y] + kPerRow;
  y_ranges_ = balanced_ranges(token_cost);
}

template <typename Body>
void IbEngine::for_each(int64_t n, const Body& body) const {
  const int64_t took_part = threads_.parallel_for(n, body);
  int64_t seen = threads_used_.load();
  while (took_part > seen && !threads_used_.compare_exchange_weak(seen, took_part)) {
  }
}

template <typename Body>
void IbEngine::for_each_block(int64_t n_blocks, const Body& body) const {
  for_each(n_blocks, body);
}

template <typename Body>
void IbEngine::for_each_balanced(const std::vector<int64_t>& bounds, const Body& body) const {
  for_each(static_cast<int64_t>(bounds.size()) - 1, [&](int64_t r) {
    for (int64_t i = bounds[static_cast<std::size_t>(r)]; i < bounds[static_cast<std::size_t>(r) + 1]; ++i) body(i);
  });
}

std::vector<double> IbEngine::random_encoder(uint64_t seed, uint64_t stream) const {
  std::vector<double> encoder(static_cast<std::size_t>(n_x_ * T_));
  const uint64_t key = stream_key(seed, stream);
  for_each_block(blocks_of(n_x_, kBlock), [&](int64_t b) {
    for (int64_t x = b * kBlock; x < std::min(n_x_, (b + 1) * kBlock); ++x) {
      double* row = &encoder[x * T_];
      for (int64_t t = 0; t < T_; ++t) row[t] = 0.5 + uniform01(key, static_cast<uint64_t>(x * T_ + t));
      normalise(row, T_);
    }
  });
  return encoder;
}

void IbEngine::perturb(std::vector<double>& encoder, double amount, uint64_t seed, uint64_t stream) const {
  const double floor = amount * 1e-2 / static_cast<double>(T_), keep = 1 - amount * 1e-2;
  const uint64_t key = stream_key(seed, stream);
  for_each_block(blocks_of(n_x_, kBlock), [&](int64_t b) {
    for (int64_t x = b * kBlock; x < std::min(n_x_, (b + 1) * kBlock); ++x) {
      double* row = &encoder[x * T_];
      for (int64_t t = 0; t < T_; ++t)
        row[t] = (keep * row[t] + floor) * (1 + amount * (2 * uniform01(key, static_cast<uint64_t>(x * T_ + t)) - 1));
      normalise(row, T_);
    }
  });
}

// p(t) per block of contexts, summed in block order by decode: the same doubles whether a whole
// pass or the encoder update computes them.
void IbEngine::add_cluster_mass(int64_t block, const double* encoder_block) {
  double* sum = &block_p_t_[block * T_];
  std::fill(sum, sum + T_, 0.0);
  const int64_t first = block * kBlock;
  for (int64_t x = first; x < std::min(n_x_, first + kBlock); ++x) {
    const double px = joint_.p_x[x];
    const double* q = encoder_block + (x - first) * T_;
    for (int64_t t = 0; t < T_; ++t) sum[t] += px * q[t];
  }
}

void IbEngine::decode(const std::vector<double>& encoder, bool after_update) {
  const int64_t n_blocks = blocks_of(n_x_, kBlock);
  if (!after_update) {
    for_each_block(n_blocks, [&](int64_t b) { add_cluster_mass(b, &encoder[b * kBlock * T_]); });
  }
  p_t_.assign(T_, 0.0);
  for (int64_t b = 0; b < n_blocks; ++b)
    for (int64_t t = 0; t < T_; ++t) p_t_[t] += block_p_t_[b * T_ + t];
  log_p_t_.resize(T_);
  std::vector<double> inverse(T_);
  for (int64_t t = 0; t < T_; ++t) {
    log_p_t_[t] = math::log(p_t_[t]);
    inverse[t] = p_t_[t] > 0 ? 1.0 / p_t_[t] : 0.0;
  }
  p_y_t_.resize(static_cast<std::size_t>(n_y_ * T_));
  log_p_y_t_.resize(p_y_t_.size());
  for_each_balanced(y_ranges_, [&](int64_t y) {
    // Only an exact evaluation reads p(y|t) itself; inside a solve it is summed in place of its
    // logarithm, and the [n_y * T] table is not written.
    double* row = after_update ? &log_p_y_t_[y * T_] : &p_y_t_[y * T_];
    const int64_t first = column_begin_[y], n = column_begin_[y + 1] - first;
    // Inside a solve the gather reads the float copy the update wrote: half the memory traffic of
    // the encoder, which is larger than the cache at scale. Each term is off by at most 2^-24 of
    // itself, so the decoder is within ~6e-8 of its own value; a solve's result is still an exact
    // encoder, evaluated exactly (decode(encoder, false)).
    if (y + 1 < n_y_) {  // the next token's first rows, while this one is summed
      const int64_t next = column_begin_[y + 1], count = std::min(kernels::kRowsAhead, column_begin_[y + 2] - next);
      if (after_update)
        kernels::prefetch_rows(encoder_float_.data(), T_, &column_x_[next], count);
      else
        kernels::prefetch_rows(encoder.data(), T_, &column_x_[next], count);
    }
    if (after_update)
      kernels::weighted_row_sum(row, encoder_float_.data(), T_, &column_x_[first], &column_p_[first], n);
    else
      kernels::weighted_row_sum(row, encoder.data(), T_, &column_x_[first], &column_p_[first], n);
    for (int64_t t = 0; t < T_; ++t) row[t] *= inverse[t];
    kernels::log_into(row, &log_p_y_t_[y * T_], T_);
  });
}

IbEngine::Step IbEngine::iterate(double beta, std::vector<double>& encoder, bool after_update) {
  const int64_t n_blocks = blocks_of(n_x_, kBlock);
  block_change_.assign(n_blocks, 0.0);
  block_free_energy_.assign(n_blocks, 0.0);
  block_expected_kl_.assign(n_blocks, 0.0);
  decode(encoder, after_update);
  encoder_float_.resize(encoder.size());
  for_each_balanced(x_block_ranges_, [&](int64_t b) {
    std::vector<double> scratch(T_), cross(T_);
    double change = 0, free_energy = 0, expected_kl = 0;
    double* cluster_mass = &block_p_t_[b * T_];
    std::fill(cluster_mass, cluster_mass + T_, 0.0);
    for (int64_t x = b * kBlock; x < std::min(n_x_, (b + 1) * kBlock); ++x) {
      // cross[t] = sum_y p(y|x) ln p(y|t) over x's tokens only; -inf when t misses one of them.
      const int64_t first = joint_.row_begin[x];
      if (x + 1 < n_x_) {  // the next context's first rows, while this one is summed
        const int64_t next = joint_.row_begin[x + 1];
        kernels::prefetch_rows(log_p_y_t_.data(), T_, &entry_column_[next],
                               std::min(kernels::kRowsAhead, joint_.row_begin[x + 2] - next));
      }
      kernels::weighted_row_sum(cross.data(), log_p_y_t_.data(), T_, &entry_column_[first], &joint_.p_y_given_x[first],
                                joint_.row_begin[x + 1] - first);
      // p(t) per block is add_cluster_mass's sum, taken here row by row: the same doubles.
      kernels::EncoderRow row{&encoder[x * T_], &encoder_float_[x * T_], joint_.p_x[x], cluster_mass, 0.0};
      double row_kl = 0;
      log_partition_[x] =
          kernels::encoder_update(row, log_p_t_.data(), cross.data(), neg_entropy_[x], beta, scratch.data(), T_, &row_kl);
      change = std::max(change, row.change);
      free_energy += joint_.p_x[x] * log_partition_[x];
      expected_kl += joint_.p_x[x] * row_kl;
    }
    block_change_[b] = change;
    block_free_energy_[b] = free_energy;
    block_expected_kl_[b] = expected_kl;
  });
  // L after an encoder update from the previous decoder: I(X;T) + beta E[KL] - beta I(X;Y)
  // = -sum_x p(x) ln Z(x) - beta I(X;Y), which the IB iterations never increase.
  // With ln p(t|x) = ln p(t) - beta KL(x, t) - ln Z(x): I(X;T) = -beta E[KL] - E[ln Z], and
  // I(T;Y) = I(X;Y) - E[KL].
  Step step{-beta * i_xy_, 0.0, {}};
  double free_energy = 0, expected_kl = 0;
  for (int64_t b = 0; b < n_blocks; ++b) {
    free_energy += block_free_energy_[b];
    expected_kl += block_expected_kl_[b];
    step.change = std::max(step.change, block_change_[b]);
  }
  step.objective -= free_energy;
  step.estimate.beta = beta;
  step.estimate.i_xt = -beta * expected_kl - free_energy;
  step.estimate.i_ty = i_xy_ - expected_kl;
  return step;
}

IbEngine::Solved IbEngine::solve(double beta, std::vector<double>& encoder, int64_t max_iterations, double tolerance,
                                 double objective_tolerance, const Abandon& abandon) {
  Solved solved;
  double previous_objective = 0;
  int quiet = 0;  // consecutive iterations whose objective moved less than the tolerance
  // Relative to beta I(X;Y), the range of L: a change dL moves the solution by dL / beta in
  // I(T;Y) against the tangent of slope 1/beta, so this bounds that shift by tol * I(X;Y).
  const double scale = beta * i_xy_;
  auto converged = [&](const Step& step) {
    ++solved.iterations;
    if (step.change < tolerance) return true;
    quiet = solved.iterations > 1 && std::abs(step.objective - previous_objective) <= objective_tolerance * scale ? quiet + 1 : 0;
    previous_objective = step.objective;
    return quiet >= 2;
  };
  while (solved.iterations < max_iterations) {
    const Step step = iterate(beta, encoder, solved.iterations > 0);
    if (converged(step)) break;
    if (abandon && abandon(step.estimate)) {
      solved.abandoned = true;
      break;
    }
  }
  solved.point = evaluate(encoder);
  solved.point.beta = beta;
  return solved;
}

IbPoint IbEngine::evaluate(const std::vector<double>& encoder) {
  decode(encoder, false);
  IbPoint point;
  point.i_xt = encoder_information(encoder);
  point.i_ty = relevant_information();
  return point;
}

double IbEngine::encoder_information(const std::vector<double>& encoder) const {
  const int64_t n_blocks = blocks_of(n_x_, kBlock);
  std::vector<double> partial(n_blocks, 0.0);
  for_each_block(n_blocks, [&](int64_t b) {
    double block_sum = 0;
    std::vector<double> scratch(T_);
    for (int64_t x = b * kBlock; x < std::min(n_x_, (b + 1) * kBlock); ++x)
      block_sum += joint_.p_x[x] * kernels::row_information(&encoder[x * T_], p_t_.data(), log_p_t_.data(), scratch.data(), T_);
    partial[b] = block_sum;
  });
  double i_xt = 0;
  for (const double v : partial) i_xt += v;
  return std::max(i_xt, 0.0);
}

double IbEngine::relevant_information() const {
  const int64_t n_blocks = blocks_of(n_y_, kBlock);
  std::vector<double> partial(n_blocks, 0.0);
  for_each_block(n_blocks, [&](int64_t b) {
    double sum = 0;
    for (int64_t token = b * kBlock; token < std::min(n_y_, (b + 1) * kBlock); ++token) {
      const int64_t y = by_token_[token];
      if (!(p_y_[y] > 0)) continue;
      const double log_p_y = math::log(p_y_[y]);
      for (int64_t t = 0; t < T_; ++t) {
        const double p = p_y_t_[y * T_ + t];
        if (p > 0) sum += p_t_[t] * p * (log_p_y_t_[y * T_ + t] - log_p_y);
      }
    }
    partial[b] = sum;
  });
  double i_ty = 0;
  for (const double v : partial) i_ty += v;
  return std::max(i_ty, 0.0);
}

bool IbEngine::is_hard(const std::vector<double>& encoder) const {
  for (int64_t x = 0; x < n_x_; ++x) {
    if (joint_.p_x[x] == 0) continue;
    const double* q = &encoder[x * T_];
    if (!(*std::max_element(q, q + T_) > 1 - 1e-12)) return false;
  }
  return true;
}

std::vector<int32_t> IbEngine::hard_assignment(const std::vector<double>& encoder) const {
  std::vector<int32_t> assignment(n_x_);
  for (int64_t x = 0; x < n_x_; ++x) {
    const double* q = &encoder[x * T_];
    assignment[x] = static_cast<int32_t>(std::max_element(q, q + T_) - q);
  }
  return assignment;
}

void IbEngine::soften(const std::vector<int32_t>& assignment, std::vector<double>& encoder) const {
  encoder.resize(static_cast<std::size_t>(n_x_ * T_));
  for (int64_t x = 0; x < n_x_; ++x) {
    double* row = &encoder[x * T_];
    for (int64_t t = 0; t < T_; ++t) row[t] = t == assignment[x] ? 1.0 : 1e-8;
    normalise(row, T_);
  }
}

namespace {

// The sufficient statistics of a hard clustering: p(t, y) (y-major), p(t) and g_t = p(t) ln p(t),
// and g_ty = p(t, y) ln p(t, y) for the first hot_columns tokens.
struct HardClusters {
  std::vector<double> p_ty, p_t, g_t, g_ty;
  int64_t hot_columns = 0;
};

// The sIB gains of a context take (a + w) ln(a + w) - a ln a for every cluster and entry. For the
// most frequent tokens, whose rows most entries read, a ln a is kept beside p(t, y) and updated
// by each move: half the logarithms. The kept rows are sized to stay in the cache with the rows
// of p(t, y) they shadow; a table over every token would miss the cache more than the logarithms
// it saves.
constexpr int64_t kHotEntropyBytes = 512 * 1024;

}  // namespace

int64_t IbEngine::refine_hard(std::vector<int32_t>& assignment, double inverse_beta, double objective_tolerance,
                              int64_t max_sweeps) {
  const int64_t T = T_;
  HardClusters c;
  c.p_ty.assign(static_cast<std::size_t>(n_y_ * T), 0.0);
  c.p_t.assign(T, 0.0);
  c.g_t.assign(T, 0.0);
  for_each_balanced(y_ranges_, [&](int64_t y) {
    for (int64_t e = column_begin_[y]; e < column_begin_[y + 1]; ++e) c.p_ty[y * T + assignment[column_x_[e]]] += column_p_[e];
  });
  for (int64_t x = 0; x < n_x_; ++x) c.p_t[assignment[x]] += joint_.p_x[x];
  for (int64_t t = 0; t < T; ++t) c.g_t[t] = x_log_x(c.p_t[t]);
  c.hot_columns = std::min<int64_t>(n_y_, kHotEntropyBytes / static_cast<int64_t>(sizeof(double) * T));
  c.g_ty.resize(static_cast<std::size_t>(c.hot_columns * T));
  for (int64_t i = 0; i < c.hot_columns * T; ++i) c.g_ty[i] = x_log_x(c.p_ty[i]);
  // Objective I(T;Y) - s H(T) = sum g(p(t,y)) - (1 - s) sum g(p(t)) + const, g(v) = v ln v.
  const double weight = 1 - inverse_beta;

  // What moving x (out of `from`) into `to` adds, against the clusters as they are now.
  auto entry_gain = [&](int64_t x, int32_t to) {
    const double px = joint_.p_x[x];
    double gain = -weight * (x_log_x(c.p_t[to] + px) - c.g_t[to]);
    for (int64_t e = joint_.row_begin[x]; e < joint_.row_begin[x + 1]; ++e) {
      const double a = c.p_ty[static_cast<int64_t>(entry_column_[e]) * T + to];
      gain += x_log_x(a + px * joint_.p_y_given_x[e]) - x_log_x(a);
    }
    return gain;
  };
  auto leave_gain = [&](int64_t x, int32_t from) {  // the same for x's own cluster, x taken out
    const double px = joint_.p_x[x];
    double gain = -weight * (c.g_t[from] - x_log_x(std::max(c.p_t[from] - px, 0.0)));
    for (int64_t e = joint_.row_begin[x]; e < joint_.row_begin[x + 1]; ++e) {
      const double a = c.p_ty[static_cast<int64_t>(entry_column_[e]) * T + from];
      gain += x_log_x(a) - x_log_x(std::max(a - px * joint_.p_y_given_x[e], 0.0));
    }
    return gain;
  };
  auto move = [&](int64_t x, int32_t from, int32_t to) {
    const double px = joint_.p_x[x];
    c.p_t[from] = std::max(c.p_t[from] - px, 0.0);
    c.p_t[to] += px;
    c.g_t[from] = x_log_x(c.p_t[from]);
    c.g_t[to] = x_log_x(c.p_t[to]);
    for (int64_t e = joint_.row_begin[x]; e < joint_.row_begin[x + 1]; ++e) {
      const int64_t y = entry_column_[e];
      const double w = px * joint_.p_y_given_x[e];
      double& out = c.p_ty[y * T + from];
      out = std::max(out - w, 0.0);
      c.p_ty[y * T + to] += w;
      if (y < c.hot_columns) {
        c.g_ty[y * T + from] = x_log_x(out);
        c.g_ty[y * T + to] = x_log_x(c.p_ty[y * T + to]);
      }
    }
    assignment[x] = to;
  };
  // Move only for a real improvement, so rounding cannot make x oscillate.
  constexpr double kMinGain = 1e-15;
  auto gain_of = [&](int64_t x, int32_t current, int32_t t) { return t == current ? leave_gain(x, t) : entry_gain(x, t); };

  // gains[(x - begin) * T + t]: what x gains in t (in its own cluster: what it loses leaving it).
  std::vector<double> gains(static_cast<std::size_t>(kMoveBlock * T));
  std::vector<int32_t> touched;  // clusters changed by moves since the block's gains were computed
  int64_t sweeps = 0;
  while (sweeps < max_sweeps) {
    ++sweeps;
    int64_t moves = 0;
    double gained = 0;
    for (int64_t begin = 0; begin < n_x_; begin += kMoveBlock) {
      const int64_t end = std::min(n_x_, begin + kMoveBlock);
      for_each(blocks_of(end - begin, kGainChunk), [&](int64_t chunk) {
        thread_local std::vector<double> scratch;
        thread_local std::vector<int32_t> occupied;
        scratch.resize(static_cast<std::size_t>(2 * T));
        occupied.resize(static_cast<std::size_t>(T));
        const int64_t first = begin + chunk * kGainChunk;
        const int64_t last_entry = joint_.row_begin[std::min(end, first + kGainChunk)];
        for (int64_t x = first; x < std::min(end, first + kGainChunk); ++x) {
          double* gain = &gains[(x - begin) * T];
          const double px = joint_.p_x[x];
          if (px == 0) continue;
          kernels::cluster_size_gains(gain, c.p_t.data(), c.g_t.data(), px, weight, T);
          for (int64_t e = joint_.row_begin[x]; e < joint_.row_begin[x + 1]; ++e) {
            const int64_t y = entry_column_[e];
            if (e + kPrefetchAhead < last_entry) kernels::prefetch_rows(c.p_ty.data(), T, &entry_column_[e + kPrefetchAhead], 1);
            if (y < c.hot_columns)
              kernels::add_entry_gains(gain, &c.p_ty[y * T], &c.g_ty[y * T], px * joint_.p_y_given_x[e], T);
            else
              kernels::add_entry_gains(gain, &c.p_ty[y * T], px * joint_.p_y_given_x[e], scratch.data(), occupied.data(), T);
          }
          gain[assignment[x]] = leave_gain(x, assignment[x]);
        }
      });
      // In context order, as sequential IB visits them: a move changes only the two clusters it
      // touches, so the gains of the other clusters computed above are still exact.
      touched.clear();
      for (int64_t x = begin; x < end; ++x) {
        if (joint_.p_x[x] == 0) continue;
        double* gain = &gains[(x - begin) * T];
        const int32_t current = assignment[x];
        for (const int32_t t : touched) gain[t] = gain_of(x, current, t);
        const int32_t best = kernels::best_move(gain, T, current, gain[current] + kMinGain);
        if (best == current) continue;
        move(x, current, best);
        ++moves;
        gained += gain[best] - gain[current];
        for (const int32_t t : {current, best})
          if (std::find(touched.begin(), touched.end(), t) == touched.end()) touched.push_back(t);
      }
    }
    if (moves == 0 || gained < objective_tolerance * i_xy_) break;
  }
  return sweeps;
}

IbPoint IbEngine::evaluate_hard(const std::vector<int32_t>& assignment) const {
  const int64_t T = T_;
  std::vector<double> p_t(T, 0.0);
  for (int64_t x = 0; x < n_x_; ++x) p_t[assignment[x]] += joint_.p_x[x];
  const int64_t n_blocks = blocks_of(n_y_, kBlock);
  std::vector<double> partial(n_blocks, 0.0);
  for_each_block(n_blocks, [&](int64_t b) {
    std::vector<double> p_ty(T);
    double sum = 0;
    for (int64_t token = b * kBlock; token < std::min(n_y_, (b + 1) * kBlock); ++token) {
      const int64_t y = by_token_[token];
      std::fill(p_ty.begin(), p_ty.end(), 0.0);
      for (int64_t e = column_begin_[y]; e < column_begin_[y + 1]; ++e) p_ty[assignment[column_x_[e]]] += column_p_[e];
      for (int64_t t = 0; t < T; ++t)
        if (p_ty[t] > 0) sum += p_ty[t] * math::log(p_ty[t] / (p_t[t] * p_y_[y]));
    }
    partial[b] = sum;
  });
  IbPoint point;
  for (const double v : partial) point.i_ty += v;
  for (int64_t t = 0; t < T; ++t) point.i_xt -= x_log_x(p_t[t]);
  point.i_xt = std::max(point.i_xt, 0.0);
  point.i_ty = std::max(point.i_ty, 0.0);
  return point;
}

}  // namespace infobound::bound
