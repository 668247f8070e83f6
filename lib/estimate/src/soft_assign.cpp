#include "infobound/estimate/soft_assign.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include "infobound/core/error.hpp"

namespace infobound::estimate {
namespace {
// F.normalize(x, dim=-1): x / max(||x||, 1e-12).
at::Tensor normalise_rows(const at::Tensor& x) { return x / x.norm(2, {1}, true).clamp_min(1e-12); }
}  // namespace

at::Tensor reference_points(int64_t n_bins, int64_t d, uint64_t seed) {
  if (n_bins < 1 || d < 1) throw InputError("reference points need n_bins >= 1 and d >= 1");
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  const at::Tensor raw = at::randn({n_bins, d}, generator, at::TensorOptions().dtype(at::kFloat));
  return normalise_rows(raw);
}

SoftAssigner::SoftAssigner(const at::Tensor& points, double eps, at::ScalarType compute_dtype)
    : n_bins_(points.size(0)), dim_(points.size(1)), eps_(eps), compute_dtype_(compute_dtype) {
  if (points.dim() != 2) throw InputError("reference points must be a [n_bins, d] matrix");
  if (!(eps > 0.0)) throw InputError("the soft-assignment temperature eps must be > 0");
  if (compute_dtype != at::kFloat && compute_dtype != at::kDouble)
    throw InputError("soft assignment computes in float32 or float64");
  // Renormalise in the compute dtype (soft_h's float64 path does the same) and fold 1/eps into
  // the points so the hot path is one GEMM, one row scaling and one softmax.
  const at::Tensor w = normalise_rows(points.to(at::kCPU, compute_dtype));
  scaled_points_t_ = (w / eps).t().contiguous();
}

const at::Tensor& SoftAssigner::scaled_points_on(const at::Device& device) const {
  if (device.is_cpu()) return scaled_points_t_;
  if (!device_points_t_.defined() || device_points_t_.device() != device) device_points_t_ = scaled_points_t_.to(device);
  return device_points_t_;
}

at::Tensor SoftAssigner::assign(const at::Tensor& z) const {
  if (z.dim() != 2 || z.size(1) != dim_)
    throw InputError("soft assignment expects z of shape [N, " + std::to_string(dim_) + "], got " + std::to_string(z.dim()) +
                     " dimensions" + (z.dim() == 2 ? " of width " + std::to_string(z.size(1)) : ""));
  const at::Tensor x = z.to(compute_dtype_);
  const at::Tensor inverse_norm = x.norm(2, {1}, true).clamp_min(1e-12).reciprocal();
  at::Tensor scores = at::matmul(x, scaled_points_on(z.device()));
  scores.mul_(inverse_norm);
  // softmax written out in place: at::softmax of libtorch 1.13 is ~4x slower on CPU here.
  scores.sub_(scores.amax(1, true)).exp_();
  return scores.div_(scores.sum(1, true));
}

}  // namespace infobound::estimate
