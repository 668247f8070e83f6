#pragma once
// The training config (configs/train-mini.yaml): corpus, tokenizer, data, optimiser, and the
// families x sizes to train. Documented in docs/train.md.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace infobound::train {

struct TokenizerSpec {
  int64_t vocab_size = 1024;
  int64_t min_frequency = 2;
  std::vector<std::string> special_tokens{"<|endoftext|>"};
};

struct DataSpec {
  int64_t context_length = 128;
  double heldout_fraction = 0.1;  // the corpus tail, cut at a blank line
  int64_t eval_windows = 16;      // windows of train and of held-out text scored at each checkpoint
};

struct OptimizerSpec {
  uint64_t seed = 1234;  // model initialisation and data order
  int64_t steps = 300;
  int64_t batch_size = 8;
  double learning_rate = 3e-3;
  double min_learning_rate = 3e-4;
  int64_t warmup_steps = 30;
  double weight_decay = 0.1;  // on matrices only (embeddings and projections)
  double beta1 = 0.9;
  double beta2 = 0.95;
  double epsilon = 1e-8;
  double grad_clip = 1.0;  // max global gradient norm; 0 disables clipping
};

// A family fixes the architecture (model_type) and its recipe keys of config.json.
struct FamilySpec {
  std::string name;
  std::string model_type;  // gpt_neox | llama (any model_type of lib/models that can be built from a config)
  nlohmann::json config = nlohmann::json::object();  // extra config.json keys, passed through
};

struct SizeSpec {
  std::string name;
  int64_t hidden_size = 64;
  int64_t num_hidden_layers = 2;
  int64_t num_attention_heads = 4;
  int64_t intermediate_size = 256;
  std::optional<int64_t> num_key_value_heads;
};

struct TrainConfig {
  std::filesystem::path source;  // the YAML file; relative paths below are resolved against its folder
  std::filesystem::path corpus;
  std::filesystem::path output;    // checkpoints go to <output>/<family>-<size>/step<N>/
  std::filesystem::path manifest;  // the model manifest written after training
  int threads = 0;                 // torch intra-op threads; 0 = number of cores
  TokenizerSpec tokenizer;
  DataSpec data;
  OptimizerSpec optimizer;
  std::vector<FamilySpec> families;
  std::vector<SizeSpec> sizes;

  // Reads and validates a YAML file; unknown keys, wrong types and bad values throw InputError
  // naming the file and line.
  static TrainConfig load(const std::filesystem::path& path);
};

// One model to train: a family at a size, named "<family>-<size>".
struct ModelSpec {
  std::string name;
  FamilySpec family;
  SizeSpec size;
};
std::vector<ModelSpec> model_specs(const TrainConfig& config);

}  // namespace infobound::train
