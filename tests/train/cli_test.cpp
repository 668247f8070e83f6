// `infobound train` end to end on a tiny config: checkpoints, manifest, cache, and config errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "infobound/io/json_file.hpp"
#include "infobound/testing/cli.hpp"
#include "infobound/testing/scratch_dir.hpp"

namespace {

using infobound::testing::CliResult;
using infobound::testing::infobound_binary;

CliResult train(const std::string& arguments) { return infobound::testing::run_cli("train " + arguments); }

std::filesystem::path scratch(const std::string& name) { return infobound::testing::scratch_dir("train_cli_" + name); }

std::string tiny_config() {
  return "corpus: " INFOBOUND_SOURCE_DIR
         "/data/corpus/tinyshakespeare.txt\n"
         "output: out\nmanifest: manifests/tiny.yaml\nthreads: 1\n"
         "tokenizer: {vocab_size: 300}\n"
         "data: {context_length: 16, eval_windows: 2}\n"
         "training: {steps: 2, warmup_steps: 1, batch_size: 2}\n"
         "families:\n  - {name: neox, model_type: gpt_neox}\n  - {name: llama, model_type: llama}\n"
         "sizes:\n  - {name: xs, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32}\n";
}

}  // namespace

TEST(TrainCli, TrainsThenSkipsCachedModels) {
  ASSERT_TRUE(std::filesystem::exists(infobound_binary())) << infobound_binary();
  const auto dir = scratch("ok");
  std::ofstream(dir / "train.yaml") << tiny_config();
  const auto first = train("--config " + (dir / "train.yaml").string());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("neox-xs"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("llama-xs"), std::string::npos) << first.out;
  for (const char* step : {"step0", "step1", "step2"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / "out" / "llama-xs" / step / "model.safetensors")) << step;
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "manifests" / "tiny.yaml"));

  const auto second = train("--config " + (dir / "train.yaml").string());
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.out.find("cached"), std::string::npos) << second.out;
  EXPECT_NE(second.err.find("skipped"), std::string::npos) << second.err;
}

TEST(TrainCli, ConfigErrorsNameFileAndLine) {
  ASSERT_TRUE(std::filesystem::exists(infobound_binary())) << infobound_binary();
  const auto dir = scratch("bad");
  std::string text = tiny_config();
  text.replace(text.find("threads: 1"), 10, "thread: 1");
  std::ofstream(dir / "train.yaml") << text;
  const auto result = train("--config " + (dir / "train.yaml").string());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("train.yaml:4"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("unknown key 'thread'"), std::string::npos) << result.err;
  const auto missing = train("--config " + (dir / "nope.yaml").string());
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("nope.yaml"), std::string::npos) << missing.err;
}
