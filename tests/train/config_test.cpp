#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "infobound/core/error.hpp"
#include "infobound/testing/scratch_dir.hpp"
#include "infobound/train/config.hpp"

using infobound::train::TrainConfig;

namespace {
std::filesystem::path write_config(const std::string& name, const std::string& text) {
  static const std::filesystem::path dir = infobound::testing::scratch_dir("train_config");
  const auto path = dir / name;
  std::ofstream(path) << text;
  return path;
}

const std::string kValid = R"(corpus: ../data/corpus.txt
output: out/train
manifest: out/manifest.yaml
tokenizer:
  vocab_size: 512
data:
  context_length: 64
training:
  seed: 7
  steps: 20
  warmup_steps: 5
  learning_rate: 1.0e-3
families:
  - name: neox
    model_type: gpt_neox
    config:
      rotary_pct: 0.25
      use_parallel_residual: true
  - name: llama
    model_type: llama
sizes:
  - name: s
    hidden_size: 32
    num_hidden_layers: 2
    num_attention_heads: 4
    intermediate_size: 64
)";

std::string error_of(const std::string& text) {
  try {
    TrainConfig::load(write_config("bad.yaml", text));
  } catch (const infobound::InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(TrainConfig, ReadsValuesAndResolvesPathsAgainstTheFile) {
  const auto path = write_config("ok.yaml", kValid);
  const auto config = TrainConfig::load(path);
  EXPECT_EQ(config.corpus, (path.parent_path() / "../data/corpus.txt").lexically_normal());
  EXPECT_EQ(config.output, path.parent_path() / "out/train");
  EXPECT_EQ(config.tokenizer.vocab_size, 512);
  EXPECT_EQ(config.data.context_length, 64);
  EXPECT_EQ(config.optimizer.seed, 7u);
  EXPECT_DOUBLE_EQ(config.optimizer.learning_rate, 1e-3);
  EXPECT_EQ(config.optimizer.batch_size, 8);  // default
  ASSERT_EQ(config.families.size(), 2u);
  EXPECT_EQ(config.families[0].config["rotary_pct"], 0.25);
  EXPECT_EQ(config.families[0].config["use_parallel_residual"], true);
  const auto models = infobound::train::model_specs(config);
  ASSERT_EQ(models.size(), 2u);
  EXPECT_EQ(models[0].name, "neox-s");
  EXPECT_EQ(models[1].name, "llama-s");
}

TEST(TrainConfig, UnknownKeyNamesFileAndLine) {
  std::string text = kValid;
  text.replace(text.find("  steps: 20"), 11, "  stepz: 20");
  const auto what = error_of(text);
  EXPECT_NE(what.find("bad.yaml:10"), std::string::npos) << what;
  EXPECT_NE(what.find("unknown key 'stepz'"), std::string::npos) << what;
}

TEST(TrainConfig, BadValuesAreErrors) {
  auto with = [](const std::string& from, const std::string& to) {
    std::string text = kValid;
    text.replace(text.find(from), from.size(), to);
    return error_of(text);
  };
  EXPECT_NE(with("vocab_size: 512", "vocab_size: 100").find("at least 257"), std::string::npos);
  EXPECT_NE(with("steps: 20", "steps: many").find("must be an integer"), std::string::npos);
  EXPECT_NE(with("num_attention_heads: 4", "num_attention_heads: 5").find("not divisible"), std::string::npos);
  EXPECT_NE(with("name: llama", "name: neox").find("used twice"), std::string::npos);
  EXPECT_NE(with("      rotary_pct: 0.25", "      hidden_size: 8").find("must not set 'hidden_size'"), std::string::npos);
  EXPECT_NE(with("corpus: ../data/corpus.txt\n", "").find("lacks the key 'corpus'"), std::string::npos);
  EXPECT_NE(error_of("corpus: [unclosed").find("invalid YAML"), std::string::npos);
}
