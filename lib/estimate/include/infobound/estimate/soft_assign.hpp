#pragma once
// Soft assignment of hidden states to fixed random reference points on the unit sphere.
#include <cstdint>

#include <ATen/ATen.h>

namespace infobound::estimate {

// soft_h's torch backend on CPU: torch.randn(n_bins, d) from a CPU generator seeded with `seed`,
// float32, then F.normalize over each row. Same seed and d give the same coordinate system.
at::Tensor reference_points(int64_t n_bins, int64_t d, uint64_t seed);

class SoftAssigner {
 public:
  // reference_points: [n_bins, d]. compute_dtype float32 (default, as soft_h) or float64 (where the
  // points are renormalised in double, as soft_h's float64 reference functions do).
  SoftAssigner(const at::Tensor& reference_points, double eps, at::ScalarType compute_dtype = at::kFloat);

  // z: [N, d] of any floating dtype on any device. Returns p = softmax(cos(z, w) / eps) as
  // [N, n_bins] in the compute dtype on z's device. A zero row gets a uniform p (F.normalize).
  at::Tensor assign(const at::Tensor& z) const;

  int64_t n_bins() const { return n_bins_; }
  int64_t dim() const { return dim_; }
  double eps() const { return eps_; }

 private:
  const at::Tensor& scaled_points_on(const at::Device& device) const;

  int64_t n_bins_, dim_;
  double eps_;
  at::ScalarType compute_dtype_;
  at::Tensor scaled_points_t_;          // (w / eps)^T, [d, n_bins], CPU
  mutable at::Tensor device_points_t_;  // cached copy on the last non-CPU device used
};

}  // namespace infobound::estimate
