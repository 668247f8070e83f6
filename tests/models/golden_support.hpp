#pragma once
// Shared by the golden tests: fixture paths and comparisons restricted to real tokens.
#include <cstdlib>
#include <filesystem>
#include <string>

#include <ATen/ATen.h>
#include <ATen/Context.h>

namespace infobound::test {

inline std::filesystem::path fixtures() { return std::filesystem::path(INFOBOUND_SHARED_DIR) / "fixtures"; }

// The device the golden forwards run on: INFOBOUND_TEST_DEVICE=cuda (or cuda:N) runs the same
// comparisons with the model on a GPU (docs/cuda.md); unset, empty or "cpu": the CPU.
inline at::Device test_device() {
  const char* name = std::getenv("INFOBOUND_TEST_DEVICE");
  if (name == nullptr || *name == '\0') return at::kCPU;
  at::Device device{std::string(name)};
  if (device.is_cuda() && !device.has_index()) device.set_index(0);  // as the tensors on it report it
  return device;
}

// Why the test device cannot be used here (a reason to skip), or "" when it can.
inline std::string test_device_unavailable() {
  const at::Device device = test_device();
  if (device.is_cuda() && !at::hasCUDA())
    return "INFOBOUND_TEST_DEVICE=" + device.str() + ", but this libtorch has no CUDA support or no GPU is visible";
  return "";
}

// max |got - ref| - rtol * |ref| over positions with mask == 1; <= atol means allclose there.
// got/ref are [B, T, ...], mask [B, T].
inline double excess_over_rtol(const at::Tensor& got, const at::Tensor& ref, const at::Tensor& mask, double rtol) {
  const at::Tensor keep = mask.to(at::kBool);
  const at::Tensor g = got.to(at::kCPU, at::kDouble).index({keep});  // got may live on the test device
  const at::Tensor r = ref.to(at::kDouble).index({keep});
  return ((g - r).abs() - rtol * r.abs()).max().item<double>();
}

inline double max_abs_diff(const at::Tensor& got, const at::Tensor& ref, const at::Tensor& mask) {
  return excess_over_rtol(got, ref, mask, 0.0);
}

}  // namespace infobound::test
