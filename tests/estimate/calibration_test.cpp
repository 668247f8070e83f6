#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fixtures.hpp"
#include "infobound/core/error.hpp"
#include "infobound/estimate/calibration.hpp"

namespace est = infobound::estimate;

namespace {
struct CalibrationRow {
  int64_t n_bins, d;
  std::string mode;
  std::string eps;  // empty where the reference failed
};

std::vector<CalibrationRow> read_calibration_csv() {
  std::ifstream in(fixture_path("soft_entropy/calibration.csv"));
  std::string line;
  std::getline(in, line);  // header
  std::vector<CalibrationRow> rows;
  while (std::getline(in, line)) {
    std::stringstream fields(line);
    CalibrationRow row;
    std::string n, d;
    std::getline(fields, n, ',');
    std::getline(fields, d, ',');
    std::getline(fields, row.mode, ',');
    std::getline(fields, row.eps, ',');
    row.n_bins = std::stoll(n);
    row.d = std::stoll(d);
    rows.push_back(row);
  }
  return rows;
}

est::Calibration mode_of(const std::string& name) { return est::Calibration::parse(name); }
}  // namespace

TEST(Calibration, EveryReferenceRowMatchesToRelative1e9) {
  SKIP_WITHOUT_FIXTURES();
  const auto rows = read_calibration_csv();
  ASSERT_EQ(rows.size(), 240u);
  int compared = 0;
  for (const auto& row : rows) {
    SCOPED_TRACE(row.mode + " n_bins=" + std::to_string(row.n_bins) + " d=" + std::to_string(row.d));
    if (row.eps.empty()) continue;
    const double expected = std::stod(row.eps);
    const double got = est::calibrate_eps(row.n_bins, row.d, mode_of(row.mode));
    EXPECT_NEAR(got, expected, 1e-9 * expected);
    ++compared;
  }
  EXPECT_EQ(compared, 240 - 21);  // 19 exact rows underflowed in soft_h, 2 find_eps rows raised
}

// Where soft_h returned a bogus exact eps (ive underflow), ours must be a true root lying above
// the lower-bound root, since the Amos bound under-estimates the KL.
TEST(Calibration, ExactModeSolvesWhereTheReferenceUnderflowed) {
  SKIP_WITHOUT_FIXTURES();
  for (const auto& row : read_calibration_csv()) {
    if (row.mode != "exact" || !row.eps.empty()) continue;
    SCOPED_TRACE("n_bins=" + std::to_string(row.n_bins) + " d=" + std::to_string(row.d));
    const double eps = est::calibrate_eps(row.n_bins, row.d, mode_of("exact"));
    EXPECT_NEAR(est::kl_exact(eps, row.d), std::log(static_cast<double>(row.n_bins)), 1e-8);
    EXPECT_GE(eps, est::calibrate_eps(row.n_bins, row.d, mode_of("find_eps")));
  }
}

TEST(Calibration, FindEpsRefusesWhereTheBoundNeverReachesTheTarget) {
  EXPECT_THROW(est::calibrate_eps(256, 3, mode_of("find_eps")), infobound::InputError);
  EXPECT_THROW(est::calibrate_eps(100, 2, mode_of("find_eps")), infobound::InputError);
}

TEST(Calibration, LogBesselMatchesClosedFormForHalfIntegerOrder) {
  // I_{1/2}(x) = sqrt(2 / (pi x)) sinh(x)
  for (double x : {0.01, 0.5, 3.0, 40.0, 600.0, 1e4, 1e6}) {
    const double expected = 0.5 * std::log(2.0 / (M_PI * x)) + x + std::log1p(-std::exp(-2.0 * x)) - std::log(2.0);
    EXPECT_NEAR(est::log_bessel_i(0.5, x), expected, 1e-12 * std::max(1.0, std::abs(expected))) << x;
  }
  // I_{3/2}(x) / I_{1/2}(x) = coth(x) - 1/x
  for (double x : {0.3, 2.0, 90.0, 5e5}) EXPECT_NEAR(est::bessel_i_ratio(0.5, x), 1.0 / std::tanh(x) - 1.0 / x, 1e-13) << x;
}

TEST(Calibration, ParsesModesAndRejectsNonsense) {
  EXPECT_EQ(mode_of("bounds").mode, est::CalibrationMode::find_eps);
  EXPECT_EQ(mode_of("fixed:0.05").fixed_eps, 0.05);
  EXPECT_EQ(mode_of("0.1").mode, est::CalibrationMode::fixed);
  EXPECT_EQ(est::calibrate_eps(100, 64, mode_of("fixed:0.25")), 0.25);
  EXPECT_THROW(mode_of("fixed:-1"), infobound::InputError);
  EXPECT_THROW(mode_of("exactly"), infobound::InputError);
}
