#include "fixed_point.hpp"

#include <bit>
#include <cmath>

namespace infobound::estimate::detail {
namespace {

// Adding 2^52 to x in [0, 2^51] leaves round-to-nearest-even(x) in the low mantissa bits: a
// branch-free rounding that vectorises, unlike a double -> int64 conversion without AVX-512.
constexpr double kMagic = 4503599627370496.0;  // 2^52

template <typename Scalar>
bool quantize_values(const Scalar* p, int64_t count, double scale, int64_t* out) {
  const auto magic_bits = std::bit_cast<int64_t>(kMagic);
  bool in_range = true;
  for (int64_t i = 0; i < count; ++i) {
    const double x = static_cast<double>(p[i]);
    in_range &= (x >= 0.0) & (x <= 1.0000001);
    out[i] = std::bit_cast<int64_t>(x * scale + kMagic) - magic_bits;
  }
  return in_range;
}

}  // namespace

bool quantize_rows(const at::Tensor& p, int bits, int64_t begin, int64_t end, int64_t* out) {
  const int64_t n = p.size(1), count = (end - begin) * n;
  const double scale = std::ldexp(1.0, bits);
  return p.scalar_type() == at::kFloat ? quantize_values(p.data_ptr<float>() + begin * n, count, scale, out)
                                       : quantize_values(p.data_ptr<double>() + begin * n, count, scale, out);
}

}  // namespace infobound::estimate::detail
