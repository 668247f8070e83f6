#pragma once
// Shared by the golden tests: fixture paths and comparisons restricted to real tokens.
#include <filesystem>
#include <string>

#include <ATen/ATen.h>

namespace infobound::test {

inline std::filesystem::path fixtures() { return std::filesystem::path(INFOBOUND_SHARED_DIR) / "fixtures"; }

// max |got - ref| - rtol * |ref| over positions with mask == 1; <= atol means allclose there.
// got/ref are [B, T, ...], mask [B, T].
inline double excess_over_rtol(const at::Tensor& got, const at::Tensor& ref, const at::Tensor& mask, double rtol) {
  const at::Tensor keep = mask.to(at::kBool);
  const at::Tensor g = got.to(at::kDouble).index({keep});
  const at::Tensor r = ref.to(at::kDouble).index({keep});
  return ((g - r).abs() - rtol * r.abs()).max().item<double>();
}

inline double max_abs_diff(const at::Tensor& got, const at::Tensor& ref, const at::Tensor& mask) {
  return excess_over_rtol(got, ref, mask, 0.0);
}

}  // namespace infobound::test
