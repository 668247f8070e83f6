// Short real trainings of tiny models on the bundled corpus: checkpoints, load-back, loss, cache.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include <unistd.h>

#include "infobound/core/error.hpp"
#include "infobound/io/json_file.hpp"
#include "infobound/models/causal_lm.hpp"
#include "infobound/testing/scratch_dir.hpp"
#include "infobound/train/bpe_trainer.hpp"
#include "infobound/train/checkpoint.hpp"
#include "infobound/train/data.hpp"
#include "infobound/train/model_config.hpp"
#include "infobound/train/run.hpp"
#include "infobound/train/schedule.hpp"
#include "infobound/train/trainer.hpp"

#include <yaml-cpp/yaml.h>

using namespace infobound;
using namespace infobound::train;

namespace {

std::filesystem::path scratch(const std::string& name) { return infobound::testing::scratch_dir("train_" + name); }

// The first 150 kB of tinyshakespeare: enough text for a tiny model to learn from quickly.
std::string corpus_text() {
  const auto text = io::read_file_bytes(INFOBOUND_SOURCE_DIR "/data/corpus/tinyshakespeare.txt");
  return text.substr(0, text.find("\n\n", 150000) + 2);
}

ModelSpec tiny_model(const std::string& model_type) {
  ModelSpec spec;
  spec.family = {model_type == "llama" ? "tiny-llama" : "tiny-neox", model_type, nlohmann::json::object()};
  spec.size = {"xs", 32, 2, 4, 64, std::nullopt};
  spec.name = spec.family.name + "-xs";
  return spec;
}

OptimizerSpec short_schedule() {
  OptimizerSpec spec;
  spec.seed = 5;
  spec.steps = 24;
  spec.batch_size = 8;
  spec.learning_rate = 1e-2;
  spec.min_learning_rate = 1e-3;
  spec.warmup_steps = 4;
  return spec;
}

struct Fixture {
  std::filesystem::path dir;
  std::filesystem::path tokenizer_file;
  std::unique_ptr<TokenWindows> train, heldout;
};

Fixture prepare(const std::string& name, int64_t context) {
  Fixture f;
  f.dir = scratch(name);
  const std::string text = corpus_text();
  const auto tokenizer = ByteLevelBpe::train(text, {.vocab_size = 320});
  f.tokenizer_file = f.dir / "tokenizer.json";
  tokenizer.save(f.tokenizer_file);
  auto tokens = tokenize_split(split_text(text, 0.1, "corpus"), tokenizer);
  f.train = std::make_unique<TokenWindows>(std::move(tokens.train), context);
  f.heldout = std::make_unique<TokenWindows>(std::move(tokens.heldout), context);
  return f;
}

TrainJob job_for(const Fixture& f, const std::string& model_type) {
  TrainJob job;
  job.model = tiny_model(model_type);
  job.hf_config = hf_model_config(job.model, 320, f.train->context_length(), 0);
  job.dir = f.dir / job.model.name;
  job.tokenizer_file = f.tokenizer_file;
  job.train = f.train.get();
  job.train_sample = f.train->windows(0, 8);
  job.heldout_sample = f.heldout->windows(0, std::min<int64_t>(8, f.heldout->size()));
  job.optimizer = short_schedule();
  job.fingerprint = "test";
  return job;
}

}  // namespace

TEST(Trainer, HeldOutLossDecreasesAndCheckpointsAreWritten) {
  const Fixture f = prepare("loss", 32);
  for (const std::string model_type : {"gpt_neox", "llama"}) {
    const TrainJob job = job_for(f, model_type);
    const TrainResult result = train_model(job);
    const auto steps = checkpoint_steps(job.optimizer.steps);
    ASSERT_EQ(result.checkpoints.size(), steps.size());
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const auto& record = result.checkpoints[i];
      EXPECT_EQ(record.step, steps[i]);
      EXPECT_EQ(record.tokens_seen, steps[i] * 8 * 32);
      for (const char* file : {"config.json", "model.safetensors", "tokenizer.json", "training_state.json"}) {
        EXPECT_TRUE(std::filesystem::exists(record.dir / file)) << record.dir / file;
      }
    }
    // From uniform guessing (ln 320 = 5.77) to clearly better in 24 small steps.
    const double initial = result.checkpoints.front().heldout_loss, final = result.checkpoints.back().heldout_loss;
    EXPECT_NEAR(initial, std::log(320.0), 0.1) << model_type;
    EXPECT_LT(final, initial - 1.0) << model_type;
    EXPECT_LT(result.checkpoints[steps.size() - 2].heldout_loss, result.checkpoints[2].heldout_loss) << model_type;
    const auto state = io::read_json_file(result.checkpoints.back().dir / "training_state.json");
    EXPECT_EQ(state["step"], 24);
    EXPECT_EQ(state["is_final"], true);
    EXPECT_EQ(state["log_history"].size(), 24u);
    EXPECT_GT(result.tokens_per_second, 0);
  }
}

