#pragma once
// `reduce`: merges unit files in plan order (float64 sums; label tables by exact key), so the
// result is the same whatever number of ranks or array tasks computed them, and writes
// RUN/results.h5 and RUN/metrics.csv (one row per model, checkpoint and layer).
#include <cstdint>
#include <string>
#include <vector>

#include "infobound/pipeline/run_dir.hpp"

namespace infobound::pipeline {

// metrics.csv columns, in order (docs/interfaces.md).
const std::vector<std::string>& metrics_columns();

// Marks every row of an incomplete run's metrics.csv (value 1); absent from a complete run's.
inline constexpr const char* kIncompleteColumn = "incomplete_run";

struct ReduceOptions {
  // Write results for the (model, checkpoint)s whose units are all complete, the run marked
  // incomplete (kIncompleteColumn; results.h5 attribute complete = 0 and units/missing).
  bool allow_incomplete = false;
};

struct ReduceSummary {
  int64_t units = 0;
  int64_t rows = 0;
  double seconds = 0;
  std::vector<std::string> missing_units;  // with allow_incomplete: left out
};

// Throws InputError listing the units that are missing or unusable, with the reason of each
// recorded failure (never merges them), unless options.allow_incomplete.
ReduceSummary reduce_run(const PlannedRun& run_plan, const RunDir& run, const ReduceOptions& options = {});

}  // namespace infobound::pipeline
