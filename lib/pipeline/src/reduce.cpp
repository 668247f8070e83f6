#include "infobound/pipeline/reduce.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "infobound/core/atomic_file.hpp"
#include "infobound/core/error.hpp"
#include "infobound/core/layer_statistics.hpp"
#include "infobound/core/log.hpp"
#include "infobound/core/version.hpp"
#include "infobound/estimate/accumulator.hpp"
#include "infobound/io/metrics_table.hpp"
#include "infobound/io/results_store.hpp"
#include "infobound/io/unit_store.hpp"
#include "infobound/pipeline/extract.hpp"
#include "infobound/pipeline/run_status.hpp"

namespace infobound::pipeline {
namespace fs = std::filesystem;
namespace {

// One output row: text columns and numbers (NaN = empty cell).
struct Row {
  std::map<std::string, std::string> text;
  std::map<std::string, double> number;
};

double value_or_nan(const std::map<std::string, double>& map, const std::string& key) {
  const auto it = map.find(key);
  return it == map.end() ? NAN : it->second;
}

// Units that cannot be merged, with the recorded failure of each (RUN/failures/) when there is one.
struct UnitsSurvey {
  std::vector<std::string> problems;
  std::vector<std::string> missing_units;
  std::set<std::pair<std::string, std::string>> incomplete_checkpoints;  // (model, checkpoint)

