#pragma once
// `infobound train`: tokenizer, data and every family x size of a training config, reusing what
// is already on disk and matches the config, then the model manifest.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "infobound/train/config.hpp"
#include "infobound/train/trainer.hpp"

namespace infobound::train {

struct TrainedModel {
  ModelSpec spec;
  std::filesystem::path dir;  // <output>/<name>
  nlohmann::json hf_config;
  int64_t n_parameters = 0;
  bool cached = false;           // reused from disk, not trained in this run
  double tokens_per_second = 0;  // training throughput (0 when cached)
  double train_seconds = 0;
  double total_seconds = 0;
  std::vector<CheckpointRecord> checkpoints;
};

struct TrainSummary {
  std::filesystem::path tokenizer_file;
  bool tokenizer_cached = false;
  int64_t vocab_size = 0;
  int64_t train_tokens = 0;
  int64_t heldout_tokens = 0;
  std::vector<TrainedModel> models;
  std::filesystem::path manifest;
};

struct TrainRunOptions {
  bool force = false;             // retrain even when matching checkpoints exist
  std::vector<std::string> only;  // model names to train; empty = all
};

TrainSummary train_all(const TrainConfig& config, const TrainRunOptions& options = {});

}  // namespace infobound::train
