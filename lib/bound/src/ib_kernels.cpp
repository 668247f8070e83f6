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

// Eight lanes (GCC's generic vectors: one AVX-512 register, two AVX2 or four SSE2 ones), for
// the loops whose every lane computes what the scalar code would. They are passed by reference:
// a 64-byte vector passed by value would have a different ABI in each clone.
using Lanes8 = double __attribute__((vector_size(64)));
using Floats8 = float __attribute__((vector_size(32)));
template <typename Vector, typename Value>
[[gnu::always_inline]] inline void load8(Vector& v, const Value* p) {
  std::memcpy(&v, p, sizeof v);
}
template <typename Vector, typename Value>
[[gnu::always_inline]] inline void store8(Value* p, const Vector& v) {
  std::memcpy(p, &v, sizeof v);
}
// Sixteen chains in two vectors of eight: a sum of |T| = 100 terms is then a chain of 7 adds,
// not 25. The order is fixed (lane by lane, then the lanes in a fixed tree, then the tail), and
// every clone adds the same values in it.
[[gnu::always_inline]] inline double sum16(const double* v, int64_t n) {
  Lanes8 low{}, high{}, next;
  int64_t t = 0;
  for (; t + 16 <= n; t += 16) {
    load8(next, v + t);
    low += next;
    load8(next, v + t + 8);
    high += next;
  }
  if (t + 8 <= n) {
    load8(next, v + t);
    low += next;
    t += 8;
  }
  const Lanes8 lanes = low + high;
  double result = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
  for (; t < n; ++t) result += v[t];
  return result;
}
[[gnu::always_inline]] inline double horizontal_max(const Lanes8& v) {
  double m = v[0];
  for (int i = 1; i < 8; ++i) m = v[i] > m ? v[i] : m;
  return m;
}

}  // namespace

INFOBOUND_KERNEL double encoder_update(EncoderRow& row, const double* log_p_t, const double* cross, double neg_entropy,
                                       double beta, double* scratch, int64_t n, double* expected_kl) {
  // Maxima are exact in any order, so they are taken in eight lanes inside the loops that make
  // their values; the sums are sum16's, in its fixed order.
  const int64_t n_vector = n - n % 8;
  const Lanes8 zero{};
  Lanes8 shift_lanes = zero - std::numeric_limits<double>::infinity(), log_p_t_of, cross_of, previous, weight, mass;
  for (int64_t t = 0; t < n_vector; t += 8) {
    load8(log_p_t_of, log_p_t + t);
    load8(cross_of, cross + t);
    const Lanes8 logit = log_p_t_of + beta * (cross_of - neg_entropy);
    store8(scratch + t, logit);
    shift_lanes = logit > shift_lanes ? logit : shift_lanes;
  }
  double shift = horizontal_max(shift_lanes);
  for (int64_t t = n_vector; t < n; ++t) {
    scratch[t] = log_p_t[t] + beta * (cross[t] - neg_entropy);
    shift = scratch[t] > shift ? scratch[t] : shift;
  }
  for (int64_t t = 0; t < n; ++t) scratch[t] = math::exp(scratch[t] - shift);
  const double sum = sum16(scratch, n);
  const double inverse_sum = 1.0 / sum;
  // A cluster that misses one of x's tokens has KL = +infinity and q = 0: it adds nothing.
  double* q = row.q;
  float* q_float = row.q_float;
  Lanes8 change_lanes = zero;
  for (int64_t t = 0; t < n_vector; t += 8) {
    load8(weight, scratch + t);
    load8(previous, q + t);
    load8(cross_of, cross + t);
    load8(mass, row.cluster_mass + t);
    const Lanes8 updated = weight * inverse_sum;
    const Lanes8 moved = updated > previous ? updated - previous : previous - updated;
    change_lanes = moved > change_lanes ? moved : change_lanes;
    store8(q + t, updated);
    store8(q_float + t, __builtin_convertvector(updated, Floats8));
    store8(row.cluster_mass + t, mass + row.p_x * updated);
    store8(scratch + t, updated > 0 ? updated * (neg_entropy - cross_of) : zero);
  }
  double moved_most = horizontal_max(change_lanes);
  for (int64_t t = n_vector; t < n; ++t) {
    const double updated = scratch[t] * inverse_sum;
    const double moved = updated > q[t] ? updated - q[t] : q[t] - updated;
    moved_most = moved > moved_most ? moved : moved_most;
    q[t] = updated;
    q_float[t] = static_cast<float>(updated);
    row.cluster_mass[t] += row.p_x * updated;
    scratch[t] = updated > 0 ? updated * (neg_entropy - cross[t]) : 0.0;
  }
  row.change = moved_most;
  *expected_kl = sum16(scratch, n);
  return shift + math::log(sum);
}

INFOBOUND_KERNEL double row_information(const double* q, const double* p_t, const double* log_p_t, double* scratch, int64_t n) {
  // The logarithms in a vector loop, the sum in order: the doubles of the scalar loop.
  for (int64_t t = 0; t < n; ++t) {
    const double here = q[t] > 0 ? q[t] : 1.0;
    scratch[t] = q[t] > 0 && p_t[t] > 0 ? q[t] * (math::log(here) - log_p_t[t]) : 0.0;
  }
  double sum = 0;
  for (int64_t t = 0; t < n; ++t) sum += scratch[t];
  return sum;
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

INFOBOUND_KERNEL void add_entry_gains(double* gain, const double* a, const double* a_log_a, double w, int64_t n) {
  const double into_empty = w * math::log(w);
  for (int64_t t = 0; t < n; ++t) {
    const double sum = a[t] + w;
    gain[t] += a[t] > 0 ? sum * math::log(sum) - a_log_a[t] : into_empty;
  }
}

INFOBOUND_KERNEL int32_t best_move(const double* gain, int64_t n, int32_t current, double threshold) {
  // The maximum is exact in any order, so it is taken in eight lanes; then the first cluster
  // that holds it, as a scan in order would find.
  const int64_t n_vector = n - n % 8;
  const Lanes8 zero{};
  Lanes8 best_lanes = zero - std::numeric_limits<double>::infinity(), next;
  for (int64_t t = 0; t < n_vector; t += 8) {
    load8(next, gain + t);
    best_lanes = next > best_lanes ? next : best_lanes;
  }
  double best = horizontal_max(best_lanes);
  for (int64_t t = n_vector; t < n; ++t) best = gain[t] > best ? gain[t] : best;
  if (!(best > threshold)) return current;
  // threshold >= gain[current], so the clusters that hold the maximum are others.
  int64_t t = 0;
  while (gain[t] != best) ++t;
  return static_cast<int32_t>(t);
}

}  // namespace infobound::bound::kernels
