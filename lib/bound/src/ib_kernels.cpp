#include "ib_kernels.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

#include "infobound/core/vector_math.hpp"

namespace infobound::bound::kernels {

namespace {

template <typename Value>
[[gnu::always_inline]] inline void weighted_row_sum_of(double* acc, const Value* table, int64_t T, const int32_t* index,
                                                      const double* weight, int64_t n) {
  std::fill(acc, acc + T, 0.0);
  int64_t e = 0;
  // Four entries per pass over acc, added in entry order: the same doubles as one at a time, with
  // a quarter of the loads and stores of acc.
  for (; e + 4 <= n; e += 4) {
    static_assert(kRowsAhead == 4, "a pass sums four entries");
    prefetch_rows(table, T, index + e + 4, std::min(kRowsAhead, n - e - 4));  // the next pass's rows
    const double w0 = weight[e], w1 = weight[e + 1], w2 = weight[e + 2], w3 = weight[e + 3];
    const Value* r0 = table + static_cast<int64_t>(index[e]) * T;
    const Value* r1 = table + static_cast<int64_t>(index[e + 1]) * T;
    const Value* r2 = table + static_cast<int64_t>(index[e + 2]) * T;
    const Value* r3 = table + static_cast<int64_t>(index[e + 3]) * T;
    for (int64_t t = 0; t < T; ++t)
      acc[t] = (((acc[t] + w0 * static_cast<double>(r0[t])) + w1 * static_cast<double>(r1[t])) + w2 * static_cast<double>(r2[t])) +
               w3 * static_cast<double>(r3[t]);
  }
  for (; e < n; ++e) {
    const double w = weight[e];
    const Value* row = table + static_cast<int64_t>(index[e]) * T;
    for (int64_t t = 0; t < T; ++t) acc[t] += w * static_cast<double>(row[t]);
  }
}

}  // namespace

INFOBOUND_KERNEL void weighted_row_sum(double* acc, const double* table, int64_t T, const int32_t* index, const double* weight,
                                       int64_t n) {
  weighted_row_sum_of(acc, table, T, index, weight, n);
}

INFOBOUND_KERNEL void weighted_row_sum(double* acc, const float* table, int64_t T, const int32_t* index, const double* weight,
                                       int64_t n) {
  weighted_row_sum_of(acc, table, T, index, weight, n);
}

INFOBOUND_KERNEL void exp_in_place(double* v, int64_t n) {
  for (int64_t t = 0; t < n; ++t) v[t] = math::exp(v[t]);
}

INFOBOUND_KERNEL void log_into(const double* in, double* out, int64_t n) {
  for (int64_t t = 0; t < n; ++t) out[t] = math::log(in[t]);
}

namespace {

// Four independent chains, so the reduction is not one long dependency; the order is fixed.
// The chains are two vectors of two (GCC's generic vectors, SSE2 registers in every build), so
// each lane adds the same values in the same order whatever the target. Always inlined: a call
// would run the baseline build inside the AVX2 clone of its caller.
using Lanes2 = double __attribute__((vector_size(16)));
template <typename Combine>
[[gnu::always_inline]] inline double reduce4(const double* v, int64_t n, double init, const Combine& combine) {
  Lanes2 low = {init, init}, high = {init, init};
  int64_t t = 0;
  for (; t + 4 <= n; t += 4) {
    Lanes2 next_low, next_high;
    std::memcpy(&next_low, v + t, sizeof next_low);
    std::memcpy(&next_high, v + t + 2, sizeof next_high);
    low = combine(low, next_low);
    high = combine(high, next_high);
  }
  double result = combine(combine(low[0], low[1]), combine(high[0], high[1]));
  for (; t < n; ++t) result = combine(result, v[t]);
  return result;
}

}  // namespace

INFOBOUND_KERNEL double encoder_update(double* q, float* q_float, const double* log_p_t, const double* cross, double neg_entropy, double beta,
                                       double* scratch, int64_t n, double* change, double* expected_kl) {
  for (int64_t t = 0; t < n; ++t) scratch[t] = log_p_t[t] + beta * (cross[t] - neg_entropy);
  const double shift =
      reduce4(scratch, n, -std::numeric_limits<double>::infinity(), [](auto a, auto b) { return b > a ? b : a; });
  for (int64_t t = 0; t < n; ++t) scratch[t] = math::exp(scratch[t] - shift);
  const double sum = reduce4(scratch, n, 0.0, [](auto a, auto b) { return a + b; });
  const double inverse_sum = 1.0 / sum;
  for (int64_t t = 0; t < n; ++t) {
    const double updated = scratch[t] * inverse_sum;
    scratch[t] = updated > q[t] ? updated - q[t] : q[t] - updated;
    q[t] = updated;
    q_float[t] = static_cast<float>(updated);
  }
  *change = reduce4(scratch, n, 0.0, [](auto a, auto b) { return b > a ? b : a; });
  // A cluster that misses one of x's tokens has KL = +infinity and q = 0: it adds nothing.
  for (int64_t t = 0; t < n; ++t) scratch[t] = q[t] > 0 ? q[t] * (neg_entropy - cross[t]) : 0.0;
  *expected_kl = reduce4(scratch, n, 0.0, [](auto a, auto b) { return a + b; });
  return shift + math::log(sum);
}

INFOBOUND_KERNEL void cluster_size_gains(double* gain, const double* p, const double* p_log_p, double mass, double weight,
                                         int64_t n) {
  for (int64_t t = 0; t < n; ++t) {
    const double sum = p[t] + mass;
    gain[t] = -weight * (sum * math::log(sum) - p_log_p[t]);
  }
}

INFOBOUND_KERNEL void add_entry_gains(double* gain, const double* a, double w, double* scratch, int32_t* occupied, int64_t n) {
  const double into_empty = w * math::log(w);
  int64_t n_occupied = 0;
  for (int64_t t = 0; t < n; ++t) n_occupied += a[t] > 0 ? 1 : 0;
  // Where most clusters hold the token, one vector loop over all of them is cheapest. (a ln a is
  // taken again rather than kept in a table beside p(t, y): the table's cache misses cost more
  // than the logarithms.)
  if (5 * n_occupied > 2 * n) {
    for (int64_t t = 0; t < n; ++t) {
      const double sum = a[t] + w;
      const double sum_log_sum = sum * math::log(sum);
      const double here = a[t] > 0 ? a[t] : 1.0;
      const double a_log_a = here * math::log(here);
      gain[t] += a[t] > 0 ? sum_log_sum - a_log_a : into_empty;
    }
    return;
  }
  // Where few do (a hard clustering puts a rare token's contexts in few clusters), the logarithms
  // are taken only for the occupied ones, packed without branches so that they still run as a
  // vector loop; the doubles are the same as above.
  int64_t k = 0;
  for (int64_t t = 0; t < n; ++t) {
    occupied[k] = static_cast<int32_t>(t);
    scratch[k] = a[t];
    k += a[t] > 0 ? 1 : 0;
  }
  for (int64_t t = 0; t < n; ++t) gain[t] += a[t] > 0 ? 0.0 : into_empty;
  double* change = scratch + n;
  for (int64_t i = 0; i < k; ++i) {
    const double sum = scratch[i] + w;
    change[i] = sum * math::log(sum) - scratch[i] * math::log(scratch[i]);
  }
  for (int64_t i = 0; i < k; ++i) gain[occupied[i]] += change[i];
}

}  // namespace infobound::bound::kernels
