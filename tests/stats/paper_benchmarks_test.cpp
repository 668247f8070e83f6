// The benchmark tables shipped for the paper study (data-manifests/benchmarks) against the paper
// config's checkpoints: joined by hub id, every model the leaderboard scores is matched, and every
// Pythia checkpoint with lm-eval results is matched to its own step.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "infobound/core/config.hpp"
#include "infobound/core/error.hpp"
#include "infobound/core/plan.hpp"
#include "infobound/io/csv_table.hpp"
#include "infobound/stats/regression_study.hpp"
#include "infobound/testing/scratch_dir.hpp"

namespace fs = std::filesystem;
using namespace infobound;

namespace {

const fs::path kSource = INFOBOUND_SOURCE_DIR;

StudyConfig paper_config() { return load_study_config(kSource / "configs" / "paper-cross-family.yaml"); }

// A metrics.csv-shaped table for every checkpoint of the study (two block layers each; the
// numbers are made up, only the identities matter here).
io::CsvTable synthetic_metrics(const StudyConfig& config) {
  io::CsvTable table({"model", "family", "checkpoint", "step", "tokens_seen", "params", "layer", "n_layers", "optimality_1"});
  double x = 0.1;
  for (const auto& model : config.models)
    for (const auto& c : model.checkpoints)
      for (int layer = 1; layer <= 2; ++layer) {
        x += 0.013;
        table.add_row({model.name, model.family, c.name, c.step ? std::to_string(*c.step) : "",
                       c.tokens_seen ? std::to_string(*c.tokens_seen) : "", std::to_string(*model.params), std::to_string(layer),
                       "2", io::format_number(x)});
      }
  return table;
}

std::vector<stats::Observation> observations_of(const StudyConfig& config) {
  std::vector<std::string> notes;
  auto observations = stats::collect_observations(synthetic_metrics(config), {"optimality_1"}, {}, notes);
  const auto sources = stats::checkpoint_sources(config);
  for (auto& o : observations) {
    const auto& s = sources.at({o.model, o.checkpoint});
    o.hub = s.hub;
    o.repo = s.repo;
    o.revision = s.revision;
  }
  return observations;
}

const fs::path kBenchmarks = kSource / "data-manifests" / "benchmarks";

}  // namespace

TEST(PaperBenchmarks, LeaderboardMatchesEveryPaperModelItScoresByHubId) {
  const StudyConfig config = paper_config();
  const auto observations = observations_of(config);
  const auto leaderboard = stats::read_benchmarks(kBenchmarks / "open-llm-leaderboard-v2-official.csv");
  std::vector<std::pair<std::size_t, std::size_t>> pairs;
  const auto rows = stats::match_records(observations, leaderboard, {}, pairs);

  std::map<std::string, std::string> matched;  // model -> checkpoint
  for (const auto& row : rows)
    if (row.status == "matched") {
      EXPECT_TRUE(matched.emplace(row.model, row.checkpoint).second) << row.model << " matched twice";
      EXPECT_NE(row.rule.find("same id"), std::string::npos) << row.benchmark_model << ": " << row.rule;
    }
  // The leaderboard scored the published weights: each match is a model's final checkpoint.
  for (const auto& [model, checkpoint] : matched)
    EXPECT_TRUE(checkpoint == "final" || checkpoint == "step143000") << model << " matched at " << checkpoint;

  const std::set<std::string> lacking{"pythia-70m", "olmo2-1b", "olmo2-7b", "olmo2-13b"};
  std::set<std::string> missing;
  for (const auto& model : config.models)
    if (!matched.count(model.name)) missing.insert(model.name);
  EXPECT_EQ(missing, lacking) << "the leaderboard lacks exactly these paper models (data-manifests/benchmarks/README.md)";
  EXPECT_EQ(matched.size(), config.models.size() - lacking.size());
  // Renamed on the Hub: the row under today's id wins; the older submission under the former id says why it is left out.
  bool former_id_reported = false;
  for (const auto& row : rows) {
    if (row.benchmark_model == "meta-llama/Llama-3.1-8B") {
      EXPECT_EQ(row.model, "llama3.1-8b");
    }
    if (row.benchmark_model == "meta-llama/Meta-Llama-3.1-8B")
      former_id_reported = row.status.find("already matched") != std::string::npos;
  }
  EXPECT_TRUE(former_id_reported);
  for (const char* id : {"google/gemma-2-2b", "google/gemma-2-9b", "meta-llama/Llama-3.2-1B", "HuggingFaceTB/SmolLM2-360M"}) {
    const auto row = std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return r.benchmark_model == id; });
    ASSERT_NE(row, rows.end()) << id;
    EXPECT_EQ(row->status, "matched") << id;
  }
}

