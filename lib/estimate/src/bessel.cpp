// Modified Bessel functions of the first kind in log space. soft_h evaluates ive() in double and
// loses the exact calibration for d >~ 300, where I_nu(1/eps) underflows; logs keep every (nu, x)
// of the calibration grid finite.
#include <cmath>
#include <limits>

#include "infobound/estimate/calibration.hpp"

namespace infobound::estimate {
namespace {

constexpr double kRescaleAbove = 1e280;

// Sum of the power series S_nu(x) = sum_k (x^2/4)^k / (k! (nu+1)_k), returned as (ln scale, s)
// with S = s * exp(ln scale). When `shifted` is given, the same for order nu + 1 with the same scale.
struct SeriesSums {
  double log_scale = 0.0;
  double order_nu = 0.0;
  double order_nu_plus_1 = 0.0;
};

SeriesSums power_series(double nu, double x) {
  const double y = 0.25 * x * x;
  SeriesSums sums{0.0, 1.0, 1.0};
  double term = 1.0, shifted_term = 1.0;
  // Terms rise until k (nu + k) ~ y and fall afterwards; stop once they are below double precision.
  for (double k = 1.0;; k += 1.0) {
    term *= y / (k * (nu + k));
    shifted_term *= y / (k * (nu + 1.0 + k));
    sums.order_nu += term;
    sums.order_nu_plus_1 += shifted_term;
    const bool falling = k * (nu + k) > y;
    if (falling && term < sums.order_nu * 1e-17 && shifted_term < sums.order_nu_plus_1 * 1e-17) break;
    if (sums.order_nu > kRescaleAbove) {
      sums.order_nu /= kRescaleAbove;
      sums.order_nu_plus_1 /= kRescaleAbove;
      term /= kRescaleAbove;
      shifted_term /= kRescaleAbove;
      sums.log_scale += std::log(kRescaleAbove);
    }
  }
  return sums;
}

// Hankel's large-argument expansion: I_nu(x) = e^x / sqrt(2 pi x) * sum_k (-1)^k a_k(nu) / x^k.
// Returns the sum; converges to double precision when x is large against nu^2.
double hankel_sum(double nu, double x) {
  const double mu = 4.0 * nu * nu;
  double term = 1.0, sum = 1.0;
  for (int k = 1; k < 200; ++k) {
    const double odd = 2.0 * k - 1.0;
    const double next = -term * (mu - odd * odd) / (8.0 * k * x);
    if (std::abs(next) >= std::abs(term)) break;  // the asymptotic series has started to diverge
    term = next;
    sum += term;
    if (std::abs(term) < 1e-17 * std::abs(sum)) break;
  }
  return sum;
}

bool use_hankel(double nu, double x) { return x > 50.0 && x > 4.0 * (nu + 1.0) * (nu + 1.0); }

}  // namespace

double log_bessel_i(double nu, double x) {
  if (!(x > 0.0) || !(nu >= 0.0)) return std::numeric_limits<double>::quiet_NaN();
  if (use_hankel(nu, x)) return x - 0.5 * std::log(2.0 * M_PI * x) + std::log(hankel_sum(nu, x));
  const SeriesSums sums = power_series(nu, x);
  return nu * std::log(0.5 * x) - std::lgamma(nu + 1.0) + sums.log_scale + std::log(sums.order_nu);
}

double bessel_i_ratio(double nu, double x) {
  if (!(x > 0.0) || !(nu >= 0.0)) return std::numeric_limits<double>::quiet_NaN();
  if (use_hankel(nu + 1.0, x)) return hankel_sum(nu + 1.0, x) / hankel_sum(nu, x);
  const SeriesSums sums = power_series(nu, x);
  return 0.5 * x / (nu + 1.0) * sums.order_nu_plus_1 / sums.order_nu;
}

}  // namespace infobound::estimate
