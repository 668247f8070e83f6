#include "fixed_point.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <vector>

#include "infobound/core/prefetch.hpp"
#include "infobound/core/vector_math.hpp"

namespace infobound::estimate::detail {
namespace {

// Adding 2^52 to x in [0, 2^51] leaves round-to-nearest-even(x) in the low mantissa bits: a
// branch-free rounding that vectorises, unlike a double -> int64 conversion without AVX-512.
constexpr double kMagic = 4503599627370496.0;  // 2^52

// round(x * scale) for x * scale in [0, 2^51].
[[gnu::always_inline]] inline int64_t fixed_point(double x, double scale) {
  return std::bit_cast<int64_t>(x * scale + kMagic) - std::bit_cast<int64_t>(kMagic);
}

// into + value, wrapping: a NaN (which the blocks report once the scatter's pool is done) rounds
// to an arbitrary integer, and the sums it enters must not be undefined behaviour. Valid sums
// stay below 2^62 (fixed_point_bits_for_rows), where this is the plain sum.
[[gnu::always_inline]] inline int64_t wrapping_add(int64_t into, int64_t value) {
  return static_cast<int64_t>(static_cast<uint64_t>(into) + static_cast<uint64_t>(value));
}

template <typename Scalar>
[[gnu::always_inline]] inline void add_fixed_point(int64_t* __restrict into, const Scalar* __restrict p, int64_t n,
                                                   double scale) {
  for (int64_t j = 0; j < n; ++j) into[j] = wrapping_add(into[j], fixed_point(static_cast<double>(p[j]), scale));
}

template <typename Scalar>
[[gnu::always_inline]] inline void add_fixed_point_to_both(int64_t* __restrict into, int64_t* __restrict also,
                                                           const Scalar* __restrict p, int64_t n, double scale) {
  for (int64_t j = 0; j < n; ++j) {
    const int64_t value = fixed_point(static_cast<double>(p[j]), scale);
    into[j] = wrapping_add(into[j], value);
    also[j] = wrapping_add(also[j], value);
  }
}

template <typename Scalar>
[[gnu::always_inline]] inline bool quantize_values(const Scalar* __restrict p, int64_t n_rows, int64_t n, double scale,
                                                   int64_t* __restrict out, int64_t* __restrict sum) {
  int64_t out_of_range = 0;  // an integer count, not a bool, so that the loop vectorises
  for (int64_t r = 0; r < n_rows; ++r, p += n, out += n) {
    for (int64_t j = 0; j < n; ++j) {
      const double x = static_cast<double>(p[j]);
      out_of_range += (x >= 0.0 && x <= 1.0000001) ? 0 : 1;
      out[j] = fixed_point(x, scale);
      sum[j] = wrapping_add(sum[j], out[j]);
    }
  }
  return out_of_range == 0;
}

INFOBOUND_KERNEL void add_floats(int64_t* into, const float* p, int64_t n, double scale) { add_fixed_point(into, p, n, scale); }

INFOBOUND_KERNEL void add_doubles(int64_t* into, const double* p, int64_t n, double scale) { add_fixed_point(into, p, n, scale); }

INFOBOUND_KERNEL void add_floats_to_both(int64_t* into, int64_t* also, const float* p, int64_t n, double scale) {
  add_fixed_point_to_both(into, also, p, n, scale);
}

INFOBOUND_KERNEL void add_doubles_to_both(int64_t* into, int64_t* also, const double* p, int64_t n, double scale) {
  add_fixed_point_to_both(into, also, p, n, scale);
}

INFOBOUND_KERNEL void add_two_vectors(int64_t* __restrict into, int64_t* __restrict also, const int64_t* __restrict row,
                                      int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    into[j] = wrapping_add(into[j], row[j]);
    also[j] = wrapping_add(also[j], row[j]);
  }
}

INFOBOUND_KERNEL bool quantize_floats(const float* p, int64_t n_rows, int64_t n, double scale, int64_t* out, int64_t* sum) {
  return quantize_values(p, n_rows, n, scale, out, sum);
}

INFOBOUND_KERNEL bool quantize_doubles(const double* p, int64_t n_rows, int64_t n, double scale, int64_t* out, int64_t* sum) {
  return quantize_values(p, n_rows, n, scale, out, sum);
}

// Rows are read in an order the hardware prefetchers cannot guess (by table row, from a buffer
// larger than L2; table rows from tables larger than L3): fetching a few rows ahead hides most of
// the latency.
constexpr int64_t kRowsAhead = 4, kGroupsAhead = 4;

}  // namespace

