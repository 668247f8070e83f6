#pragma once
// The plan: the ordered list of units (model x checkpoint x corpus shard) of a study, with the
// config hash their results must carry. Written once to RUN/plan.json; every stage reads it.
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
  std::string id;     // <model>__<checkpoint>__shard-<s>-of-<n>: also the unit file name
  std::string model;
  std::string family;
  std::string checkpoint;
  std::optional<int64_t> step;
  std::optional<int64_t> tokens_seen;
  std::optional<int64_t> params;
  std::string reference;             // "ORG/NAME@revision" or the configured directory
  std::filesystem::path model_dir;   // resolved directory; empty in a dry run when not resolvable
  std::string tokenizer_id;
  std::string weights_digest;        // io::weights_digest of the checkpoint; empty when not computed (dry run)
  int64_t shard = 0;
  int64_t n_shards = 1;
};

struct PlanTokenizer {
  std::string id;                 // tok-<first 16 hex of sha256(tokenizer.json)>
  std::filesystem::path path;     // the tokenizer.json that was hashed
  std::string sha256;
  int64_t n_sequences = -1;       // filled once the corpus is tokenized (-1: unknown)
  int64_t n_tokens = -1;
};

struct Plan {
  static constexpr int kSchemaVersion = 1;
  std::string study;
  std::string config_file;  // absolute path of the study config (relative paths in it are from there)
  std::string config_hash;
  std::string infobound_version;
  nlohmann::json numbers_config;
  std::vector<PlanTokenizer> tokenizers;
  std::vector<PlanUnit> units;

  const PlanTokenizer& tokenizer(const std::string& id) const;
  PlanTokenizer& tokenizer(const std::string& id);
  // Units of one (model, checkpoint), in shard order.
  std::vector<const PlanUnit*> units_of(const std::string& model, const std::string& checkpoint) const;
};

std::string make_unit_id(const std::string& model, const std::string& checkpoint, int64_t shard, int64_t n_shards);

struct ResolvedCheckpoint {
  std::string reference;
  std::filesystem::path dir;        // holds config.json and weights
  std::filesystem::path tokenizer;  // tokenizer.json
};
// Throws InputError: missing directory, revision absent from the cache, no config.json, no tokenizer.json.
ResolvedCheckpoint resolve_checkpoint(const ModelSpec& model, const CheckpointSpec& checkpoint);

std::string tokenizer_id_from_sha256(const std::string& sha256);

// Resolves every model and tokenizer. With `allow_unresolved` (dry runs) a model that is not
// available locally is kept with an empty model_dir and a tokenizer id naming its hub repo.
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
