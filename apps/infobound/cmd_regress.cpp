// `infobound regress --run RUN --benchmarks FILE_OR_DIR`: cross-family regression tables (DESIGN.md 7).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <optional>

#include <boost/program_options.hpp>

#include "command.hpp"
#include "infobound/bound/bound_table.hpp"
#include "infobound/core/config.hpp"
#include "infobound/core/error.hpp"
#include "infobound/core/log.hpp"
#include "infobound/core/plan.hpp"
#include "infobound/io/csv_table.hpp"
#include "infobound/stats/regression_study.hpp"
#include "options.hpp"

namespace infobound::cli {
namespace {
namespace po = boost::program_options;

std::vector<std::string> split_list(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& value : values) {
    std::size_t start = 0;
    while (start <= value.size()) {
      const auto comma = value.find(',', start);
      const std::string part = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!part.empty()) out.push_back(part);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return out;
}

// The study behind RUN (RUN/config.yaml read from the original config's directory), or nothing
// when RUN holds no plan (a hand-made metrics.csv) or the config no longer reads.
std::optional<StudyConfig> study_of(const std::filesystem::path& run, const Plan& plan) {
  std::ifstream in(run / "config.yaml", std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return parse_study_config(text.str(), plan.config_file);
  } catch (const InputError& e) {
    log::warn(std::string("the study config of this run does not read (") + e.what() + "); hub ids are taken from plan.json");
    return std::nullopt;
  }
}

// --benchmarks, else the study config's `benchmarks` entry named by --benchmark (or its only one).
std::filesystem::path benchmark_path(const std::string& given, const std::string& name, const std::optional<StudyConfig>& study) {
  if (!given.empty()) return given;
  if (!study || study->benchmarks.empty())
    throw UsageError("--benchmarks FILE_OR_DIR is required (the run's study config names no benchmarks)");
  std::string names;
  for (const auto& b : study->benchmarks) {
    if (b.name == name || (name.empty() && study->benchmarks.size() == 1)) return b.path;
    names += (names.empty() ? "" : ", ") + b.name;
  }
  throw UsageError((name.empty() ? std::string("the study config names several benchmarks")
                                 : "no benchmark '" + name + "' in the study config") +
                   ": choose one with --benchmark NAME (" + names + ") or give --benchmarks FILE_OR_DIR");
}

int run_regress_command(int argc, char** argv) {
  std::string run_dir, benchmarks_path, benchmark_name, layer = "mean";
  std::vector<std::string> predictors, aliases, tasks, metrics;
  stats::RegressionOptions options;
  stats::BenchmarkReadOptions read_options;
  po::options_description description(
      "infobound regress --run RUN [--benchmarks FILE_OR_DIR | --benchmark NAME] [options]\n\n"
      "Joins RUN/metrics.csv with benchmark scores (Open LLM Leaderboard v2 CSV, a CSV with a 'model'\n"
      "column, or lm-evaluation-harness results JSON files) on the checkpoints' hub ids (ORG/NAME and\n"
      "revision, from RUN/plan.json) and fits, per benchmark, OLS of the score on the predictors +\n"
      "log10(params) + log10(training tokens). Writes RUN/regression/*.csv|md.\n\n"
      "options");
  description.add_options()("help,h", "show this help")("run", po::value(&run_dir)->required(), "run directory")(
      "benchmarks", po::value(&benchmarks_path), "benchmark CSV, lm-eval JSON, or a directory of JSON files")(
      "benchmark", po::value(&benchmark_name),
      "a benchmark of the study config's `benchmarks` section, by name (default: its only one)")(
      "predictors", po::value(&predictors)->multitoken(),
      "metrics.csv columns or base names (+ _ORDER), comma separated (default: optimality,complexity,expressivity,preference)")(
      "order", po::value(&options.order)->default_value(options.order), "n-gram order k of the _k predictors")(
      "layer", po::value(&layer)->default_value(layer),
      "which layer stands for a model: mean (over blocks 1..L), last, N, fraction:F")(
      "family-effects", po::bool_switch(&options.family_effects), "add family fixed effects")(
      "alias", po::value(&aliases)->multitoken(),
      "BENCHMARK_ID=MODEL: match a benchmark model id by hand (MODEL: a metrics.csv model or hub id)")(
      "raw-scores", po::bool_switch(&read_options.raw_leaderboard_scores),
      "leaderboard: use the raw instead of normalised scores")("tasks", po::value(&tasks)->multitoken(),
                                                               "lm-eval: only these tasks (comma separated)")(
      "metric", po::value(&metrics)->multitoken(),
      "lm-eval: metric preference (default: acc,acc_norm,exact_match,em,f1,mc2,pct_stereotype)");
  po::variables_map vm;
  if (!parse_options(argc, argv, description, vm)) return 0;
  if (!predictors.empty()) options.predictors = split_list(predictors);
  if (options.order < 1 || options.order > 4) throw UsageError("--order must be 1..4");
  options.layer = stats::LayerSelection::parse(layer);
  for (const auto& alias : aliases) {
    const auto eq = alias.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == alias.size())
      throw UsageError("--alias '" + alias + "': expected BENCHMARK_ID=METRICS_MODEL");
    options.aliases[alias.substr(0, eq)] = alias.substr(eq + 1);
  }
  if (!tasks.empty()) read_options.tasks = split_list(tasks);
  if (!metrics.empty()) read_options.metrics = split_list(metrics);

