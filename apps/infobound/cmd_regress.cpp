// `infobound regress --run RUN --benchmarks FILE_OR_DIR`: cross-family regression tables (DESIGN.md 7).
#include <cstdio>
#include <iostream>

#include <boost/program_options.hpp>

#include "command.hpp"
#include "infobound/core/error.hpp"
#include "infobound/core/log.hpp"
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

int run_regress_command(int argc, char** argv) {
  std::string run_dir, benchmarks_path, layer = "mean";
  std::vector<std::string> predictors, aliases, tasks, metrics;
  stats::RegressionOptions options;
  stats::BenchmarkReadOptions read_options;
  po::options_description description(
      "infobound regress --run RUN --benchmarks FILE_OR_DIR [options]\n\n"
      "Joins RUN/metrics.csv with benchmark scores (Open LLM Leaderboard v2 CSV, a CSV with a 'model'\n"
      "column, or lm-evaluation-harness results JSON files) and fits, per benchmark, OLS of the score on\n"
      "the predictors + log10(params) + log10(training tokens). Writes RUN/regression/*.csv|md.\n\n"
      "options");
  description.add_options()("help,h", "show this help")("run", po::value(&run_dir)->required(), "run directory")(
      "benchmarks", po::value(&benchmarks_path)->required(), "benchmark CSV, lm-eval JSON, or a directory of JSON files")(
      "predictors", po::value(&predictors)->multitoken(),
      "metrics.csv columns or base names (+ _ORDER), comma separated (default: optimality,complexity,expressivity,preference)")(
      "order", po::value(&options.order)->default_value(options.order), "n-gram order k of the _k predictors")(
      "layer", po::value(&layer)->default_value(layer), "which layer stands for a model: mean (over blocks 1..L), last, N, fraction:F")(
      "family-effects", po::bool_switch(&options.family_effects), "add family fixed effects")(
      "alias", po::value(&aliases)->multitoken(), "BENCHMARK_ID=METRICS_MODEL: match a benchmark model id by hand")(
      "raw-scores", po::bool_switch(&read_options.raw_leaderboard_scores), "leaderboard: use the raw instead of normalised scores")(
      "tasks", po::value(&tasks)->multitoken(), "lm-eval: only these tasks (comma separated)")(
      "metric", po::value(&metrics)->multitoken(), "lm-eval: metric preference (default: acc,acc_norm,exact_match,em,f1,mc2,pct_stereotype)");
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
  const auto metrics_path = run / "metrics.csv";
  if (!std::filesystem::exists(metrics_path))
    throw InputError(metrics_path.string() + ": not found (run `infobound reduce` first)");
  const auto table = io::CsvTable::read(metrics_path);
  const auto benchmarks = stats::read_benchmarks(benchmarks_path, read_options);
  const auto study = stats::run_regression_study(table, benchmarks, options);
  stats::write_regression_outputs(run / "regression", study);

  std::size_t matched = 0, fitted = 0;
  for (const auto& m : study.matches) matched += m.status == "matched";
  for (const auto& a : study.analyses) fitted += a.fit.has_value();
  if (matched < study.matches.size())
    log::warn(std::to_string(study.matches.size() - matched) + " of " + std::to_string(study.matches.size()) +
              " benchmark rows match no model of metrics.csv (listed in " + (run / "regression" / "summary.md").string() +
              " and matches.csv)");
  std::printf("%-24s %4s %8s %8s  %s\n", "benchmark", "n", "R2", "adj R2", "");
  for (const auto& a : study.analyses) {
    if (a.fit) std::printf("%-24s %4lld %8.4f %8.4f\n", a.benchmark.c_str(), static_cast<long long>(a.n), a.fit->r_squared, a.fit->adjusted_r_squared);
    else std::printf("%-24s %4lld %8s %8s  not estimated: %s\n", a.benchmark.c_str(), static_cast<long long>(a.n), "-", "-", a.skipped.c_str());
  }
  std::printf("%zu of %zu benchmark rows matched; wrote %s\n", matched, study.matches.size(), (run / "regression").c_str());
  if (fitted == 0 && !study.analyses.empty())
    throw InputError("no benchmark could be estimated (reasons above and in " + (run / "regression" / "summary.md").string() + ")");
  return 0;
}

const Register registered{{"regress", "regression tables of benchmarks on the information measures", run_regress_command}};
}  // namespace
}  // namespace infobound::cli
