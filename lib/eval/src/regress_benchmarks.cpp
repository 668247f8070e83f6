#include <map>
#include <set>

#include "infobound/bound/bound_table.hpp"
#include "infobound/core/error.hpp"
#include "infobound/core/log.hpp"
#include "infobound/eval/evaluate_run.hpp"
#include "infobound/io/csv_table.hpp"
#include "infobound/stats/regression_study.hpp"

namespace infobound::eval {
namespace {

// The benchmarks of several sources as one set: one record per (model, checkpoint) holding the
// scores of every source, so each observation is matched once.
void merge_into(stats::BenchmarkSet& into, stats::BenchmarkSet&& from) {
  std::set<std::string> known(into.benchmarks.begin(), into.benchmarks.end());
  for (const auto& b : from.benchmarks)
    if (known.insert(b).second) into.benchmarks.push_back(b);
  into.metric_of.insert(from.metric_of.begin(), from.metric_of.end());
  into.notes.insert(into.notes.end(), from.notes.begin(), from.notes.end());
  std::map<std::pair<std::string, std::string>, std::size_t> index;
  for (std::size_t r = 0; r < into.records.size(); ++r)
    index[{into.records[r].model, into.records[r].checkpoint.value_or("")}] = r;
  for (auto& record : from.records) {
    const auto it = index.find({record.model, record.checkpoint.value_or("")});
    if (it == index.end()) {
      index[{record.model, record.checkpoint.value_or("")}] = into.records.size();
      into.records.push_back(std::move(record));
    } else {
      for (const auto& [task, score] : record.scores) into.records[it->second].scores[task] = score;
    }
  }
}

}  // namespace

bool regress_configured_benchmarks(const StudyConfig& config, const std::filesystem::path& run_root) {
  if (config.benchmarks.empty()) return false;
  stats::BenchmarkSet all;
  for (const auto& spec : config.benchmarks) {
    const auto path = spec.format == "infobound_eval" ? results_dir(run_root, spec.name) : spec.path;
    merge_into(all, stats::read_benchmarks(path));
  }
  const io::MetricsTable metrics = bound::read_metrics_view(run_root);
  const auto study = stats::run_regression_study(metrics.table(), all, stats::RegressionOptions{});
  stats::write_regression_outputs(run_root / "regression", study);
  std::size_t fitted = 0;
  for (const auto& a : study.analyses) {
    if (a.fit) {
      ++fitted;
      log::info("regress: " + a.benchmark + ": n " + std::to_string(a.n) + ", R2 " + std::to_string(a.fit->r_squared));
    } else {
      log::warn("regress: " + a.benchmark + " not estimated: " + a.skipped);
    }
  }
  if (fitted == 0)
    throw InputError("regress: no benchmark of " + config.file.string() + " could be estimated (see " +
                     (run_root / "regression" / "summary.md").string() + ")");
  return true;
}

}  // namespace infobound::eval
