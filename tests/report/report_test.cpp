#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "../bound/run_directory_fixture.hpp"
#include "infobound/bound/run_bound.hpp"
#include "infobound/core/error.hpp"
#include "infobound/core/plan.hpp"
#include "infobound/io/json_file.hpp"
#include "infobound/report/document.hpp"
#include "infobound/report/report.hpp"
#include "infobound/stats/regression_study.hpp"

namespace {
bool have_gnuplot() { return std::system("gnuplot --version > /dev/null 2>&1") == 0; }

bool is_png(const std::filesystem::path& path) {
  const std::string bytes = infobound::io::read_file_bytes(path);
  return bytes.size() > 1000 && bytes.substr(0, 8) == "\x89PNG\r\n\x1a\n";
}

void add_bound_and_regression(const std::filesystem::path& run) {
  infobound::bound::BoundRunOptions options;
  options.run_dir = run;
  options.context_cap = 64;
  options.ib.n_betas = 20;
  options.ib.restarts = 1;
  options.orders = {1, 2};
  infobound::bound::run_bound(options);
  infobound::stats::BenchmarkSet set;
  set.benchmarks = {"arc"};
  for (const auto& m : infobound::testing::fixture_models()) {
    infobound::stats::BenchmarkRecord r;
    r.model = m.model;
    r.scores["arc"] = 0.2 + 0.5 * m.quality + 0.003 * m.n_layers;
    r.source = "test";
    set.records.push_back(r);
  }
  infobound::stats::RegressionOptions regression;
  regression.predictors = {"optimality", "complexity"};
  const auto view = infobound::bound::read_metrics_view(run);
  infobound::stats::write_regression_outputs(run / "regression",
                                             infobound::stats::run_regression_study(view.table(), set, regression));
}
}  // namespace

TEST(Report, RendersEveryFigureAndBothDocuments) {
  if (!have_gnuplot()) GTEST_SKIP() << "gnuplot not installed (scripts/install-deps.sh installs gnuplot-nox)";
  const auto run = infobound::testing::make_run_directory("report_full");
  add_bound_and_regression(run);
  const auto result = infobound::report::write_report({run, 1, "gnuplot"});
  EXPECT_TRUE(result.notes.empty());
  for (const std::string stem : {"information_plane_order1", "information_plane_order2", "training_pythia",
                                 "layers_eleutherai_pythia-70m_step143000", "layers_qwen_qwen2.5-1.5b", "regression_arc"}) {
    EXPECT_TRUE(std::find(result.figures.begin(), result.figures.end(), stem) != result.figures.end()) << stem;
    EXPECT_TRUE(is_png(run / "figures" / (stem + ".png"))) << stem;
    const std::string svg = infobound::io::read_file_bytes(run / "figures" / (stem + ".svg"));
    EXPECT_NE(svg.find("<svg"), std::string::npos) << stem;
  }
  const std::string md = infobound::io::read_file_bytes(result.markdown);
  EXPECT_NE(md.find("![Information plane for unigram labels"), std::string::npos);
  EXPECT_NE(md.find("(figures/regression_arc.png)"), std::string::npos);
  EXPECT_NE(md.find("Closest to the bound is"), std::string::npos);
  EXPECT_NE(md.find("| tokenizer | order k |"), std::string::npos);
  EXPECT_EQ(md.find("Note."), std::string::npos);
  const std::string html = infobound::io::read_file_bytes(result.html);
  EXPECT_NE(html.find("<img src=\"figures/information_plane_order1.svg\""), std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

TEST(Report, MissingBoundAndRegressionBecomeNotes) {
  if (!have_gnuplot()) GTEST_SKIP() << "gnuplot not installed";
  const auto run = infobound::testing::make_run_directory("report_minimal");
  const auto result = infobound::report::write_report({run, 1, "gnuplot"});
  ASSERT_EQ(result.notes.size(), 2u);
  EXPECT_NE(result.notes[0].find("No bound.csv"), std::string::npos);
  EXPECT_NE(result.notes[1].find("No regression tables"), std::string::npos);
  const std::string md = infobound::io::read_file_bytes(result.markdown);
  EXPECT_NE(md.find("> **Note.** No bound.csv"), std::string::npos);
  EXPECT_EQ(md.find("IB bound ("), std::string::npos);
  EXPECT_TRUE(is_png(run / "figures" / "information_plane_order1.png"));
}

// A study of orders 1..6: the bound computes every order of the run by default, the metrics view
// joins a bound column per order, and the report draws an information plane per order.
TEST(Report, OrdersBeyondFourReachTheBoundTheViewAndTheReport) {
  if (!have_gnuplot()) GTEST_SKIP() << "gnuplot not installed";
  const auto run = infobound::testing::make_run_directory("report_order6", 16, 6);
  infobound::bound::BoundRunOptions options;
  options.run_dir = run;
  options.context_cap = 64;
  options.ib.n_betas = 12;
  options.ib.restarts = 1;
  const auto bound = infobound::bound::run_bound(options);
  ASSERT_EQ(bound.curves.size(), 6u);
  EXPECT_EQ(bound.curves.back().order, 6);
  const auto view = infobound::bound::read_metrics_view(run);
  EXPECT_EQ(view.max_order(), 6);
  const auto& table = view.table();
  ASSERT_TRUE(table.find_column("bound_gap_6"));
  EXPECT_TRUE(table.number(0, *table.find_column("bound_gap_6")).has_value());
  const auto result = infobound::report::write_report({run, 1, "gnuplot"});
  EXPECT_TRUE(std::find(result.figures.begin(), result.figures.end(), "information_plane_order6") != result.figures.end());
  const std::string md = infobound::io::read_file_bytes(result.markdown);
  EXPECT_NE(md.find("order 6: layer, gap, ratio"), std::string::npos);
}

TEST(Report, WithoutMetricsIsAClearError) {
  const auto run = infobound::testing::fresh_directory("report_empty");
  try {
    infobound::report::write_report({run, 1, "gnuplot"});
    FAIL();
  } catch (const infobound::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("metrics.csv: not found"), std::string::npos) << e.what();
  }
}

TEST(Report, MissingGnuplotIsAClearError) {
  const auto run = infobound::testing::make_run_directory("report_no_gnuplot");
  try {
    infobound::report::write_report({run, 1, "/nonexistent/gnuplot"});
    FAIL();
  } catch (const infobound::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("gnuplot"), std::string::npos) << e.what();
  }
}

