#pragma once
// The inner loops of the IB engine, over one row of |T| values. At scale an IB iteration is
// |T| exponentials per context, |T| logarithms per token and |T| multiply-adds per entry of
// p(x, y); sequential IB is 2|T| logarithms per entry. glibc's exp and log are scalar calls, so
// these loops are written branch-free for the compiler to vectorise, exp and log included (a
// polynomial on a reduced argument, within 1 ulp of glibc's). On x86-64 each kernel is also
// compiled for x86-64-v4 (AVX-512) and x86-64-v3 (AVX2) and the CPU picks the clone at load time:
// the default build targets SSE2 only. lib/bound is compiled with -ffp-contract=off, so every
// clone gives the same doubles, and results are bit-identical for any thread count.
#include <cstdint>

#include "infobound/core/prefetch.hpp"

namespace infobound::bound::kernels {

// Asks the cache for rows index[0 .. n) of a [rows * T] table. The IB loops read one row per
// entry of p(x, y) at a random place in tables larger than the cache: asking for the next rows
// while the current ones are summed hides most of the misses.
// How many rows ahead the gathers ask for: one pass of weighted_row_sum.
constexpr int64_t kRowsAhead = 4;
template <typename Value>
[[gnu::always_inline]] inline void prefetch_rows(const Value* table, int64_t T, const int32_t* index, int64_t n) {
  for (int64_t i = 0; i < n; ++i) prefetch_row(table + static_cast<int64_t>(index[i]) * T, T);
}

// acc[t] = sum_e weight[e] * table[index[e] * T + t], e = 0 .. n-1 in order (acc is overwritten).
void weighted_row_sum(double* acc, const double* table, int64_t T, const int32_t* index, const double* weight, int64_t n);
// The same over a table of floats, each widened to double before its product.
void weighted_row_sum(double* acc, const float* table, int64_t T, const int32_t* index, const double* weight, int64_t n);

// v[t] = exp(v[t]) for v[t] <= 709; below -708 the result is 0 (exp's true value there is under
// 1e-307, subnormal, and never matters against the row's maximum of 1).
void exp_in_place(double* v, int64_t n);

// out[t] = ln(in[t]) for in[t] >= 0 (0 gives -infinity; subnormals are exact).
void log_into(const double* in, double* out, int64_t n);

// One context's IB update, q[t] = p(t) exp(-beta KL[p(y|x) || p(y|t)]) / Z, from log_p_t[t],
// cross[t] = sum_y p(y|x) ln p(y|t) and neg_entropy = sum_y p(y|x) ln p(y|x) (KL = neg_entropy -
// cross). Returns ln Z; *expected_kl = sum_t q_new KL; `scratch` holds n values.
struct EncoderRow {
  double* q;       // the previous p(t|x), overwritten by the new one
  float* q_float;  // q_new rounded to float
  double p_x;      // cluster_mass[t] += p_x q_new[t]: add_cluster_mass's doubles, row by row
  double* cluster_mass;
  double change;  // out: max_t |q_new - q_previous|
};
double encoder_update(EncoderRow& row, const double* log_p_t, const double* cross, double neg_entropy, double beta,
                      double* scratch, int64_t n, double* expected_kl);

// sum_t q[t] (ln q[t] - log_p_t[t]) over the t with q[t] > 0 and p_t[t] > 0, added in t order:
// one context's share of I(X;T). `scratch` holds n values.
double row_information(const double* q, const double* p_t, const double* log_p_t, double* scratch, int64_t n);

// gain[t] = -weight ((p[t] + mass) ln(p[t] + mass) - p_log_p[t]): the cluster-size term of the
// sequential-IB gain of moving mass into each cluster t.
void cluster_size_gains(double* gain, const double* p, const double* p_log_p, double mass, double weight, int64_t n);

// The sequential-IB gain of adding mass w of one token to every cluster t, whose mass of that
// token is a[t]: gain[t] += (a + w) ln(a + w) - a ln a where a[t] > 0, and w ln w where a[t] = 0.
// a ln a is the same double as a * ln(a) in scalar code. `scratch` holds 2n values and
// `occupied` n.
void add_entry_gains(double* gain, const double* a, double w, double* scratch, int32_t* occupied, int64_t n);
// The same, with a_log_a[t] = a[t] ln a[t] (0 where a[t] = 0) given: one logarithm per cluster.
void add_entry_gains(double* gain, const double* a, const double* a_log_a, double w, int64_t n);

// The cluster t != current with the largest gain[t] (the first of equals) if that gain exceeds
// `threshold`, else current. threshold >= gain[current].
int32_t best_move(const double* gain, int64_t n, int32_t current, double threshold);

}  // namespace infobound::bound::kernels