INFOBOUND_KERNEL void add_row(int64_t* __restrict into, const int64_t* __restrict row, int64_t n) {
  for (int64_t j = 0; j < n; ++j) into[j] = wrapping_add(into[j], row[j]);
}

bool quantize_rows(const at::Tensor& p, int bits, int64_t begin, int64_t end, int64_t* out, int64_t* sum) {
  const int64_t n = p.size(1);
  const double scale = std::ldexp(1.0, bits);
  return p.scalar_type() == at::kFloat ? quantize_floats(p.data_ptr<float>() + begin * n, end - begin, n, scale, out, sum)
                                       : quantize_doubles(p.data_ptr<double>() + begin * n, end - begin, n, scale, out, sum);
}

FixedPointRows::FixedPointRows(const at::Tensor& p, int bits) : n_(p.size(1)), scale_(std::ldexp(1.0, bits)) {
  if (p.scalar_type() == at::kFloat) floats_ = p.data_ptr<float>();
  else doubles_ = p.data_ptr<double>();
}

void FixedPointRows::add_to(int64_t row, int64_t* into) const {
  if (floats_) add_floats(into, floats_ + row * n_, n_, scale_);
  else add_doubles(into, doubles_ + row * n_, n_, scale_);
}

void FixedPointRows::add_to_both(int64_t row, int64_t* into, int64_t* also) const {
  if (floats_) add_floats_to_both(into, also, floats_ + row * n_, n_, scale_);
  else add_doubles_to_both(into, also, doubles_ + row * n_, n_, scale_);
}

void FixedPointRows::prefetch(int64_t row) const {
  if (floats_) prefetch_row(floats_ + row * n_, n_);
  else prefetch_row(doubles_ + row * n_, n_);
}

void add_row_groups(const FixedPointRows& rows, std::span<const int64_t> order, std::span<const int64_t> targets,
                    std::span<const int64_t> ends, int64_t* table, int64_t* also) {
  const int64_t n = rows.n();
  thread_local std::vector<int64_t> group_sum;
  group_sum.resize(static_cast<std::size_t>(n));
  const auto n_rows = static_cast<int64_t>(order.size()), groups = static_cast<int64_t>(targets.size());
  int64_t start = 0;
  for (int64_t g = 0; g < groups; ++g) {
    const int64_t end = ends[static_cast<std::size_t>(g)];
    for (int64_t k = start + kRowsAhead; k < end + kRowsAhead && k < n_rows; ++k)
      rows.prefetch(order[static_cast<std::size_t>(k)]);
    if (g + kGroupsAhead < groups) prefetch_row(table + targets[static_cast<std::size_t>(g + kGroupsAhead)] * n, n, true);
    int64_t* target = table + targets[static_cast<std::size_t>(g)] * n;
    if (end - start == 1) {
      const int64_t row = order[static_cast<std::size_t>(start)];
      if (also) rows.add_to_both(row, target, also);
      else rows.add_to(row, target);
    } else {
      std::fill(group_sum.begin(), group_sum.end(), 0);
      for (int64_t k = start; k < end; ++k) rows.add_to(order[static_cast<std::size_t>(k)], group_sum.data());
      if (also) add_two_vectors(target, also, group_sum.data(), n);
      else add_row(target, group_sum.data(), n);
    }
    start = end;
  }
}

void add_listed_rows(const FixedPointRows& rows, std::span<const int64_t> listed, int64_t* into) {
  for (const int64_t row : listed) rows.add_to(row, into);
}

}  // namespace infobound::estimate::detail
