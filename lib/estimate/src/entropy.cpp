#include "infobound/estimate/entropy.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include "infobound/core/error.hpp"
#include "infobound/core/vector_math.hpp"

namespace infobound::estimate {
namespace {

// A non-negative int64 as the nearest double, as static_cast<double> gives it, from two exact
// halves and one rounded addition: AVX2 has no int64-to-double conversion, so the cast would not
// vectorise.
[[gnu::always_inline]] inline double nearest_double(int64_t count) {
  const auto u = static_cast<uint64_t>(count);
  const double high = std::bit_cast<double>(0x4530000000000000ull | (u >> 32)) - 0x1p84;
  const double low = std::bit_cast<double>(0x4330000000000000ull | (u & 0xFFFFFFFFull)) - 0x1p52;
  return high + low;
}

// A count below 2^52 as a double: exact, so the same double as nearest_double gives, in two
// instructions instead of seven.
[[gnu::always_inline]] inline double small_count_as_double(int64_t count) {
  return std::bit_cast<double>(0x4330000000000000ull | static_cast<uint64_t>(count)) - 0x1p52;
}

// q = count * inverse_total, except that a count holding all the mass is q = 1 exactly, so a hard
// assignment has entropy 0.
template <bool kSmallCounts>
[[gnu::always_inline]] inline double share(int64_t count, int64_t total, double inverse_total) {
  const double c = kSmallCounts ? small_count_as_double(count) : nearest_double(count);
  return count == total ? 1.0 : c * inverse_total;
}

// Sum of -q ln q over the counts, q = count / total. Term i goes to partial sum i mod kLanes, in
// order, and the partial sums combine in a fixed order: the same double from the AVX2 build and
// the baseline one, so ranks on different machines agree.
// q = count * (1 / total): one division per vector instead of one per count (the log keeps its
// own). The logarithm runs stage by stage over a block (math::ReducedLog).
template <bool kSmallCounts>
[[gnu::always_inline]] inline double sum_of_q_log_q(const int64_t* counts, int64_t n, int64_t total, double log_clip) {
  constexpr int64_t kLanes = 8, kBlock = 64;
  const double inverse_total = 1.0 / nearest_double(total);
  double q[kBlock], e[kBlock], f[kBlock], s[kBlock], r[kBlock];
  double lane[kLanes] = {};
  // A zero count gives 0 * log_clip = 0; q >= 1e-9 is normal.
  const auto term = [&](int64_t i) { return q[i] * (q[i] < 1e-9 ? log_clip : math::log_of_reduced({e[i], f[i]}, s[i], r[i])); };
  for (int64_t start = 0; start < n; start += kBlock) {
    const int64_t m = std::min(kBlock, n - start);
    for (int64_t i = 0; i < m; ++i) q[i] = share<kSmallCounts>(counts[start + i], total, inverse_total);
    for (int64_t i = 0; i < m; ++i) {
      const math::ReducedLog reduced = math::reduce_for_log(q[i] < 1e-9 ? 1.0 : q[i]);
      e[i] = reduced.e;
      f[i] = reduced.f;
    }
    for (int64_t i = 0; i < m; ++i) s[i] = math::atanh_argument(f[i]);
    for (int64_t i = 0; i < m; ++i) r[i] = math::atanh_series(s[i]);
    // kBlock is a multiple of kLanes: term start + i goes to lane i mod kLanes.
    int64_t i = 0;
    for (; i + kLanes <= m; i += kLanes)
      for (int64_t j = 0; j < kLanes; ++j) lane[j] -= term(i + j);
    for (int64_t j = 0; i + j < m; ++j) lane[j] -= term(i + j);
  }
  return ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
}

// Rows of soft assignments sum to about 2^bits <= 2^51 (fixed_point_bits_for_rows): their counts
// take the short conversion. Sums of many rows (tables, marginals) can be larger.
INFOBOUND_KERNEL double sum_of_q_log_q_of_counts(const int64_t* counts, int64_t n, int64_t total, double log_clip) {
  constexpr int64_t k2p52 = int64_t{1} << 52;
  return total < k2p52 ? sum_of_q_log_q<true>(counts, n, total, log_clip) : sum_of_q_log_q<false>(counts, n, total, log_clip);
}

}  // namespace

double normalised_entropy(std::span<const int64_t> counts) {
  // Checked after the loop, not in it, so that the loop vectorises: this runs once per folded row
  // and layer, where the check was a fifth of the entropy's time.
  int64_t total = 0, any_sign = 0;
  for (const int64_t c : counts) {
    total += c;
    any_sign |= c;
  }
  if (any_sign < 0) throw InputError("the entropy of a negative soft count");
  if (total <= 0) throw InputError("the entropy of an empty soft count (no assignment mass)");
  if (counts.size() < 2) return 0.0;
  static const double kLogClip = std::log(1e-9);
  const auto n = static_cast<int64_t>(counts.size());
  // Rows of one estimator share n: its logarithm once per thread and n, not once per row.
  thread_local int64_t last_n = 0;
  thread_local double log_n = 0.0;
  if (n != last_n) {
    log_n = std::log(static_cast<double>(n));
    last_n = n;
  }
  return sum_of_q_log_q_of_counts(counts.data(), n, total, kLogClip) / log_n;
}

}  // namespace infobound::estimate
