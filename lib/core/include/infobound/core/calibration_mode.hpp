#pragma once
// The name of a temperature calibration (estimator.calibration, --calibration), parsed where the
// config is read so that a misspelt mode is reported at its line; the estimator computes eps from it.
#include <string>
#include <string_view>

namespace infobound {

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
  // Throws InputError naming the accepted values.
  static Calibration parse(std::string_view text);
  std::string to_string() const;
};

}  // namespace infobound
