#pragma once
// The study config (configs/*.yaml) and model manifests (data-manifests/*.yaml), read strictly:
// unknown keys and wrong types are errors naming file, line and column. Schema: docs/config.md.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace infobound {

struct CheckpointSpec {
  std::string name;                    // unique within the model, used in unit ids and metrics.csv
  std::string revision;                // hub revision (branch, tag or commit); empty for a local path
  std::string hub;                     // ORG/NAME holding this revision when it is not the model's own repo
                                       // (SmolLM2's intermediate checkpoints); empty: the model's `hub`
  std::filesystem::path path;          // local Hugging Face layout directory; empty for a hub revision
  std::optional<int64_t> step;         // training step
  std::optional<int64_t> tokens_seen;  // training tokens seen at this checkpoint
};

struct ModelSpec;
// The hub repository a checkpoint's revision lives in: its own `hub`, else the model's.
const std::string& hub_repo_of(const ModelSpec& model, const CheckpointSpec& checkpoint);

struct ModelSpec {
  std::string name;
  std::string family;
  std::string hub;                  // ORG/NAME on the Hugging Face hub (resolved in the local cache)
  std::filesystem::path tokenizer;  // optional override: tokenizer.json or a directory holding one
  std::optional<int64_t> params;
  std::optional<int64_t> n_layers;
  std::optional<int64_t> hidden_size;
  std::vector<CheckpointSpec> checkpoints;
  std::string defined_at;  // "file:line" for messages
};

enum class SourceFormat { text, jsonl, preference_jsonl };
enum class TextSplit { whole, blank_lines, lines };

struct CorpusSource {
  std::string name;
  SourceFormat format = SourceFormat::text;
  std::filesystem::path path;  // absolute after loading (relative paths are from the config file)
  std::string dataset;         // optional ORG/NAME[@revision] of a cached hub dataset; path is inside it
  TextSplit split = TextSplit::blank_lines;
  std::string text_field = "text";
  std::string chosen_field = "chosen";
  std::string rejected_field = "rejected";
  std::string response_marker = "\n\nAssistant:";
  // Chat messages ({role, content} lists, as Tulu 3 preference data) are rendered to text as
  // prefix(role) + content, concatenated; the defaults reproduce HH-RLHF's dialogue strings.
  std::map<std::string, std::string> role_prefixes{
      {"system", "\n\nSystem: "}, {"user", "\n\nHuman: "}, {"assistant", "\n\nAssistant: "}};
  int64_t skip_documents = 0;
  std::optional<int64_t> max_documents;
};

enum class SequenceMode { per_document, packed };

struct CorpusSpec {
  std::vector<CorpusSource> sources;
  int64_t max_length = 512;
  SequenceMode sequences = SequenceMode::per_document;
  bool add_special_tokens = true;
  bool replace_invalid_utf8 = false;
  // `shards` is gone (schema 2): a unit covers the whole corpus, and runtime.ranks_per_unit shares
  // one unit's corpus among ranks.
};

enum class WindowMode { soft_h, per_order };

struct LayerSelection {
  enum class Kind { all, blocks, list } kind = Kind::all;
  std::vector<int64_t> indices;  // for `list`; negative values count from the end (-1 = last)
  std::string defined_at;        // "file:line:column" of the list, for messages
  // Layer indices into the L+1 hidden states, sorted and unique; throws InputError if out of range.
  std::vector<int64_t> resolve(int64_t num_hidden_states, const std::string& model) const;
  std::string to_string() const;
};

// Limits of what a study config can ask for, checked when it is read.
// Every distinct label keeps n_bins float64 counts per layer: at 65,536 bins a 50k-token vocabulary
// alone needs 26 GB per layer, so more bins cannot be held (the paper uses 100).
constexpr int64_t kMaxBins = 65536;
constexpr const char* kMaxBinsReason =
    "every distinct label keeps n_bins float64 counts per layer (65,536 bins x 50k tokens = 26 GB per layer)";
