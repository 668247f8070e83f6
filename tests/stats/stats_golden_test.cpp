// Golden tests against statsmodels/scipy: data/panel.csv and data/expected_*.csv come from
// make_expected.py (committed with its output). Tolerance: 1e-8 relative.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "infobound/io/csv_table.hpp"
#include "infobound/stats/regression_study.hpp"

namespace {
using infobound::io::CsvTable;

const std::string kData = std::string(INFOBOUND_SOURCE_DIR) + "/tests/stats/data/";
const std::vector<std::string> kPredictors{"optimality", "complexity", "expressivity", "preference"};

void expect_relative(double actual, double expected, const std::string& what) {
  EXPECT_LE(std::abs(actual - expected), 1e-8 * std::abs(expected) + 1e-300) << what << ": " << actual << " vs " << expected;
}

double cell(const CsvTable& t, std::size_t row, const std::string& column) { return *t.number(row, t.column(column)); }

// The panel as metrics.csv rows (one block layer per model) and a benchmark table with "score".
struct PanelStudy {
  CsvTable metrics;
  infobound::stats::BenchmarkSet benchmarks;
};

PanelStudy panel_study() {
  const CsvTable panel = CsvTable::read(kData + "panel.csv");
  PanelStudy s{CsvTable({"model", "family", "checkpoint", "step", "tokens_seen", "params", "layer", "n_layers", "optimality_1",
                         "complexity_1", "expressivity_1", "preference"}),
               {}};
  s.benchmarks.benchmarks = {"score"};
  for (std::size_t r = 0; r < panel.num_rows(); ++r) {
    auto get = [&](const char* c) { return panel.cell(r, panel.column(c)); };
    // Layer 0 carries other numbers: the default selection (mean over blocks) must skip it.
    s.metrics.add_row({get("model"), get("family"), "", "", get("tokens"), get("params"), "0", "1", "9", "9", "9", "9"});
    s.metrics.add_row({get("model"), get("family"), "", "", get("tokens"), get("params"), "1", "1", get("optimality"),
                       get("complexity"), get("expressivity"), get("preference")});
    infobound::stats::BenchmarkRecord record;
    record.model = get("model");
    record.source = "panel.csv:" + std::to_string(r + 2);
    record.scores["score"] = *panel.number(r, panel.column("score"));
    s.benchmarks.records.push_back(record);
  }
  return s;
}

void expect_matches_statsmodels(const infobound::stats::BenchmarkAnalysis& a, const std::string& spec) {
  ASSERT_TRUE(a.fit) << a.skipped;
  const CsvTable expected = CsvTable::read(kData + "expected_ols.csv");
  std::size_t compared = 0;
  for (std::size_t r = 0; r < expected.num_rows(); ++r) {
    if (expected.cell(r, expected.column("spec")) != spec) continue;
    const std::string term = expected.cell(r, expected.column("term"));
    ASSERT_LT(compared, a.terms.size());
    const auto& t = a.terms[compared++];
    // metrics.csv names the order-k predictors with a suffix ("optimality_1").
    ASSERT_TRUE(t.term == term || t.term == term + "_1") << t.term << " vs " << term;
    expect_relative(t.estimate, cell(expected, r, "estimate"), spec + " " + term + " estimate");
    expect_relative(t.std_error, cell(expected, r, "std_error"), spec + " " + term + " SE");
    expect_relative(t.t, cell(expected, r, "t"), spec + " " + term + " t");
    expect_relative(t.p, cell(expected, r, "p"), spec + " " + term + " p");
  }
  EXPECT_EQ(compared, a.terms.size());
  const CsvTable fit = CsvTable::read(kData + "expected_fit.csv");
  for (std::size_t r = 0; r < fit.num_rows(); ++r) {
    if (fit.cell(r, fit.column("spec")) != spec) continue;
    EXPECT_EQ(a.fit->n_observations, static_cast<int64_t>(cell(fit, r, "n")));
    EXPECT_EQ(a.fit->df_residual, static_cast<int64_t>(cell(fit, r, "df_residual")));
    expect_relative(a.fit->r_squared, cell(fit, r, "r2"), spec + " R2");
    expect_relative(a.fit->adjusted_r_squared, cell(fit, r, "adj_r2"), spec + " adjusted R2");
  }
}
}  // namespace

TEST(StatsGolden, OlsWithScaleControlsMatchesStatsmodels) {
  const auto s = panel_study();
  const auto study = infobound::stats::run_regression_study(s.metrics, s.benchmarks, {});
  ASSERT_EQ(study.analyses.size(), 1u);
  EXPECT_EQ(study.analyses[0].n, 30);
  expect_matches_statsmodels(study.analyses[0], "controls");
}

TEST(StatsGolden, OlsWithFamilyFixedEffectsMatchesStatsmodels) {
  const auto s = panel_study();
  infobound::stats::RegressionOptions options;
  options.family_effects = true;
  const auto study = infobound::stats::run_regression_study(s.metrics, s.benchmarks, options);
  expect_matches_statsmodels(study.analyses[0], "family_effects");
}

TEST(StatsGolden, PartialAndSpearmanCorrelationsMatchScipy) {
  const auto s = panel_study();
  const auto study = infobound::stats::run_regression_study(s.metrics, s.benchmarks, {});
  const CsvTable expected = CsvTable::read(kData + "expected_correlations.csv");
  ASSERT_EQ(expected.num_rows(), kPredictors.size());
  for (std::size_t r = 0; r < expected.num_rows(); ++r) {
    const auto& term = study.analyses[0].terms[r + 1];  // after const
    ASSERT_TRUE(term.partial && term.spearman) << term.term;
    expect_relative(term.partial->r, cell(expected, r, "partial_r"), term.term + " partial r");
    expect_relative(term.partial->p, cell(expected, r, "partial_p"), term.term + " partial p");
    expect_relative(term.spearman->r, cell(expected, r, "spearman_rho"), term.term + " Spearman rho");
    expect_relative(term.spearman->p, cell(expected, r, "spearman_p"), term.term + " Spearman p");
  }
}

TEST(StatsGolden, LeaveOneFamilyOutErrorsMatchNumpy) {
  const auto s = panel_study();
  const auto study = infobound::stats::run_regression_study(s.metrics, s.benchmarks, {});
  const auto& lofo = study.analyses[0].lofo;
  const CsvTable expected = CsvTable::read(kData + "expected_lofo.csv");
  ASSERT_EQ(lofo.folds.size(), expected.num_rows());
  for (std::size_t r = 0; r < expected.num_rows(); ++r) {
    EXPECT_EQ(lofo.folds[r].family, expected.cell(r, 0));
    EXPECT_EQ(lofo.folds[r].n, static_cast<int64_t>(cell(expected, r, "n")));
    expect_relative(lofo.folds[r].rmse, cell(expected, r, "rmse"), lofo.folds[r].family + " rmse");
    expect_relative(lofo.folds[r].rmse_controls_only, cell(expected, r, "rmse_controls_only"),
                    lofo.folds[r].family + " rmse controls");
  }
  EXPECT_EQ(lofo.n_predicted, 30);
}
