#include <gtest/gtest.h>
#include <sched.h>

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "infobound/bound/run_bound.hpp"
#include "infobound/core/error.hpp"
#include "infobound/testing/cli.hpp"
#include "run_directory_fixture.hpp"

namespace {
infobound::bound::BoundRunOptions fast_options(const std::filesystem::path& run) {
  infobound::bound::BoundRunOptions options;
  options.run_dir = run;
  options.context_cap = 64;
  options.ib.n_betas = 24;
  options.ib.restarts = 2;
  return options;
}
}  // namespace

TEST(RunBound, WritesBoundCsvAndTheViewJoinsGapColumnsConsistentWithTheCurve) {
  const auto run = infobound::testing::make_run_directory("run_bound", 16);
  const std::string reduce_output = infobound::io::CsvTable::read(run / "metrics.csv").to_string();
  const auto result = infobound::bound::run_bound(fast_options(run));
  ASSERT_EQ(result.curves.size(), 4u);  // orders 1..4 of one tokenizer
  EXPECT_TRUE(result.metrics_present);
  // metrics.csv is reduce's alone: bound leaves it as it was.
  EXPECT_EQ(infobound::io::CsvTable::read(run / "metrics.csv").to_string(), reduce_output);

  const auto curves = infobound::bound::read_bound_csv(run / "bound.csv");
  ASSERT_EQ(curves.size(), 4u);
  for (std::size_t i = 0; i < curves.size(); ++i) {
    EXPECT_EQ(curves[i].order, static_cast<int64_t>(i + 1));
    EXPECT_EQ(curves[i].n_bins, 16);
    EXPECT_EQ(curves[i].context_cap, 64);
    EXPECT_EQ(curves[i].points.size(), result.curves[i].points.size());
    EXPECT_NEAR(curves[i].i_xy, result.curves[i].i_xy, 1e-15);
    // Markov data: the next token depends on the context, and the curve stays below I(X;Y).
    EXPECT_GT(curves[i].i_xy, 0.5);
    EXPECT_LE(curves[i].points.back().i_ty, curves[i].i_xy + 1e-9);
    // The cap's cost is measured: merging contexts lowers I(X;Y) (strictly, once it merges any).
    if (result.curves[i].n_contexts > 64) {
      EXPECT_GT(result.curves[i].i_xy_uncapped, result.curves[i].i_xy + 1e-9) << "order " << i + 1;
    } else EXPECT_EQ(result.curves[i].i_xy_uncapped, result.curves[i].i_xy);
  }
  ASSERT_TRUE(std::filesystem::exists(run / "bound.json"));
  const auto settings = nlohmann::json::parse(std::ifstream(run / "bound.json"));
  ASSERT_EQ(settings.at("curves").size(), 4u);
  for (const auto& curve : settings.at("curves")) EXPECT_GE(curve.at("threads_used").get<int64_t>(), 1);

  const auto view = infobound::bound::read_metrics_view(run);
  const auto& metrics = view.table();
  const auto norm = curves[1].normalised_points();
  std::size_t checked = 0;
  for (std::size_t r = 0; r < metrics.num_rows(); ++r) {
    const double complexity = *metrics.number(r, metrics.column("complexity_2"));
    const double expressivity = *metrics.number(r, metrics.column("expressivity_2"));
    const auto gap = metrics.number(r, metrics.column("bound_gap_2"));
    const auto ratio = metrics.number(r, metrics.column("bound_ratio_2"));
    ASSERT_TRUE(gap && ratio) << "row " << r;
    const double on_curve = infobound::bound::curve_value_at(norm, complexity);
    EXPECT_NEAR(*gap, on_curve - expressivity, 1e-12);
    EXPECT_NEAR(*ratio, expressivity / on_curve, 1e-12);
    ++checked;
  }
  EXPECT_EQ(checked, metrics.num_rows());
  EXPECT_EQ(result.metrics.rows_filled, static_cast<int64_t>(metrics.num_rows()));
  // In the view the original columns come first and the bound's last, in the documented order.
  const auto& header = metrics.header();
  ASSERT_EQ(header.size(), infobound::testing::metrics_columns().size() + 8);
  EXPECT_EQ(header[header.size() - 8], "bound_gap_1");
  EXPECT_EQ(header.back(), "bound_ratio_4");

  // Running bound again (or reduce) keeps both files whole: the view has one set of columns.
  infobound::bound::run_bound(fast_options(run));
  EXPECT_EQ(infobound::io::CsvTable::read(run / "metrics.csv").to_string(), reduce_output);
  EXPECT_EQ(infobound::bound::read_metrics_view(run).table().header().size(), header.size());
}

TEST(RunBound, ConflictingBinCountsNeedAnExplicitChoice) {
  const auto run = infobound::testing::make_run_directory("run_bound_bins", 16);
  auto metrics = infobound::io::CsvTable::read(run / "metrics.csv");
  metrics.set(0, metrics.column("n_bins"), "32");
  metrics.write(run / "metrics.csv");
  try {
    infobound::bound::run_bound(fast_options(run));
    FAIL();
  } catch (const infobound::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--n-bins"), std::string::npos) << e.what();
  }
}

TEST(RunBound, MissingCorpusIsAClearError) {
  const auto run = infobound::testing::fresh_directory("run_bound_empty");
  infobound::testing::fixture_metrics("pythia").write(run / "metrics.csv");
  try {
    infobound::bound::run_bound(fast_options(run));
    FAIL();
  } catch (const infobound::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no token cache"), std::string::npos) << e.what();
  }
}

// `infobound bound` without --threads runs on the CPUs the job may use (its affinity mask), not
// on libtorch's default (one thread on a 2-core VM), and solves the orders of a cache together.
TEST(RunBound, CliDefaultsToTheJobsCpusAndSolvesTheOrdersTogether) {
  const auto run = infobound::testing::make_run_directory("run_bound_cli", 8);
  const auto result = infobound::testing::run_cli("bound --run " + infobound::testing::shell_quote(run.string()) +
                                                  " --orders 1 2 --context-cap 64 --betas 12 --restarts 2");
  ASSERT_EQ(result.exit_code, 0) << result.both();
  cpu_set_t mask;
  CPU_ZERO(&mask);
  ASSERT_EQ(::sched_getaffinity(0, sizeof mask, &mask), 0);
  const auto settings = nlohmann::json::parse(std::ifstream(run / "bound.json"));
  EXPECT_EQ(settings.at("threads").get<int64_t>(), CPU_COUNT(&mask));
  ASSERT_EQ(settings.at("curves").size(), 2u);
  for (const auto& curve : settings.at("curves")) {
    EXPECT_EQ(curve.at("solved_with_orders"), nlohmann::json::array({1, 2}));
    EXPECT_EQ(curve.at("seconds"), settings.at("curves")[0].at("seconds"));  // one figure for both
  }
}
