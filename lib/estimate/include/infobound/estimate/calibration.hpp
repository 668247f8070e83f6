#pragma once
// Temperature calibration of the soft assignment: eps such that a von Mises-Fisher cap of
// concentration 1/eps on the d-sphere carries ln(n_bins) nats of KL against the uniform law.
#include <cstdint>
#include <string>
#include <string_view>

namespace infobound::estimate {

enum class CalibrationMode {
  find_eps,       // soft_h's default: root of the Amos lower bound of the KL (loose at small d)
  exact,          // root of the exact KL through log-space Bessel functions
  leading_order,  // 1 / sqrt(2 d ln n_bins)
  legacy_grid,    // soft_h before commit 0073a4e: first point of geomspace(1e-5, 1, 100) under the bound
  fixed,          // a value given by the user
};

struct Calibration {
  CalibrationMode mode = CalibrationMode::find_eps;
  double fixed_eps = 0.0;

  // "find_eps" (alias "bounds"), "exact", "leading_order", "legacy_grid", "fixed:EPS" or a bare number.
  static Calibration parse(std::string_view text);
  std::string to_string() const;
};

double calibrate_eps(int64_t n_bins, int64_t d, const Calibration& calibration);

// The two KL functions whose roots define find_eps and exact, exposed for tests and diagnostics.
double kl_lower_bound(double eps, int64_t d);
double kl_exact(double eps, int64_t d);
// ln I_nu(x) for nu >= 0, x > 0, accurate where I_nu over- or underflows a double.
double log_bessel_i(double nu, double x);
// I_{nu+1}(x) / I_nu(x).
double bessel_i_ratio(double nu, double x);

}  // namespace infobound::estimate