TEST(Trainer, SameSeedSameLosses) {
  const Fixture f = prepare("seed", 16);
  TrainJob job = job_for(f, "llama");
  job.optimizer.steps = 6;
  const auto a = train_model(job);
  const auto b = train_model(job);
  for (std::size_t i = 0; i < a.checkpoints.size(); ++i) {
    EXPECT_EQ(a.checkpoints[i].heldout_loss, b.checkpoints[i].heldout_loss);
  }
  job.optimizer.seed = 6;
  const auto c = train_model(job);
  EXPECT_NE(a.checkpoints.back().heldout_loss, c.checkpoints.back().heldout_loss);
}

TEST(Trainer, CheckpointsLoadBackWithTheSameLogits) {
  const Fixture f = prepare("reload", 32);
  for (const std::string model_type : {"gpt_neox", "llama"}) {
    TrainJob job = job_for(f, model_type);
    job.optimizer.steps = 5;
    const TrainResult result = train_model(job);
    const auto loaded = models::CausalLM::load(result.checkpoints.back().dir);
    EXPECT_EQ(loaded->info().n_parameters, result.n_parameters);
    const at::Tensor inputs = f.heldout->windows(0, 2).narrow(1, 0, 32);
    models::ForwardOptions options;
    options.compute_logits = true;
    at::NoGradGuard no_grad;
    const at::Tensor trained = result.model->forward(inputs, at::Tensor(), {}, options);
    const at::Tensor reloaded = loaded->forward(inputs, at::Tensor(), {}, options);
    EXPECT_TRUE(trained.equal(reloaded)) << model_type << ": max difference " << (trained - reloaded).abs().max().item<double>();
    // And the saved held-out loss is what the loaded checkpoint scores.
    EXPECT_NEAR(mean_loss(*loaded, job.heldout_sample, 8), result.checkpoints.back().heldout_loss, 1e-6);
  }
}

TEST(TrainAll, SecondRunIsCachedAndAConfigChangeRetrains) {
  const auto dir = scratch("cache");
  { std::ofstream(dir / "corpus.txt") << corpus_text(); }
  TrainConfig config;
  config.source = dir / "train.yaml";
  config.corpus = dir / "corpus.txt";
  config.output = dir / "out";
  config.manifest = dir / "manifests" / "tiny.yaml";
  config.tokenizer.vocab_size = 300;
  config.data.context_length = 16;
  config.data.eval_windows = 4;
  config.optimizer = short_schedule();
  config.optimizer.steps = 3;
  config.optimizer.warmup_steps = 1;
  config.families = {tiny_model("gpt_neox").family, tiny_model("llama").family};
  config.sizes = {tiny_model("llama").size};

  EXPECT_THROW(train_all(config, {.force = false, .only = {"no-such-model"}}), InputError);
  const auto first = train_all(config);
  ASSERT_EQ(first.models.size(), 2u);
  EXPECT_FALSE(first.tokenizer_cached);
  EXPECT_FALSE(first.models[0].cached);
  const auto manifest = YAML::LoadFile(config.manifest.string());
  EXPECT_EQ(manifest["models"].size(), 2u);
  EXPECT_EQ(manifest["models"][0]["name"].as<std::string>(), "tiny-neox-xs");
  EXPECT_EQ(manifest["models"][0]["params"].as<int64_t>(), first.models[0].n_parameters);
  const auto checkpoints = manifest["models"][1]["checkpoints"];
  ASSERT_EQ(checkpoints.size(), 4u);  // steps 0, 1, 2, 3
  EXPECT_EQ(checkpoints[3]["step"].as<int64_t>(), 3);
  EXPECT_EQ(checkpoints[3]["tokens"].as<int64_t>(), 3 * 8 * 16);
  EXPECT_EQ(checkpoints[3]["name"].as<std::string>(), "step3");
  EXPECT_EQ(checkpoints[3]["path"].as<std::string>(), "../out/tiny-llama-xs/step3");

  const auto second = train_all(config);
  EXPECT_TRUE(second.tokenizer_cached);
  for (std::size_t m = 0; m < 2; ++m) {
    EXPECT_TRUE(second.models[m].cached);
    EXPECT_EQ(second.models[m].checkpoints.back().heldout_loss, first.models[m].checkpoints.back().heldout_loss);
  }

  config.optimizer.learning_rate = 5e-3;
  const auto third = train_all(config);
  EXPECT_FALSE(third.models[0].cached);
  EXPECT_FALSE(third.models[1].cached);

  // A checkpoint that lost a file is not trusted.
  std::filesystem::remove(config.output / "tiny-neox-xs" / "step2" / "model.safetensors");
  const auto fourth = train_all(config);
  EXPECT_FALSE(fourth.models[0].cached);
  EXPECT_TRUE(fourth.models[1].cached);
}
