#pragma once
// The run directory layout (docs/interfaces.md).
#include <filesystem>
#include <string>

#include "infobound/core/config.hpp"
#include "infobound/core/plan.hpp"

namespace infobound::pipeline {

struct RunDir {
  std::filesystem::path root;

  std::filesystem::path plan() const { return root / "plan.json"; }
  std::filesystem::path config() const { return root / "config.yaml"; }
  std::filesystem::path corpus_dir() const { return root / "corpus"; }
  std::filesystem::path token_cache(const std::string& tokenizer_id) const { return corpus_dir() / (tokenizer_id + ".h5"); }
  std::filesystem::path units_dir() const { return root / "units"; }
  std::filesystem::path unit(const std::string& unit_id) const { return units_dir() / (unit_id + ".h5"); }
  std::filesystem::path tables_dir() const { return root / "tables"; }  // estimator.keep_tables only
  std::filesystem::path results() const { return root / "results.h5"; }
  std::filesystem::path metrics_csv() const { return root / "metrics.csv"; }
};

// A planned run: its plan and the config it was planned from (RUN/config.yaml, paths resolved
// from the original config file's directory).
struct PlannedRun {
  StudyConfig config;
  Plan plan;
};

// Reads RUN/plan.json and RUN/config.yaml. Throws InputError when RUN was not planned or when
// the config no longer gives the plan's hash (a corpus file changed since).
PlannedRun load_planned_run(const RunDir& run);

}  // namespace infobound::pipeline
