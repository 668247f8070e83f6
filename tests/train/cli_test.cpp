// `infobound train` end to end on a tiny config: checkpoints, manifest, cache, and config errors.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>
#include <sstream>

#include "scratch_dir.hpp"
#include "infobound/io/json_file.hpp"

namespace {

const std::filesystem::path kBinary = std::filesystem::path(INFOBOUND_BINARY_DIR) / "apps" / "infobound" / "infobound";

struct Result {
  int exit_code;
  std::string out;
  std::string err;
};

Result train(const std::filesystem::path& dir, const std::string& arguments) {
  const auto out = dir / "stdout", err = dir / "stderr";
  const std::string command = kBinary.string() + " train " + arguments + " >" + out.string() + " 2>" + err.string();
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, infobound::io::read_file_bytes(out),
          infobound::io::read_file_bytes(err)};
}

std::filesystem::path scratch(const std::string& name) { return scratch_dir("train_cli_" + name); }

std::string tiny_config() {
  return "corpus: " INFOBOUND_SOURCE_DIR "/data/corpus/tinyshakespeare.txt\n"
         "output: out\nmanifest: manifests/tiny.yaml\nthreads: 1\n"
         "tokenizer: {vocab_size: 300}\n"
         "data: {context_length: 16, eval_windows: 2}\n"
         "training: {steps: 2, warmup_steps: 1, batch_size: 2}\n"
         "families:\n  - {name: neox, model_type: gpt_neox}\n  - {name: llama, model_type: llama}\n"
         "sizes:\n  - {name: xs, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32}\n";
}

}  // namespace

TEST(TrainCli, TrainsThenSkipsCachedModels) {
  ASSERT_TRUE(std::filesystem::exists(kBinary)) << kBinary;
  const auto dir = scratch("ok");
  std::ofstream(dir / "train.yaml") << tiny_config();
  const auto first = train(dir, "--config " + (dir / "train.yaml").string());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("neox-xs"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("llama-xs"), std::string::npos) << first.out;
  for (const char* step : {"step0", "step1", "step2"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / "out" / "llama-xs" / step / "model.safetensors")) << step;
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "manifests" / "tiny.yaml"));

  const auto second = train(dir, "--config " + (dir / "train.yaml").string());
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.out.find("cached"), std::string::npos) << second.out;
  EXPECT_NE(second.err.find("skipped"), std::string::npos) << second.err;
}

TEST(TrainCli, ConfigErrorsNameFileAndLine) {
  ASSERT_TRUE(std::filesystem::exists(kBinary)) << kBinary;
  const auto dir = scratch("bad");
  std::string text = tiny_config();
  text.replace(text.find("threads: 1"), 10, "thread: 1");
  std::ofstream(dir / "train.yaml") << text;
  const auto result = train(dir, "--config " + (dir / "train.yaml").string());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("train.yaml:4"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("unknown key 'thread'"), std::string::npos) << result.err;
  const auto missing = train(dir, "--config " + (dir / "nope.yaml").string());
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("nope.yaml"), std::string::npos) << missing.err;
}
