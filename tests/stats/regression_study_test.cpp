#include <gtest/gtest.h>

#include <filesystem>

#include "../bound/run_directory_fixture.hpp"
#include "infobound/core/error.hpp"
#include "infobound/io/json_file.hpp"
#include "infobound/stats/regression_study.hpp"

namespace {
using infobound::stats::BenchmarkRecord;
using infobound::stats::BenchmarkSet;

BenchmarkRecord record(const std::string& model, std::optional<std::string> checkpoint, double score) {
  BenchmarkRecord r;
  r.model = model;
  r.checkpoint = std::move(checkpoint);
  r.scores["arc"] = score;
  r.source = "test";
  return r;
}

const infobound::stats::MatchRow& row_for(const std::vector<infobound::stats::MatchRow>& rows, const std::string& model,
                                          const std::string& checkpoint = "") {
  for (const auto& r : rows)
    if (r.benchmark_model == model && r.benchmark_checkpoint == checkpoint) return r;
  throw std::runtime_error("no match row for " + model);
}
}  // namespace

TEST(RegressionStudy, MatchesModelIdsCheckpointsAndReportsTheRest) {
  const auto metrics = infobound::testing::fixture_metrics("pythia");
  BenchmarkSet set;
  set.benchmarks = {"arc"};
  set.records = {record("EleutherAI/pythia-v1.1-70m", "step1000", 0.3),  // Hub rename + checkpoint
                 record("EleutherAI/pythia-160m", std::nullopt, 0.4),    // no revision: latest checkpoint
                 record("eleutherai/pythia-410m", "step143000", 0.5),    // case
                 record("SmolLM2-135M", std::nullopt, 0.45),             // organisation missing
                 record("Qwen/Qwen2.5-0.5B", std::nullopt, 0.6),         // final weights (empty checkpoint)
                 record("EleutherAI/pythia-70m", "step5", 0.1),          // unknown checkpoint
                 record("meta-llama/Llama-3.2-1B", std::nullopt, 0.5),   // unknown model
                 record("Qwen/Qwen2.5-0.5B", "main", 0.6)};              // same observation again
  std::vector<std::string> notes;
  const auto observations = infobound::stats::collect_observations(metrics, {"optimality_1"}, {}, notes);
  std::vector<std::pair<std::size_t, std::size_t>> pairs;
  const auto rows = infobound::stats::match_records(observations, set, {}, pairs);
  ASSERT_EQ(rows.size(), set.records.size());
  EXPECT_EQ(row_for(rows, "EleutherAI/pythia-v1.1-70m", "step1000").model, "EleutherAI/pythia-70m");
  EXPECT_EQ(row_for(rows, "EleutherAI/pythia-v1.1-70m", "step1000").checkpoint, "step1000");
  EXPECT_EQ(row_for(rows, "EleutherAI/pythia-160m").checkpoint, "step143000");
  EXPECT_EQ(row_for(rows, "eleutherai/pythia-410m", "step143000").status, "matched");
  EXPECT_EQ(row_for(rows, "SmolLM2-135M").model, "HuggingFaceTB/SmolLM2-135M");
  EXPECT_EQ(row_for(rows, "Qwen/Qwen2.5-0.5B").rule, "same id, final weights");
  EXPECT_NE(row_for(rows, "EleutherAI/pythia-70m", "step5").status.find("checkpoint 'step5' not in metrics.csv"),
            std::string::npos);
  EXPECT_NE(row_for(rows, "meta-llama/Llama-3.2-1B").status.find("no model"), std::string::npos);
  EXPECT_NE(row_for(rows, "Qwen/Qwen2.5-0.5B", "main").status.find("already matched"), std::string::npos);
  EXPECT_EQ(pairs.size(), 5u);

  // An alias resolves what the rules cannot.
  pairs.clear();
  const auto aliased =
      infobound::stats::match_records(observations, set, {{"meta-llama/Llama-3.2-1B", "Qwen/Qwen2.5-1.5B"}}, pairs);
  EXPECT_EQ(row_for(aliased, "meta-llama/Llama-3.2-1B").model, "Qwen/Qwen2.5-1.5B");
}

