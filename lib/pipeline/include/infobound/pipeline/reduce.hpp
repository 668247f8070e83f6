#pragma once
// `reduce`: reads the unit files (exact per-layer statistics) in plan order and writes
// RUN/results.h5 and RUN/metrics.csv (io::MetricsTable: one row per model, checkpoint and layer,
// n-gram orders 1..max(4, largest configured order)). Its time and
// memory do not grow with the corpus; the result is the same whatever ranks, teams, layer groups
// or array tasks computed the units.
#include <cstdint>
#include <string>
#include <vector>

#include "infobound/pipeline/run_dir.hpp"

namespace infobound::pipeline {

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
