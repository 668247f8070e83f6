#pragma once
// `plan`: resolve models and tokenizers, tokenize the corpus once per tokenizer into
// RUN/corpus/<tokenizer-id>.h5, count its label keys, pack each checkpoint's layers into groups
// that fit runtime.memory_budget, and write RUN/plan.json + RUN/config.yaml. Re-planning the same
// config into the same directory keeps the plan (and its units); another config there is refused.
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "infobound/corpus/token_cache.hpp"
#include "infobound/pipeline/run_dir.hpp"

namespace infobound::pipeline {

// `local_ranks`: ranks sharing this machine, for the default memory budget.
PlannedRun plan_run(const StudyConfig& config, const RunDir& run, int64_t local_ranks = 1);

// Tokenizes the corpus with one tokenizer (used by plan and by the dry run).
corpus::TokenizedCorpus tokenize_with(const StudyConfig& config, const std::filesystem::path& tokenizer_json);
corpus::TokenCacheInfo token_cache_info(const StudyConfig& config, const Plan& plan, const PlanTokenizer& tokenizer);

// Resource estimate of one unit for `plan --dry-run`.
struct UnitEstimate {
  std::string unit_id;
  std::string source;  // where the weights come from: ORG/NAME@revision or a directory
  int64_t tokens = 0;
  bool tokens_exact = false;     // from a real tokenization; otherwise documents x max_length (upper bound)
  bool keys_exact = false;       // label keys counted on the corpus; otherwise bounded by rows / 2
  int64_t layers = 0;            // hidden states in this unit's group
  double forward_flops = 0;      // 2 x parameters per token, up to the group's last block
  double estimator_flops = 0;    // soft assignment GEMM + softmax + accumulation of the group's layers
  double table_bytes = 0;        // label tables of the group on one rank
  double peak_memory_bytes = 0;  // extract, one rank
  double disk_bytes = 0;
  bool model_known = false;  // parameters/dimensions known (local config.json or manifest)
};

struct DryRun {
  Plan plan;
  std::vector<UnitEstimate> units;
  double gpu_tflops = 0;
  double memory_budget = 0;  // per rank
  double reduce_memory_bytes = 0;
  std::vector<std::string> notes;
};

// Never writes anything; models absent from this machine are estimated from the manifest.
DryRun dry_run(const StudyConfig& config, int64_t local_ranks = 1);
void print_dry_run(const DryRun& dry, std::ostream& out);
// The same as JSON (`plan --dry-run --json`, read by pipelines/submit.sh to size Slurm jobs).
void print_dry_run_json(const DryRun& dry, const StudyConfig& config, std::ostream& out);

}  // namespace infobound::pipeline
