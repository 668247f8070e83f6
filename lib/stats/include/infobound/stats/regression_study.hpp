#pragma once
// The cross-family regression of DESIGN.md section 7: joins RUN/metrics.csv with benchmark
// scores, fits one OLS per benchmark and writes RUN/regression/*.csv|md.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "infobound/io/csv_table.hpp"
#include "infobound/stats/benchmark_scores.hpp"
#include "infobound/stats/correlation.hpp"
#include "infobound/stats/hub_identity.hpp"
#include "infobound/stats/ols.hpp"

namespace infobound::stats {

// Which layer's value stands for a model: metrics.csv has one row per layer.
struct LayerSelection {
  enum class Mode { mean_blocks, last, index, fraction };
  Mode mode = Mode::mean_blocks;  // mean over the block outputs 1..n_layers (layer 0 = embeddings excluded)
  int64_t index = 0;              // Mode::index: this layer
  double fraction = 0;            // Mode::fraction: layer round(fraction * n_layers)
  // "mean", "last", "7", "fraction:0.5"; throws UsageError otherwise.
  static LayerSelection parse(const std::string& text);
  std::string describe() const;
};

struct RegressionOptions {
  // Base names (order suffix _k added when metrics.csv has <name>_<order>) or exact column names.
  std::vector<std::string> predictors{"optimality", "complexity", "expressivity", "preference"};
  int64_t order = 1;
  LayerSelection layer;
  bool family_effects = false;
  std::map<std::string, std::string> aliases;  // benchmark model id -> metrics.csv model or hub id
  CheckpointSources sources;                   // hub identity of each (model, checkpoint) of metrics.csv
};

// One (model, checkpoint) of metrics.csv with its predictor values under the layer selection.
struct Observation {
  std::string model, family, checkpoint;
  std::string hub, repo, revision;  // hub identity (RegressionOptions::sources); empty when unknown
  std::optional<double> step, params, tokens;
  std::map<std::string, double> values;  // predictor column -> value
};

struct MatchRow {
  std::string benchmark_model, benchmark_checkpoint, source;
  std::string model, checkpoint;  // matched observation (empty when unmatched)
  std::string status;             // "matched", "unmatched: ..."
  std::string rule;               // how it matched
};

struct TermResult {
  std::string term;
  double estimate = 0, std_error = 0, t = 0, p = 1;
  std::optional<Correlation> partial;   // predictors: partial correlation with the score given scale
  std::optional<Correlation> spearman;  // predictors: rank correlation with the score
};

struct LofoFold {
  std::string family;
  int64_t n = 0;
  double rmse = 0, rmse_controls_only = 0;
};

struct LofoResult {
  std::vector<LofoFold> folds;
  double rmse = 0, mae = 0, rmse_controls_only = 0;
  int64_t n_predicted = 0;
  std::vector<std::string> notes;  // folds that could not be fit, and why
};

struct AnalysisPoint {
  std::string model, checkpoint, family;
  double score = 0, fitted = 0;
  double partial_x = 0, partial_y = 0;  // added-variable coordinates of the first predictor
};

struct BenchmarkAnalysis {
  std::string benchmark, slug, metric;
  std::string skipped;  // non-empty: why no table (degenerate input); nothing else is valid then
  int64_t n = 0;
  std::vector<std::string> families;
  std::vector<std::string> dropped_controls;
  std::optional<OlsFit> fit;
  std::vector<TermResult> terms;
  LofoResult lofo;
  std::string added_variable_predictor;
  std::vector<AnalysisPoint> points;
};

struct RegressionStudy {
  RegressionOptions options;
  std::vector<std::string> predictor_columns;
  std::vector<Observation> observations;
  std::vector<MatchRow> matches;
  std::vector<BenchmarkAnalysis> analyses;
  std::vector<std::string> notes;
};

std::vector<Observation> collect_observations(const io::CsvTable& metrics, const std::vector<std::string>& columns,
                                              const LayerSelection& layer, std::vector<std::string>& notes);
// Throws UsageError naming the available columns when a predictor is not in metrics.csv.
std::vector<std::string> resolve_predictor_columns(const io::CsvTable& metrics, const RegressionOptions& options);

// Pairs benchmark records with observations (rules in docs/analysis.md); every record gets a row.
// Records are joined on hub ids (an observation's `hub`, `repo` and `model`); by name without
// organisation only for observations without a hub identity.
std::vector<MatchRow> match_records(const std::vector<Observation>& observations, const BenchmarkSet& benchmarks,
                                    const std::map<std::string, std::string>& aliases,
                                    std::vector<std::pair<std::size_t, std::size_t>>& pairs);

RegressionStudy run_regression_study(const io::CsvTable& metrics, const BenchmarkSet& benchmarks,
                                     const RegressionOptions& options);

// RUN/regression/: <slug>.csv|md per benchmark, <slug>.points.csv, summary.csv|md, matches.csv.
void write_regression_outputs(const std::filesystem::path& directory, const RegressionStudy& study);

std::string slugify(const std::string& name);

}  // namespace infobound::stats