constexpr int64_t kMaxOrder = 8;                      // n-gram orders (config, metrics.csv, the bound's joint keys)
constexpr int64_t kMaxLayers = 1024;                  // no released model has more hidden states
constexpr int64_t kMaxCheckpointsPerSeries = 100000;  // each is a checkpoint to load and a unit to compute

struct EstimatorSpec {
  int64_t n_bins = 100;
  uint64_t seed = 0;
  std::string calibration = "find_eps";
  std::vector<int64_t> orders{1, 2, 3, 4};
  WindowMode window = WindowMode::soft_h;
  LayerSelection layers;
  std::optional<bool> preference;  // unset: on when the corpus has a preference source
  bool fold_singletons = true;     // labels seen once in the whole corpus kept as scalars (DESIGN.md 4)
  bool keep_tables = false;        // also write the full label tables (RUN/tables/), for debugging or later merging
};

struct RuntimeSpec {
  int64_t batch_size = 8;
  std::string dtype = "float32";
  std::string device = "cpu";
  int64_t threads = 0;  // torch threads per rank; 0 = cores / ranks on this node
  bool compute_loss = true;
  double heartbeat_seconds = 60;
  double gpu_tflops = 200;               // effective throughput assumed by `plan --dry-run` for GPU hours
  std::optional<int64_t> memory_budget;  // bytes per rank; unset: this machine's memory / ranks on it
  int64_t max_layers_per_unit = 0;       // 0: as many as fit the budget; smaller units lose less to preemption
  int64_t ranks_per_unit = 1;            // ranks that share one unit (split its batches, own its label keys by hash)
  int64_t accumulate_threads = -1;       // threads scattering into label tables beside the forward; -1 = automatic, 0 = inline
};

// "4GiB", "512 MiB", "2e9" or a plain byte count. Throws InputError naming `what`.
int64_t parse_byte_size(const std::string& text, const std::string& what);

// Settings of the Information Bottleneck bound that `infobound run` computes after reduce
// (unset values: the defaults of `infobound bound`). Not part of the config hash.
struct BoundSpec {
  bool enabled = true;
  std::vector<int64_t> orders;  // empty: 1..min(max order, 4)
  std::optional<int64_t> context_cap;
  std::optional<int64_t> n_betas;
  std::optional<int64_t> restarts;
  std::optional<int64_t> max_iterations;
};

// A small task `infobound eval` scores every checkpoint on (docs/eval.md).
struct EvalTaskSpec {
  std::string name;
  std::string kind;      // next_token_accuracy | next_line_cloze
  CorpusSource source;   // the documents the task is built from
  int64_t window = 128;  // tokens per scored window (at most the models' context)
};

struct BenchmarkSpec {
  std::string name;
  std::filesystem::path path;       // empty for infobound_eval: its results are RUN/eval/<name>/
  std::string format;               // open_llm_leaderboard_v2 | lm_eval_harness | infobound_eval
  std::vector<EvalTaskSpec> tasks;  // infobound_eval only
};

struct StudyConfig {
  std::string name;
  std::string description;
  std::filesystem::path file;
  std::string yaml_text;  // the file as given, recorded in every output file
  std::vector<ModelSpec> models;
  CorpusSpec corpus;
  EstimatorSpec estimator;
  RuntimeSpec runtime;
  BoundSpec bound;
  std::vector<BenchmarkSpec> benchmarks;

  bool preference_enabled() const;
};

StudyConfig load_study_config(const std::filesystem::path& file);
StudyConfig parse_study_config(const std::string& yaml_text, const std::filesystem::path& file);

struct Manifest {
  std::string family;
  std::string description;
  std::vector<ModelSpec> models;
};
Manifest load_manifest(const std::filesystem::path& file);

// The part of the config that changes numbers (corpus content and settings, estimator, compute dtype,
// batching), in canonical form. Corpus files are identified by their SHA-256 when present.
nlohmann::json numbers_config(const StudyConfig& config);
// sha256 of numbers_config(config).dump() (sorted keys, no whitespace).
std::string config_hash(const StudyConfig& config);

std::string to_string(SourceFormat format);
std::string to_string(SequenceMode mode);
std::string to_string(WindowMode mode);
std::string to_string(TextSplit split);

}  // namespace infobound
