#pragma once
// The hot loops of exact accumulation: rounding assignments to fixed point, adding rows, and the
// entropy of a fixed-point row.
#include <cstdint>
#include <span>

#include <ATen/ATen.h>

#include "infobound/estimate/entropy.hpp"

namespace infobound::estimate::detail {

// round(p * 2^bits) of rows [begin, end) of a contiguous CPU float32/float64 [N, n] tensor into
// out. False when a value is not in [0, 1] (NaN or infinite hidden states end up here).
bool quantize_rows(const at::Tensor& p, int bits, int64_t begin, int64_t end, int64_t* out);

inline double fixed_point_entropy(const int64_t* row, int64_t n) {
  return normalised_entropy(std::span<const int64_t>(row, static_cast<std::size_t>(n)));
}

inline void add_row(int64_t* into, const int64_t* row, int64_t n) {
  for (int64_t j = 0; j < n; ++j) into[j] += row[j];
}

}  // namespace infobound::estimate::detail
