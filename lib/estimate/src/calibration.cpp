#include "infobound/estimate/calibration.hpp"

#include <cmath>
#include <cstdlib>
#include <functional>
#include <sstream>
#include <string>

#include <boost/math/tools/roots.hpp>
#include <boost/math/tools/toms748_solve.hpp>

#include "infobound/core/error.hpp"

namespace infobound::estimate {
namespace {

std::string describe(int64_t n_bins, int64_t d) { return "n_bins=" + std::to_string(n_bins) + ", d=" + std::to_string(d); }

void require_valid_sizes(int64_t n_bins, int64_t d) {
  if (n_bins < 2) throw InputError("calibration needs n_bins >= 2 (got " + describe(n_bins, d) + ")");
  if (d <= 2) throw InputError("calibration needs a hidden size d > 2 (got " + describe(n_bins, d) + ")");
}

// Root of a decreasing `kl(eps) = target` on [lo, hi], with soft_h's bracket check, solved to
// full double precision (TOMS 748, a bracketing method that converges at least as fast as Brent).
double solve_decreasing(const std::function<double(double)>& kl, double target, double lo, double hi, const std::string& what) {
  const double f_lo = kl(lo) - target;
  const double f_hi = kl(hi) - target;
  if (!std::isfinite(f_lo) || !std::isfinite(f_hi))
    throw InputError(what + ": the KL is not finite at the bracket ends [" + std::to_string(lo) + ", " + std::to_string(hi) +
                     "]");
  if (f_lo < 0.0)
    throw InputError(what + ": even eps=" + std::to_string(lo) + " gives KL " + std::to_string(kl(lo)) +
                     " < ln(n_bins) = " + std::to_string(target) + "; use --calibration exact or leading_order, or fewer bins");
  if (f_hi > 0.0) throw InputError(what + ": eps=1 still gives KL above ln(n_bins); use fewer bins");
  boost::uintmax_t iterations = 500;
  const auto root = boost::math::tools::toms748_solve([&](double eps) { return kl(eps) - target; }, lo, hi, f_lo, f_hi,
                                                      boost::math::tools::eps_tolerance<double>(50), iterations);
  return 0.5 * (root.first + root.second);
}

}  // namespace

double kl_lower_bound(double eps, int64_t d) {
  const double k = 1.0 / eps;
  const double half_d = 0.5 * static_cast<double>(d);
  const double nu = half_d - 1.0;
  const double g = k / (half_d + std::sqrt(k * k + half_d * half_d));
  const double root = std::sqrt(k * k + nu * nu);
  const double phi_plus = root - nu + nu * std::log((static_cast<double>(d) - 2.0) / (nu + root));
  return g / eps - phi_plus;
}

double kl_exact(double eps, int64_t d) {
  const double x = 1.0 / eps;
  const double nu = 0.5 * static_cast<double>(d) - 1.0;
  const double mean_resultant = bessel_i_ratio(nu, x);
  const double log_normaliser = nu * std::log(2.0 * eps) + std::lgamma(0.5 * static_cast<double>(d)) + log_bessel_i(nu, x);
  return mean_resultant / eps - log_normaliser;
}

double calibrate_eps(int64_t n_bins, int64_t d, const Calibration& calibration) {
  const double target = std::log(static_cast<double>(n_bins));
  switch (calibration.mode) {
    case CalibrationMode::fixed: return calibration.fixed_eps;
    case CalibrationMode::leading_order:
      require_valid_sizes(n_bins, d);
      return 1.0 / std::sqrt(2.0 * static_cast<double>(d) * target);
    case CalibrationMode::find_eps:
      require_valid_sizes(n_bins, d);
      return solve_decreasing([d](double eps) { return kl_lower_bound(eps, d); }, target, 1e-5, 1.0,
                              "find_eps calibration (" + describe(n_bins, d) + ")");
    case CalibrationMode::exact:
      require_valid_sizes(n_bins, d);
      return solve_decreasing([d](double eps) { return kl_exact(eps, d); }, target, 1e-6, 1.0,
                              "exact calibration (" + describe(n_bins, d) + ")");
    case CalibrationMode::legacy_grid: {
      require_valid_sizes(n_bins, d);
      // np.geomspace(1e-5, 1, 100): 10 ** (start + i * step) with exact end points.
      constexpr int kPoints = 100;
      const double step = 5.0 / (kPoints - 1);
      for (int i = 0; i < kPoints; ++i) {
        const double eps = i == 0 ? 1e-5 : i == kPoints - 1 ? 1.0 : std::pow(10.0, -5.0 + i * step);
        if (kl_lower_bound(eps, d) <= target) return eps;
      }
      return 1e-5;
    }
  }
  throw InputError("unknown calibration mode");
}

}  // namespace infobound::estimate
