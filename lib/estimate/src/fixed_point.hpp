#pragma once
// The hot loops of exact accumulation: rounding assignments to fixed point, adding rows, and the
// entropy of a fixed-point row.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "infobound/estimate/entropy.hpp"

namespace infobound::estimate::detail {

// round(p * 2^bits) of a contiguous CPU float32/float64 [N, n] tensor. Throws InputError naming
// `where` when a value is not in [0, 1] (NaN or infinite hidden states end up here).
std::vector<int64_t> quantize(const at::Tensor& p, int bits, const std::string& where);

inline double fixed_point_entropy(const int64_t* row, int64_t n) {
  return normalised_entropy(std::span<const int64_t>(row, static_cast<std::size_t>(n)));
}

inline void add_row(int64_t* into, const int64_t* row, int64_t n) {
  for (int64_t j = 0; j < n; ++j) into[j] += row[j];
}

}  // namespace infobound::estimate::detail
