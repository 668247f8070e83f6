#pragma once
// The plan: the ordered list of units (a model checkpoint, or a group of its layers, over the whole
// corpus) of a study, with the config hash their results must carry and the memory each needs.
// Written once to RUN/plan.json; every stage reads it.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "infobound/core/config.hpp"

namespace infobound {

struct PlanUnit {
  int64_t index = 0;  // position in plan order (the reduction order)
  std::string id;     // <model>__<checkpoint>[__layers-<first>-<last>]: also the unit file name
  std::string model;
  std::string family;
  std::string checkpoint;
  std::optional<int64_t> step;
  std::optional<int64_t> tokens_seen;
  std::optional<int64_t> params;
  std::string reference;            // "ORG/NAME@revision" or the configured directory
  std::filesystem::path model_dir;  // resolved directory; empty in a dry run when not resolvable
  std::string tokenizer_id;
  std::string weights_digest;  // io::weights_digest of the checkpoint; empty when not computed (dry run)
  // Hidden-state indices of this unit's layer group (empty until the planner groups layers).
  std::vector<int64_t> layers;
  int64_t layer_group = 0;
  int64_t n_layer_groups = 1;
  // The planner's figures for one rank of this unit (0 when unknown).
  int64_t planned_memory_bytes = 0;
  int64_t planned_table_bytes = 0;
};

// Per label set, from the token-only counting pass over the corpus.
struct PlanLabelSet {
  std::string name;
  int64_t key_width = 1;
  int64_t labelled_rows = 0;
  int64_t distinct_keys = 0;
  int64_t kept_keys = 0;       // keys with a table row (after folding keys seen once)
  int64_t max_owner_keys = 0;  // the largest share of table keys among runtime.ranks_per_unit ranks
};

struct PlanTokenizer {
  std::string id;              // tok-<first 16 hex of sha256(tokenizer.json)>
  std::filesystem::path path;  // the tokenizer.json that was hashed
  std::string sha256;
  int64_t n_sequences = -1;  // filled once the corpus is tokenized (-1: unknown)
  int64_t n_tokens = -1;
  int64_t n_rows = -1;                   // estimator rows (token positions inside the n-gram window)
  std::vector<PlanLabelSet> label_sets;  // empty until the corpus is counted
};

struct Plan {
  static constexpr int kSchemaVersion = 2;
  std::string study;
  std::string config_file;  // absolute path of the study config (relative paths in it are from there)
  std::string config_hash;
  std::string infobound_version;
  nlohmann::json numbers_config;
  std::vector<PlanTokenizer> tokenizers;
  std::vector<PlanUnit> units;
  int64_t memory_budget_bytes = 0;  // per rank, as planned
  int64_t ranks_per_unit = 1;

  const PlanTokenizer& tokenizer(const std::string& id) const;
  PlanTokenizer& tokenizer(const std::string& id);
  // Units of one (model, checkpoint), in layer order.
  std::vector<const PlanUnit*> units_of(const std::string& model, const std::string& checkpoint) const;
};

// One group: <model>__<checkpoint>; several: <model>__<checkpoint>__layers-<first>-<last>.
std::string make_unit_id(const std::string& model, const std::string& checkpoint, const std::vector<int64_t>& layers,
                         int64_t n_groups);

struct ResolvedCheckpoint {
  std::string reference;
  std::filesystem::path dir;        // holds config.json and weights
  std::filesystem::path tokenizer;  // tokenizer.json
};
// Throws InputError: missing directory, revision absent from the cache, no config.json, no tokenizer.json.
ResolvedCheckpoint resolve_checkpoint(const ModelSpec& model, const CheckpointSpec& checkpoint);

std::string tokenizer_id_from_sha256(const std::string& sha256);

// Resolves every model and tokenizer: one unit per checkpoint, layers not yet grouped. With `allow_unresolved` (dry runs) a model
// that is not available locally is kept with an empty model_dir and a tokenizer id naming its hub repo.
Plan make_plan(const StudyConfig& config, bool allow_unresolved = false);

// Checkpoints of one model whose weights digests are equal (hub branches that hold the same
// weights under different names): measuring both repeats the work and duplicates the points.
struct IdenticalCheckpoints {
  std::string model;
  std::string weights_digest;
  std::vector<std::string> checkpoints;  // in plan order, two or more
};
std::vector<IdenticalCheckpoints> identical_checkpoints(const Plan& plan);
std::string describe(const IdenticalCheckpoints& identical);  // "model M: checkpoints A, B have identical weights (sha256 ...)"

nlohmann::json plan_to_json(const Plan& plan);
Plan plan_from_json(const nlohmann::json& json, const std::string& source);
void write_plan(const std::filesystem::path& file, const Plan& plan);
Plan read_plan(const std::filesystem::path& file);

}  // namespace infobound
