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

struct ReduceSummary {
  int64_t units = 0;
  int64_t rows = 0;
  double seconds = 0;
};

// Throws InputError listing the units that are missing or unusable (never merges them).
ReduceSummary reduce_run(const PlannedRun& run_plan, const RunDir& run);

}  // namespace infobound::pipeline