TEST(PaperBenchmarks, PythiaLmEvalMatchesEveryPaperPythiaCheckpoint) {
  const StudyConfig config = paper_config();
  const auto observations = observations_of(config);
  const auto evals = stats::read_benchmarks(kBenchmarks / "pythia-lm-eval");
  std::vector<std::pair<std::size_t, std::size_t>> pairs;
  const auto rows = stats::match_records(observations, evals, {}, pairs);
  std::set<std::pair<std::string, std::string>> matched;
  for (const auto& row : rows) {
    EXPECT_EQ(row.status, "matched") << row.source << " " << row.benchmark_model << "@" << row.benchmark_checkpoint;
    EXPECT_EQ(row.checkpoint, row.benchmark_checkpoint) << row.source;
    matched.insert({row.model, row.checkpoint});
  }
  int expected = 0;
  for (const auto& model : config.models) {
    if (model.name != "pythia-70m" && model.name != "pythia-160m" && model.name != "pythia-410m") continue;
    for (const auto& c : model.checkpoints) {
      EXPECT_TRUE(matched.count({model.name, c.name})) << model.name << " " << c.name << " has no lm-eval result";
      ++expected;
    }
  }
  EXPECT_EQ(expected, 3 * 27);
  EXPECT_EQ(matched.size(), static_cast<std::size_t>(expected));
}

// Through run_regression_study, with the hub identities given as options (as `regress` does from plan.json).
TEST(PaperBenchmarks, RegressionStudyJoinsThroughCheckpointSources) {
  const StudyConfig config = paper_config();
  stats::RegressionOptions options;
  options.predictors = {"optimality"};
  options.sources = stats::checkpoint_sources(config);
  const auto study = stats::run_regression_study(
      synthetic_metrics(config), stats::read_benchmarks(kBenchmarks / "open-llm-leaderboard-v2-official.csv"), options);
  std::size_t matched = 0;
  for (const auto& m : study.matches) matched += m.status == "matched";
  EXPECT_EQ(matched, 19u);
  // Without hub identities the study's names (llama3.2-1b, gemma2-2b, ...) do not match the hub ids.
  options.sources.clear();
  const auto by_name = stats::run_regression_study(
      synthetic_metrics(config), stats::read_benchmarks(kBenchmarks / "open-llm-leaderboard-v2-official.csv"), options);
  std::size_t by_name_matched = 0;
  for (const auto& m : by_name.matches) by_name_matched += m.status == "matched";
  EXPECT_LT(by_name_matched, matched);
}

TEST(HubIdentity, RenamesFoldToTodaysIds) {
  EXPECT_EQ(stats::current_hub_id("gpt2"), "openai-community/gpt2");
  EXPECT_EQ(stats::current_hub_id("gpt2-xl"), "openai-community/gpt2-xl");
  EXPECT_EQ(stats::current_hub_id("EleutherAI/pythia-v1.1-70m"), "eleutherai/pythia-70m");
  EXPECT_EQ(stats::current_hub_id("meta-llama/Meta-Llama-3.1-8B"), "meta-llama/llama-3.1-8b");
  EXPECT_EQ(stats::current_hub_id("meta-llama/Meta-Llama-3-8B"), "meta-llama/meta-llama-3-8b");  // never renamed
  EXPECT_EQ(stats::current_hub_id("gpt2-org/model"), "gpt2-org/model");

  Plan plan;
  PlanUnit unit;
  unit.model = "smol";
  unit.checkpoint = "step-10";
  unit.reference = "Org/Smol-intermediate@step-10";
  plan.units.push_back(unit);
  unit.checkpoint = "final";
  unit.reference = "Org/Smol@main";
  plan.units.push_back(unit);
  unit.model = "local";
  unit.reference = "/data/models/x";
  plan.units.push_back(unit);
  const auto sources = stats::checkpoint_sources(plan);
  EXPECT_EQ(sources.at({"smol", "step-10"}).hub, "Org/Smol");
  EXPECT_EQ(sources.at({"smol", "step-10"}).repo, "Org/Smol-intermediate");
  EXPECT_EQ(sources.at({"smol", "step-10"}).revision, "step-10");
  EXPECT_TRUE(sources.at({"local", "final"}).hub.empty());
}

TEST(BenchmarkInput, AStringScoreIsAnErrorNamingFileAndKey) {
  const fs::path dir = infobound::testing::scratch_dir("bench_string");
  const fs::path file = dir / "results.json";
  std::ofstream(file)
      << R"({"results": {"arc_easy": {"acc": "0.61", "acc_stderr": 0.01}}, "config": {"model_args": "pretrained=EleutherAI/pythia-70m"}})";
  try {
    stats::read_benchmarks(file);
    FAIL() << "a string score was accepted";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(file.string()), std::string::npos) << message;
    EXPECT_NE(message.find("results.arc_easy.acc"), std::string::npos) << message;
  }
  // New harness format, "metric,filter" keys.
  std::ofstream(file) << R"({"results": {"arc_easy": {"acc,none": "n/a"}}, "model_name": "x/y"})";
  EXPECT_THROW(stats::read_benchmarks(file), InputError);
  // No score at all: an error, not empty tables.
  std::ofstream(file) << R"({"results": {"arc_easy": {"alias": "arc_easy"}}, "model_name": "x/y"})";
  EXPECT_THROW(stats::read_benchmarks(file), InputError);
  fs::remove_all(dir);
}
