#pragma once
// `infobound eval --run RUN` (also a step of `run`): scores every model checkpoint of a planned
// run on the tasks of the study's infobound_eval benchmarks and writes one
// lm-evaluation-harness results JSON per checkpoint to RUN/eval/<benchmark>/<model>/<checkpoint>.json,
// so `regress` reads them through the same reader as real lm-eval output. A file whose recorded
// fingerprint (tasks, their data, the checkpoint's weights) matches is kept, so reruns are cheap.
// Under MPI, checkpoint i (in plan order) is scored by rank i mod size.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "infobound/eval/scoring.hpp"
#include "infobound/pipeline/run_dir.hpp"

namespace infobound::eval {

struct EvalSummary {
  int64_t scored = 0, kept = 0;  // checkpoints scored now / results kept from an earlier run (this rank)
  double seconds = 0;
  std::vector<std::filesystem::path> files;  // written or kept by this rank
};

// threads > 0 overrides runtime.threads.
EvalSummary evaluate_run(const pipeline::PlannedRun& planned, const pipeline::RunDir& run, int rank = 0, int size = 1,
                         int64_t threads = 0);

// RUN/eval/<benchmark>: where an infobound_eval benchmark's results are.
std::filesystem::path results_dir(const std::filesystem::path& run_root, const std::string& benchmark);

struct NamedScore {
  std::string task, kind;
  TaskScore score;
};
// An lm-evaluation-harness (0.4 format) results object: results.<task>."acc,none", ...,
// config.model_args "pretrained=<model>,revision=<checkpoint>".
nlohmann::json lm_eval_results_json(const std::string& model, const std::string& checkpoint,
                                    const std::vector<NamedScore>& scores, int64_t batch_size, const nlohmann::json& provenance);

// `run`: the regression of every benchmark in the study config (an infobound_eval benchmark reads
// RUN/eval/<name>/) on the information measures with the scale controls, written to
// RUN/regression/. Returns false (and writes nothing) when the config has no benchmarks.
bool regress_configured_benchmarks(const StudyConfig& config, const std::filesystem::path& run_root);

}  // namespace infobound::eval
