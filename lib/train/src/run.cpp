#include "infobound/train/run.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include <ATen/Parallel.h>

#include "infobound/core/error.hpp"
#include "infobound/core/log.hpp"
#include "infobound/io/json_file.hpp"
#include "infobound/train/bpe_trainer.hpp"
#include "infobound/train/checkpoint.hpp"
#include "infobound/train/data.hpp"
#include "infobound/train/fingerprint.hpp"
#include "infobound/train/manifest.hpp"
#include "infobound/train/model_config.hpp"
#include "infobound/train/schedule.hpp"

namespace infobound::train {
namespace {

constexpr const char* kTokenizerStateFile = "tokenizer_state.json";

nlohmann::json tokenizer_key(const TokenizerSpec& spec, const std::string& corpus_hash) {
  return {{"vocab_size", spec.vocab_size},
          {"min_frequency", spec.min_frequency},
          {"special_tokens", spec.special_tokens},
          {"corpus_fnv1a64", corpus_hash},
          {"trainer", "byte-level-bpe/1"}};
}

// The tokenizer of <output>/tokenizer/, trained unless one made from the same corpus and
// options is already there.
ByteLevelBpe prepare_tokenizer(const TrainConfig& config, const std::string& corpus, const std::string& corpus_hash, bool force,
                               std::filesystem::path& file, bool& cached) {
  const auto dir = config.output / "tokenizer";
  file = dir / "tokenizer.json";
  const nlohmann::json key = tokenizer_key(config.tokenizer, corpus_hash);
  const auto state_path = dir / kTokenizerStateFile;
  if (!force && std::filesystem::exists(file) && std::filesystem::exists(state_path)) {
    try {
      if (io::read_json_file(state_path) == key) {
        cached = true;
        return ByteLevelBpe::load(file);
      }
    } catch (const InputError& e) {
      log::warn(std::string("retraining the tokenizer: ") + e.what());
    }
  }
  log::info("training a byte-level BPE tokenizer with " + std::to_string(config.tokenizer.vocab_size) + " tokens on " +
            config.corpus.string());
  const BpeTrainerOptions options{config.tokenizer.vocab_size, config.tokenizer.min_frequency, config.tokenizer.special_tokens};
  ByteLevelBpe tokenizer = ByteLevelBpe::train(corpus, options, config.corpus.string());
  if (tokenizer.vocab_size() < config.tokenizer.vocab_size) {
    log::warn("the corpus supports only " + std::to_string(tokenizer.vocab_size()) + " tokens with min_frequency " +
              std::to_string(config.tokenizer.min_frequency));
  }
  std::filesystem::create_directories(dir);
  tokenizer.save(file);
  std::ofstream(state_path) << key.dump(2) << '\n';
  cached = false;
  return tokenizer;
}

// `count` windows spread evenly over the whole set, so the sample sees every part of the text.
at::Tensor spread_sample(const TokenWindows& windows, int64_t count) {
  count = std::min(count, windows.size());
  std::vector<int64_t> indices;
  for (int64_t i = 0; i < count; ++i) indices.push_back(i * windows.size() / count);
  return windows.gather(indices);
}

std::string format(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

}  // namespace

TrainSummary train_all(const TrainConfig& config, const TrainRunOptions& options) {
  const auto specs = model_specs(config);
  for (const auto& name : options.only) {
    if (std::none_of(specs.begin(), specs.end(), [&](const ModelSpec& spec) { return spec.name == name; })) {
      std::string known;
      for (const auto& spec : specs) known += (known.empty() ? "" : ", ") + spec.name;
      throw InputError(config.source.string() + ": no model named '" + name + "' (models: " + known + ")");
    }
  }
  if (config.threads > 0) at::set_num_threads(config.threads);
  const std::string corpus = io::read_file_bytes(config.corpus);
  if (corpus.empty()) throw InputError(config.corpus.string() + ": empty corpus");
  const std::string corpus_hash = hex64(fnv1a64(corpus));

  TrainSummary summary;
  const ByteLevelBpe tokenizer =
      prepare_tokenizer(config, corpus, corpus_hash, options.force, summary.tokenizer_file, summary.tokenizer_cached);
  summary.vocab_size = tokenizer.vocab_size();

  const TextSplit text = split_text(corpus, config.data.heldout_fraction, config.corpus.string());
  TokenSplit tokens = tokenize_split(text, tokenizer);
  summary.train_tokens = static_cast<int64_t>(tokens.train.size());
  summary.heldout_tokens = static_cast<int64_t>(tokens.heldout.size());
  const TokenWindows train_windows(std::move(tokens.train), config.data.context_length);
  const TokenWindows heldout_windows(std::move(tokens.heldout), config.data.context_length);
  if (heldout_windows.size() == 0) {
    throw InputError(config.corpus.string() + ": the held-out part has fewer than " +
                     std::to_string(config.data.context_length + 1) + " tokens; raise data.heldout_fraction");
  }
  log::info("corpus: " + std::to_string(summary.train_tokens) + " training and " + std::to_string(summary.heldout_tokens) +
            " held-out tokens (" + std::to_string(train_windows.size()) + " training windows of " +
            std::to_string(config.data.context_length) + ")");
  const at::Tensor train_sample = spread_sample(train_windows, config.data.eval_windows);
  const at::Tensor heldout_sample = spread_sample(heldout_windows, config.data.eval_windows);
  const auto eos_id = tokenizer.special_ids().empty() ? int64_t{0} : tokenizer.special_ids().front();
  const std::vector<int64_t> steps = checkpoint_steps(config.optimizer.steps);

  for (const auto& spec : specs) {
    if (!options.only.empty() && std::find(options.only.begin(), options.only.end(), spec.name) == options.only.end()) continue;
    TrainedModel trained;
    trained.spec = spec;
    trained.dir = config.output / spec.name;
    trained.hf_config = hf_model_config(spec, tokenizer.vocab_size(), config.data.context_length, eos_id);
    // Everything that changes the weights: a different value retrains the model.
    const nlohmann::json key = {{"hf_config", trained.hf_config},
                                {"tokenizer", fingerprint(tokenizer.to_tokenizer_json())},
                                {"corpus_fnv1a64", corpus_hash},
                                {"heldout_fraction", config.data.heldout_fraction},
                                {"eval_windows", config.data.eval_windows},
                                {"optimizer",
                                 {{"seed", config.optimizer.seed},
                                  {"steps", config.optimizer.steps},
                                  {"batch_size", config.optimizer.batch_size},
                                  {"learning_rate", config.optimizer.learning_rate},
                                  {"min_learning_rate", config.optimizer.min_learning_rate},
                                  {"warmup_steps", config.optimizer.warmup_steps},
                                  {"weight_decay", config.optimizer.weight_decay},
                                  {"beta1", config.optimizer.beta1},
                                  {"beta2", config.optimizer.beta2},
                                  {"epsilon", config.optimizer.epsilon},
                                  {"grad_clip", config.optimizer.grad_clip}}},
                                {"trainer", "infobound-train/1"}};
    const std::string run_fingerprint = fingerprint(key);

    if (auto cached = options.force ? std::nullopt : cached_checkpoints(trained.dir, steps, run_fingerprint)) {
      trained.cached = true;
      trained.checkpoints = std::move(*cached);
      trained.n_parameters = io::read_json_file(trained.checkpoints.back().dir / kTrainingStateFile).at("n_parameters");
      log::info(spec.name + ": " + std::to_string(trained.checkpoints.size()) + " checkpoints up to date in " +
                trained.dir.string() + ", skipped");
    } else {
      TrainJob job;
      job.model = spec;
      job.hf_config = trained.hf_config;
      job.dir = trained.dir;
      job.tokenizer_file = summary.tokenizer_file;
      job.train = &train_windows;
      job.train_sample = train_sample;
      job.heldout_sample = heldout_sample;
      job.optimizer = config.optimizer;
      job.fingerprint = run_fingerprint;
      job.provenance = {{"corpus", config.corpus.filename().string()},
                        {"corpus_fnv1a64", corpus_hash},
                        {"train_tokens", summary.train_tokens},
                        {"heldout_tokens", summary.heldout_tokens},
                        {"fingerprint_inputs", key}};
      log::info(spec.name + ": training " + std::to_string(config.optimizer.steps) + " steps of " +
                std::to_string(config.optimizer.batch_size) + " x " + std::to_string(config.data.context_length) +
                " tokens into " + trained.dir.string());
      const TrainResult result = train_model(job);
      trained.checkpoints = result.checkpoints;
      trained.n_parameters = result.n_parameters;
      trained.tokens_per_second = result.tokens_per_second;
      trained.train_seconds = result.train_seconds;
      trained.total_seconds = result.total_seconds;
      log::info(spec.name + ": " + std::to_string(result.n_parameters) + " parameters, " +
                format("%.0f", result.tokens_per_second) + " training tokens/s, " + format("%.1f", result.total_seconds) +
                " s in all");
    }
    summary.models.push_back(std::move(trained));
  }
  if (options.only.empty()) {
    write_manifest(summary, config, config.manifest);
    summary.manifest = config.manifest;
  }
  return summary;
}

}  // namespace infobound::train
