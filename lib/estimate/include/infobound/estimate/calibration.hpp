#pragma once
// Temperature calibration of the soft assignment: eps such that a von Mises-Fisher cap of
// concentration 1/eps on the d-sphere carries ln(n_bins) nats of KL against the uniform law.
#include <cstdint>
#include <string>
#include <string_view>

#include "infobound/core/calibration_mode.hpp"

namespace infobound::estimate {

using infobound::Calibration;
using infobound::CalibrationMode;

double calibrate_eps(int64_t n_bins, int64_t d, const Calibration& calibration);

// The two KL functions whose roots define find_eps and exact, exposed for tests and diagnostics.
double kl_lower_bound(double eps, int64_t d);
double kl_exact(double eps, int64_t d);
// ln I_nu(x) for nu >= 0, x > 0, accurate where I_nu over- or underflows a double.
double log_bessel_i(double nu, double x);
// I_{nu+1}(x) / I_nu(x).
double bessel_i_ratio(double nu, double x);

}  // namespace infobound::estimate