TEST(RegressionStudy, LayerSelectionPicksTheDocumentedRows) {
  const auto metrics = infobound::testing::fixture_metrics("pythia");
  std::vector<std::string> notes;
  const auto mean = infobound::stats::collect_observations(metrics, {"H"}, {}, notes);
  const auto last =
      infobound::stats::collect_observations(metrics, {"H"}, infobound::stats::LayerSelection::parse("last"), notes);
  const auto first = infobound::stats::collect_observations(metrics, {"H"}, infobound::stats::LayerSelection::parse("0"), notes);
  // pythia-70m has 6 layers; fixture H = 0.55 + 0.3 d (1 - d) + 0.05 q with d = l / 6.
  const double q = 0.3;
  double expected_mean = 0;
  for (int l = 1; l <= 6; ++l) expected_mean += 0.55 + 0.3 * (l / 6.0) * (1 - l / 6.0) + 0.05 * q;
  EXPECT_NEAR(mean[0].values.at("H"), expected_mean / 6, 1e-12);
  EXPECT_NEAR(last[0].values.at("H"), 0.55 + 0.05 * q, 1e-12);
  EXPECT_NEAR(first[0].values.at("H"), 0.55 + 0.05 * q, 1e-12);
  const auto too_deep =
      infobound::stats::collect_observations(metrics, {"H"}, infobound::stats::LayerSelection::parse("25"), notes);
  EXPECT_TRUE(too_deep[0].values.empty());  // pythia-70m has no layer 25: left out, with a note
  EXPECT_NE(notes.back().find("left out"), std::string::npos);
  EXPECT_THROW(infobound::stats::LayerSelection::parse("middle"), infobound::UsageError);
}

TEST(RegressionStudy, DegenerateBenchmarksAreSkippedWithAReasonAndNoNaN) {
  const auto metrics = infobound::testing::fixture_metrics("pythia");
  BenchmarkSet set;
  set.benchmarks = {"arc", "tiny"};
  for (const auto& m : infobound::testing::fixture_models()) {
    auto r = record(m.model, std::nullopt, 0.2 + 0.5 * m.quality + 0.01 * m.n_layers);
    if (m.family == "pythia") r.scores["tiny"] = 0.4;
    set.records.push_back(r);
  }
  const auto run = infobound::testing::fresh_directory("regression_degenerate");
  const auto study = infobound::stats::run_regression_study(metrics, set, {});
  // 7 models for 7 parameters (4 predictors, 2 controls, intercept).
  ASSERT_EQ(study.analyses.size(), 2u);
  EXPECT_FALSE(study.analyses[0].fit);
  EXPECT_NE(study.analyses[0].skipped.find("only 7 observations for 7 parameters"), std::string::npos)
      << study.analyses[0].skipped;
  EXPECT_FALSE(study.analyses[1].fit);
  infobound::stats::write_regression_outputs(run / "regression", study);
  const auto table = infobound::io::CsvTable::read(run / "regression" / "arc.csv");
  ASSERT_EQ(table.num_rows(), 1u);
  EXPECT_NE(table.cell(0, table.column("skipped")).find("only 7 observations"), std::string::npos);
  const std::string summary = infobound::io::read_file_bytes(run / "regression" / "summary.md");
  EXPECT_EQ(summary.find("nan"), std::string::npos);
  EXPECT_NE(summary.find("not estimated"), std::string::npos);

  // Two predictors leave enough degrees of freedom: a real table.
  infobound::stats::RegressionOptions options;
  options.predictors = {"optimality", "complexity"};
  const auto fitted = infobound::stats::run_regression_study(metrics, set, options);
  ASSERT_TRUE(fitted.analyses[0].fit) << fitted.analyses[0].skipped;
  EXPECT_EQ(fitted.analyses[0].n, 7);
  EXPECT_EQ(fitted.analyses[0].points.size(), 7u);
  // Added-variable slope equals the coefficient of the first predictor.
  double sxy = 0, sxx = 0;
  for (const auto& p : fitted.analyses[0].points) {
    sxy += p.partial_x * p.partial_y;
    sxx += p.partial_x * p.partial_x;
  }
  EXPECT_NEAR(sxy / sxx, fitted.analyses[0].terms[1].estimate, 1e-8 * std::abs(fitted.analyses[0].terms[1].estimate));
}

TEST(RegressionStudy, UnknownPredictorListsTheColumns) {
  const auto metrics = infobound::testing::fixture_metrics("pythia");
  infobound::stats::RegressionOptions options;
  options.predictors = {"compression"};
  try {
    infobound::stats::run_regression_study(metrics, {}, options);
    FAIL();
  } catch (const infobound::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("complexity_1"), std::string::npos) << e.what();
  }
}