TEST(Document, MarkdownAndHtmlCarryTheSameContent) {
  infobound::report::Document doc;
  doc.heading("Results");
  doc.paragraph("a < b & c");
  doc.table({{"name", "value"}, {{"x|y", "1.5"}}, {false, true}});
  const std::string md = doc.markdown(), html = doc.html("t");
  EXPECT_NE(md.find("## Results"), std::string::npos);
  EXPECT_NE(md.find("| x\\|y | 1.5 |"), std::string::npos);
  EXPECT_NE(md.find("|---|---:|"), std::string::npos);
  EXPECT_NE(html.find("a &lt; b &amp; c"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"num\">1.5</td>"), std::string::npos);
}

TEST(Report, IdenticalCheckpointsFromThePlanAreShown) {
  if (!have_gnuplot()) GTEST_SKIP() << "gnuplot not installed";
  const auto run = infobound::testing::make_run_directory("report_identical");
  infobound::Plan plan;
  for (const char* checkpoint : {"step1000", "step2000", "main"}) {
    infobound::PlanUnit unit;
    unit.index = static_cast<int64_t>(plan.units.size());
    unit.model = "pythia-70m";
    unit.checkpoint = checkpoint;
    unit.weights_digest = std::string(checkpoint) == "step1000" ? std::string(64, 'a') : std::string(64, 'b');
    plan.units.push_back(unit);
  }
  infobound::write_plan(run / "plan.json", plan);
  const auto result = infobound::report::write_report({run, 1, "gnuplot"});
  const std::string md = infobound::io::read_file_bytes(result.markdown);
  EXPECT_NE(md.find("## Identical checkpoints"), std::string::npos);
  EXPECT_NE(md.find("model pythia-70m: checkpoints step2000, main have identical weights (weights digest bbbbbbbbbbbbbbbb)"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("step1000, "), std::string::npos);
  const std::string html = infobound::io::read_file_bytes(result.html);
  EXPECT_NE(html.find("Identical checkpoints"), std::string::npos);
}
