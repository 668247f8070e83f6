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

template <typename Scalar>
[[gnu::always_inline]] inline bool quantize_values(const Scalar* __restrict p, int64_t n_rows, int64_t n, double scale,
                                                   int64_t* __restrict out, int64_t* __restrict sum) {
  const auto magic_bits = std::bit_cast<int64_t>(kMagic);
  int64_t out_of_range = 0;  // an integer count, not a bool, so that the loop vectorises
  for (int64_t r = 0; r < n_rows; ++r, p += n, out += n) {
    for (int64_t j = 0; j < n; ++j) {
      const double x = static_cast<double>(p[j]);
      out_of_range += (x >= 0.0 && x <= 1.0000001) ? 0 : 1;
      out[j] = std::bit_cast<int64_t>(x * scale + kMagic) - magic_bits;
      sum[j] += out[j];
    }
  }
  return out_of_range == 0;
}

INFOBOUND_KERNEL void add_two_vectors(int64_t* __restrict into, int64_t* __restrict also, const int64_t* __restrict row,
                                      int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    into[j] += row[j];
    also[j] += row[j];
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
  for (int64_t j = 0; j < n; ++j) into[j] += row[j];
}

bool quantize_rows(const at::Tensor& p, int bits, int64_t begin, int64_t end, int64_t* out, int64_t* sum) {
  const int64_t n = p.size(1);
  const double scale = std::ldexp(1.0, bits);
  return p.scalar_type() == at::kFloat ? quantize_floats(p.data_ptr<float>() + begin * n, end - begin, n, scale, out, sum)
                                       : quantize_doubles(p.data_ptr<double>() + begin * n, end - begin, n, scale, out, sum);
}

void add_row_groups(const int64_t* q, int64_t n, std::span<const int64_t> order, std::span<const int64_t> targets,
                    std::span<const int64_t> ends, int64_t* table, int64_t* also) {
  thread_local std::vector<int64_t> group_sum;
  group_sum.resize(static_cast<std::size_t>(n));
  const auto rows = static_cast<int64_t>(order.size()), groups = static_cast<int64_t>(targets.size());
  int64_t start = 0;
  for (int64_t g = 0; g < groups; ++g) {
    const int64_t end = ends[static_cast<std::size_t>(g)];
    for (int64_t k = start + kRowsAhead; k < end + kRowsAhead && k < rows; ++k)
      prefetch_row(q + order[static_cast<std::size_t>(k)] * n, n);
    if (g + kGroupsAhead < groups) prefetch_row(table + targets[static_cast<std::size_t>(g + kGroupsAhead)] * n, n, true);
    const int64_t* sum = q + order[static_cast<std::size_t>(start)] * n;
    if (end - start > 1) {
      std::copy_n(sum, n, group_sum.data());
      for (int64_t k = start + 1; k < end; ++k) add_row(group_sum.data(), q + order[static_cast<std::size_t>(k)] * n, n);
      sum = group_sum.data();
    }
    int64_t* target = table + targets[static_cast<std::size_t>(g)] * n;
    if (also) add_two_vectors(target, also, sum, n);
    else add_row(target, sum, n);
    start = end;
  }
}

void add_listed_rows(const int64_t* q, int64_t n, std::span<const int64_t> rows, int64_t* into) {
  for (const int64_t row : rows) add_row(into, q + row * n, n);
}

}  // namespace infobound::estimate::detail
