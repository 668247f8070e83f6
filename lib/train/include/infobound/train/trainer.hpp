#pragma once
// Training one causal LM: AdamW with warm-up + cosine schedule, gradient clipping, held-out
// evaluation and Hugging Face checkpoints at log-spaced steps.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include "infobound/models/causal_lm.hpp"
#include "infobound/train/config.hpp"
#include "infobound/train/data.hpp"

namespace infobound::train {

// What training_state.json of one checkpoint records (docs/train.md).
struct CheckpointRecord {
  int64_t step = 0;
  int64_t tokens_seen = 0;   // training tokens (predicted positions) consumed by updates so far
  double train_loss = 0;     // mean next-token cross-entropy (nats) on the fixed train sample
  double heldout_loss = 0;   // same on the fixed held-out sample
  double learning_rate = 0;  // of the last update (0 at step 0)
  std::filesystem::path dir;
};

struct TrainJob {
  ModelSpec model;
  nlohmann::json hf_config;              // config.json of the model
  std::filesystem::path dir;             // checkpoints go to dir/step<N>/
  std::filesystem::path tokenizer_file;  // copied into every checkpoint
  const TokenWindows* train = nullptr;   // training windows
  at::Tensor train_sample;               // [N, T+1] windows scored at checkpoints
  at::Tensor heldout_sample;             // [M, T+1]
  OptimizerSpec optimizer;
  std::string fingerprint;                               // identifies the run; written into every checkpoint
  nlohmann::json provenance = nlohmann::json::object();  // extra fields for training_state.json
};

struct TrainResult {
  std::vector<CheckpointRecord> checkpoints;
  int64_t n_parameters = 0;
  double train_seconds = 0;                 // forward + backward + update only
  double total_seconds = 0;                 // including evaluation and checkpoint writing
  double tokens_per_second = 0;             // training tokens / train_seconds
  std::shared_ptr<models::CausalLM> model;  // the final in-memory model
};

// One optimiser update: forward, next-token cross-entropy, backward, global-norm clipping, AdamW
// (weight decay on matrices only). Shared by the training loop and bench/train.
class TrainingStep {
 public:
  TrainingStep(models::CausalLM& model, const OptimizerSpec& spec);
  ~TrainingStep();
  struct Stats {
    double loss = 0;       // mean cross-entropy of the batch before the update (nats)
    double grad_norm = 0;  // global gradient norm before clipping
  };
  Stats run(const at::Tensor& windows, double learning_rate);  // windows [B, T+1]

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Mean next-token cross-entropy (nats per token) of `windows` [N, T+1], in batches, no gradients.
double mean_loss(models::CausalLM& model, const at::Tensor& windows, int64_t batch_size);

// Trains from a fresh initialisation seeded with job.optimizer.seed and writes every checkpoint
// of checkpoint_steps(steps). `on_checkpoint` is called after each one is on disk.
TrainResult train_model(const TrainJob& job, const std::function<void(const CheckpointRecord&)>& on_checkpoint = {});

}  // namespace infobound::train