  std::string message(const RunDir& run, const Plan& plan) const {
    std::string list;
    for (std::size_t i = 0; i < problems.size() && i < 5; ++i) list += (i ? "; " : " ") + problems[i];
    if (problems.size() > 5)
      list += "; and " + std::to_string(problems.size() - 5) + " more (`infobound status --run " + run.root.string() + "`)";
    return run.root.string() + ": " + std::to_string(problems.size()) + " of " + std::to_string(plan.units.size()) +
           " units are not finished or not usable; run `infobound extract` again (it recomputes exactly these):" + list;
  }
};

UnitsSurvey survey_units(const Plan& plan, const RunDir& run) {
  std::map<std::string, UnitFailure> failures;
  for (auto& failure : read_unit_failures(run)) failures.emplace(failure.unit, std::move(failure));
  UnitsSurvey survey;
  for (const auto& unit : plan.units) {
    std::string problem = unit_header_problem(run, plan, unit);
    if (problem.empty()) continue;
    if (const auto it = failures.find(unit.id); it != failures.end())
      problem = "failed: " + it->second.reason + ": " + it->second.message.substr(0, it->second.message.find('\n'));
    survey.problems.push_back(unit.id + " (" + problem + ")");
    survey.missing_units.push_back(unit.id);
    survey.incomplete_checkpoints.insert({unit.model, unit.checkpoint});
  }
  return survey;
}

// The units of one (model, checkpoint), read in plan order: layer groups ascending, each with the
// exact statistics of its layers, so they are concatenated, not merged.
struct CheckpointUnits {
  std::vector<LayerStatistics> layers;
  io::UnitHeader header;
  int64_t loss_count = 0;
  ExactSum loss_sum;
};

CheckpointUnits read_checkpoint_units(const Plan& plan, const RunDir& run, std::size_t begin, std::size_t end,
                                      io::ResultsFile& results) {
  CheckpointUnits units;
  const PlanUnit& first = plan.units[begin];
  for (std::size_t u = begin; u < end; ++u) {
    io::UnitData unit;
    try {
      unit = io::read_unit_file(run.unit(plan.units[u].id), plan.config_hash);
    } catch (const io::UnitFileError& e) {
      throw InputError(std::string(e.what()) + "; nothing was written: run `infobound extract` again to recompute it");
    }
    results.unit_ids.push_back(unit.header.unit_id);
    results.unit_checksums.push_back(unit.header.checksum);
    if (units.layers.empty()) units.header = unit.header;
    else if (unit.header.eps != units.header.eps || unit.header.d != units.header.d ||
             unit.header.n_tokens != units.header.n_tokens)
      throw InputError(run.unit(unit.header.unit_id).string() + ": eps, d or tokens differ from the other layer groups of " +
                       first.model + " " + first.checkpoint);
    units.loss_sum.add(unit.header.loss_sum);
    units.loss_count += unit.header.loss_count;
    for (auto& layer : unit.layers) units.layers.push_back(std::move(layer));
  }
  return units;
}

// metrics.csv's row of one layer.
Row metrics_row(const PlanUnit& first, const CheckpointUnits& units, const LayerStatistics& layer, int64_t max_order) {
  estimate::Metrics m;
  try {
    m = estimate::compute_metrics(layer);
  } catch (const InputError& e) {
    throw InputError("model " + first.model + " checkpoint " + first.checkpoint + ": " + e.what());
  }
  const io::UnitHeader& header = units.header;
  Row row;
  row.text = {
      {"model", first.model}, {"family", first.family}, {"checkpoint", first.checkpoint}, {"tokenizer_id", first.tokenizer_id}};
  auto& n = row.number;
  n["step"] = first.step ? static_cast<double>(*first.step) : NAN;
  n["tokens_seen"] = first.tokens_seen ? static_cast<double>(*first.tokens_seen) : NAN;
  n["params"] = static_cast<double>(first.params ? *first.params : header.n_parameters);
  n["layer"] = static_cast<double>(layer.layer);
  n["n_layers"] = static_cast<double>(header.n_layers);
  n["n_tokens"] = static_cast<double>(header.n_tokens);
  n["n_bins"] = static_cast<double>(header.n_bins);
  n["eps"] = header.eps;
  n["loss"] = units.loss_count > 0 ? units.loss_sum.value() / static_cast<double>(units.loss_count) : NAN;
  n["H"] = m.H;
  for (int64_t k = 1; k <= max_order; ++k) {
    const std::string in = "input_" + std::to_string(k), out = "output_" + std::to_string(k), K = std::to_string(k);
    const double complexity = value_or_nan(m.mi, in), expressivity = value_or_nan(m.mi, out);
    n["complexity_" + K] = complexity;
    n["expressivity_" + K] = expressivity;
    n["regularity_input_" + K] = value_or_nan(m.regularity, in);
    n["regularity_output_" + K] = value_or_nan(m.regularity, out);
    n["optimality_" + K] =
        (std::isnan(complexity) || std::isnan(expressivity)) ? NAN : estimate::optimality(expressivity, complexity);
  }
  n["preference"] = value_or_nan(m.mi, "preference");
  n["regularity_preference"] = value_or_nan(m.regularity, "preference");
  return row;
}

// results.h5 holds the same columns as metrics.csv.
void add_results_columns(io::ResultsFile& results, const std::vector<std::string>& columns, const std::vector<Row>& rows) {
  for (const auto& name : columns) {
    io::ResultsColumn column;
    column.name = name;
    column.is_text = io::MetricsTable::is_text_column(name);
    for (const auto& row : rows) {
      // Orders 1..4 always have a column, empty (NaN) where the run did not configure them.
      if (column.is_text) column.text.push_back(row.text.at(name));
      else column.numbers.push_back(row.number.count(name) ? row.number.at(name) : NAN);
    }
    results.columns.push_back(std::move(column));
  }
}

void require_complete_or_allowed(const UnitsSurvey& survey, const Plan& plan, const RunDir& run, const ReduceOptions& options) {
  if (survey.problems.empty()) return;
  if (!options.allow_incomplete) throw InputError(survey.message(run, plan));
  log::warn(survey.message(run, plan) +
            "; --allow-incomplete: writing the complete models and checkpoints only, the run marked incomplete");
  std::set<std::pair<std::string, std::string>> checkpoints;
  for (const auto& unit : plan.units) checkpoints.insert({unit.model, unit.checkpoint});
  if (survey.incomplete_checkpoints.size() == checkpoints.size())
    throw InputError(run.root.string() + ": no model and checkpoint has all its units; nothing to write");
}

}  // namespace

ReduceSummary reduce_run(const PlannedRun& run_plan, const RunDir& run, const ReduceOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const Plan& plan = run_plan.plan;
  // A cheap pass over the headers first, so a missing or foreign unit is reported before any
  // merging; the checksum of each file is verified when it is read below.
  const UnitsSurvey survey = survey_units(plan, run);
  require_complete_or_allowed(survey, plan, run, options);

  ReduceSummary summary;
  summary.missing_units = survey.missing_units;
  io::ResultsFile results;
  results.missing_units = survey.missing_units;
  const std::vector<int64_t>& orders = run_plan.config.estimator.orders;
  const int64_t max_order = *std::max_element(orders.begin(), orders.end());
  std::vector<Row> rows;
  for (std::size_t u = 0; u < plan.units.size();) {
    const PlanUnit& first = plan.units[u];
    std::size_t end = u;
    while (end < plan.units.size() && plan.units[end].model == first.model && plan.units[end].checkpoint == first.checkpoint)
      ++end;
    if (!survey.incomplete_checkpoints.count({first.model, first.checkpoint})) {
      const CheckpointUnits units = read_checkpoint_units(plan, run, u, end, results);
      summary.units += static_cast<int64_t>(end - u);
      for (const LayerStatistics& layer : units.layers) rows.push_back(metrics_row(first, units, layer, max_order));
    }
    u = end;
  }

  std::vector<std::string> extra;
  if (!survey.missing_units.empty()) {
    extra.push_back(kIncompleteColumn);
    for (auto& row : rows) row.number[kIncompleteColumn] = 1;
  }
  io::MetricsTable metrics(max_order, extra);
  for (const auto& row : rows) metrics.add_row(row.text, row.number);
  add_results_columns(results, metrics.table().header(), rows);
  results.study = plan.study;
  results.config_hash = plan.config_hash;
  results.infobound_version = kVersion;
  results.config_yaml = run_plan.config.yaml_text;
  io::write_results_file(run.results(), results);
  metrics.write(run.metrics_csv());
  summary.rows = static_cast<int64_t>(rows.size());
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace infobound::pipeline