  const std::filesystem::path run(run_dir);
  // metrics.csv joined with bound.csv when `bound` has run, so bound_gap_k can be a predictor.
  const io::MetricsTable view = bound::read_metrics_view(run);
  const io::CsvTable& table = view.table();
  std::optional<StudyConfig> config;
  if (std::filesystem::exists(run / "plan.json")) {
    const Plan plan = read_plan(run / "plan.json");
    config = study_of(run, plan);
    options.sources = config ? stats::checkpoint_sources(*config) : stats::checkpoint_sources(plan);
  } else {
    log::warn(run.string() + " has no plan.json: benchmark rows are matched on the model names of metrics.csv");
  }
  const std::filesystem::path benchmarks_file = benchmark_path(benchmarks_path, benchmark_name, config);
  const auto benchmarks = stats::read_benchmarks(benchmarks_file, read_options);
  const auto study = stats::run_regression_study(table, benchmarks, options);
  stats::write_regression_outputs(run / "regression", study);

  std::size_t matched = 0, fitted = 0;
  std::string unmatched;
  for (const auto& m : study.matches) {
    matched += m.status == "matched";
    if (m.status != "matched" && unmatched.size() < 300)
      unmatched += (unmatched.empty() ? "" : ", ") + m.source + " " + m.benchmark_model;
  }
  for (const auto& a : study.analyses) fitted += a.fit.has_value();
  if (matched < study.matches.size())
    log::warn(std::to_string(study.matches.size() - matched) + " of " + std::to_string(study.matches.size()) + " rows of " +
              benchmarks_file.string() + " match no checkpoint of " + (run / "metrics.csv").string() + ": " + unmatched +
              (unmatched.size() >= 300 ? ", ..." : "") + " (each with its reason in " +
              (run / "regression" / "matches.csv").string() + ")");
  std::printf("%-24s %4s %8s %8s  %s\n", "benchmark", "n", "R2", "adj R2", "");
  for (const auto& a : study.analyses) {
    if (a.fit)
      std::printf("%-24s %4lld %8.4f %8.4f\n", a.benchmark.c_str(), static_cast<long long>(a.n), a.fit->r_squared,
                  a.fit->adjusted_r_squared);
    else
      std::printf("%-24s %4lld %8s %8s  not estimated: %s\n", a.benchmark.c_str(), static_cast<long long>(a.n), "-", "-",
                  a.skipped.c_str());
  }
  std::printf("%zu of %zu benchmark rows matched; wrote %s\n", matched, study.matches.size(), (run / "regression").c_str());
  if (fitted == 0 && !study.analyses.empty())
    throw InputError("no benchmark could be estimated (reasons above and in " + (run / "regression" / "summary.md").string() +
                     ")");
  return 0;
}

const Register registered{{"regress", "regression tables of benchmarks on the information measures", run_regress_command}};
}  // namespace
}  // namespace infobound::cli
