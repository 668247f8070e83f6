#include <gtest/gtest.h>

#include "infobound/stats/correlation.hpp"
#include "infobound/stats/ols.hpp"

namespace {
using infobound::stats::DegenerateRegression;

std::string degenerate_message(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const std::vector<std::string>& names) {
  try {
    infobound::stats::fit_ols(X, y, names);
  } catch (const DegenerateRegression& e) {
    return e.what();
  }
  return "";
}

Eigen::MatrixXd design(int n) {
  Eigen::MatrixXd X(n, 3);
  for (int i = 0; i < n; ++i) X.row(i) << 1.0, 0.5 * i + 0.1 * (i % 3), std::sin(i * 1.3);
  return X;
}
}  // namespace

TEST(OlsDegenerate, FewerObservationsThanParameters) {
  const Eigen::MatrixXd X = design(3);
  const std::string m = degenerate_message(X, Eigen::VectorXd::LinSpaced(3, 0, 1), {"const", "a", "b"});
  EXPECT_NE(m.find("only 3 observations for 3 parameters"), std::string::npos) << m;
}

TEST(OlsDegenerate, ConstantPredictorIsNamed) {
  Eigen::MatrixXd X = design(10);
  X.col(2).setConstant(0.7);
  const std::string m = degenerate_message(X, Eigen::VectorXd::LinSpaced(10, 0, 1), {"const", "a", "preference_1"});
  EXPECT_NE(m.find("'preference_1' is constant (0.7)"), std::string::npos) << m;
}

TEST(OlsDegenerate, CollinearControlsAreNamed) {
  Eigen::MatrixXd X(12, 4);
  for (int i = 0; i < 12; ++i) {
    const double log_params = 8 + 0.3 * i;
    // Training tokens proportional to parameters (one recipe): log10 tokens = log10 params + 1.3.
    X.row(i) << 1.0, std::cos(i), log_params, log_params + 1.3;
  }
  const std::string m =
      degenerate_message(X, Eigen::VectorXd::LinSpaced(12, 0, 1), {"const", "optimality_1", "log10_params", "log10_tokens"});
  EXPECT_NE(m.find("collinear"), std::string::npos) << m;
  EXPECT_TRUE(m.find("'log10_tokens'") != std::string::npos || m.find("'log10_params'") != std::string::npos ||
              m.find("'const'") != std::string::npos)
      << m;
}

TEST(OlsDegenerate, NonFiniteValueIsNamed) {
  Eigen::MatrixXd X = design(10);
  X(4, 1) = std::nan("");
  const std::string m = degenerate_message(X, Eigen::VectorXd::LinSpaced(10, 0, 1), {"const", "complexity_2", "b"});
  EXPECT_NE(m.find("'complexity_2'"), std::string::npos) << m;
}

TEST(OlsDegenerate, ExactFitHasZeroStandardErrorsNotNaN) {
  const Eigen::MatrixXd X = design(8);
  const Eigen::VectorXd y = X * Eigen::Vector3d(1, 2, 3);
  const auto fit = infobound::stats::fit_ols(X, y, {"const", "a", "b"});
  EXPECT_NEAR(fit.coefficients(1), 2.0, 1e-10);
  EXPECT_NEAR(fit.r_squared, 1.0, 1e-12);
  EXPECT_TRUE(fit.standard_errors.allFinite());
}

TEST(Correlation, SpearmanUsesAverageRanksForTies) {
  Eigen::VectorXd x(5), y(5);
  x << 1, 2, 2, 3, 4;
  y << 10, 20, 30, 30, 50;
  const auto ranks = infobound::stats::average_ranks(x);
  EXPECT_DOUBLE_EQ(ranks(1), 2.5);
  EXPECT_DOUBLE_EQ(ranks(2), 2.5);
  // scipy.stats.spearmanr([1,2,2,3,4],[10,20,30,30,50]).correlation
  EXPECT_NEAR(infobound::stats::spearman(x, y).r, 0.9210526315789475, 1e-14);
}

TEST(Correlation, ConstantVariableIsDegenerate) {
  Eigen::VectorXd x = Eigen::VectorXd::Constant(6, 2.0), y = Eigen::VectorXd::LinSpaced(6, 0, 1);
  EXPECT_THROW(infobound::stats::pearson(x, y), DegenerateRegression);
}
