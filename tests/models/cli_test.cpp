// The built CLI: hidden-states reproduces the goldens from a golden file used as input, and
// inspect / bad inputs behave as documented.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "golden_support.hpp"
#include "infobound/io/safetensors.hpp"
#include "infobound/testing/cli.hpp"
#include "infobound/testing/scratch_dir.hpp"

namespace fs = std::filesystem;
using namespace infobound;

namespace {

const fs::path kBinary = infobound::testing::infobound_binary();

struct Result {
  int exit_code;
  std::string output;  // stdout and stderr
};

Result run(const std::string& arguments) {
  const auto result = infobound::testing::run_cli(arguments);
  return {result.exit_code, result.both()};
}

fs::path out_file(const std::string& tag) { return infobound::testing::scratch_dir("models_cli") / (tag + ".safetensors"); }

void expect_matches_golden(const fs::path& output, const fs::path& golden_path, double rtol) {
  const auto got = io::SafetensorsFile::open(output);
  const auto golden = io::SafetensorsFile::open(golden_path);
  const at::Tensor mask = golden.tensor("attention_mask");
  for (const auto& t : golden.tensors()) {
    if (t.name.rfind("hidden_states.", 0) != 0 && t.name != "logits") continue;
    ASSERT_TRUE(got.contains(t.name)) << t.name;
    EXPECT_EQ(got.view(t.name).dtype, io::Dtype::F32);
    EXPECT_LE(test::excess_over_rtol(got.tensor(t.name), golden.tensor(t.name), mask, rtol), 1e-4) << t.name;
  }
  EXPECT_TRUE(at::equal(got.tensor("position_ids"), golden.tensor("position_ids")));
}

class CliGolden : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kBinary)) GTEST_SKIP() << "binary not built: " << kBinary;
    if (!fs::exists(test::fixtures() / "models")) GTEST_SKIP() << "fixtures not found: " << test::fixtures();
  }
};

TEST_F(CliGolden, HiddenStatesMatchGoldenForEachFixtureLayout) {
  for (const std::string model : {"gpt_neox", "gemma2", "gpt2", "llama-sharded", "llama-bf16"}) {
    const fs::path dir = test::fixtures() / "models" / model;
    const auto out = out_file(model);
    const auto result = run("hidden-states --threads 2 --model " + dir.string() + " --input " +
                            (dir / "golden.safetensors").string() + " --output " + out.string());
    ASSERT_EQ(result.exit_code, 0) << result.output;
    expect_matches_golden(out, dir / "golden.safetensors", 1e-4);
  }
}

TEST_F(CliGolden, PositionsFromMaskReproduceTheLeftPaddedGolden) {
  const fs::path dir = test::fixtures() / "models" / "qwen2";
  const auto out = out_file("posids");
  const auto result = run("hidden-states --threads 2 --positions-from-mask --model " + dir.string() + " --input " +
                          (dir / "golden_leftpad_posids.safetensors").string() + " --output " + out.string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  expect_matches_golden(out, dir / "golden_leftpad_posids.safetensors", 1e-4);
}

TEST_F(CliGolden, TinyStoriesOnRealText) {
  const fs::path dir = test::fixtures() / "real" / "tinystories-656k";
  if (!fs::exists(dir)) GTEST_SKIP() << "fixture not found: " << dir;
  const auto out = out_file("tinystories");
  const auto result = run("hidden-states --threads 2 --model " + dir.string() + " --input " +
                          (dir / "golden.safetensors").string() + " --output " + out.string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  expect_matches_golden(out, dir / "golden.safetensors", 1e-5);
}

TEST_F(CliGolden, Bfloat16RunWritesFloat32) {
  const fs::path dir = test::fixtures() / "models" / "llama";
  const auto out = out_file("bf16");
  const auto result = run("hidden-states --threads 2 --dtype bfloat16 --model " + dir.string() + " --input " +
                          (dir / "golden.safetensors").string() + " --output " + out.string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto got = io::SafetensorsFile::open(out);
  EXPECT_EQ(got.view("hidden_states.3").dtype, io::Dtype::F32);
  const auto golden = io::SafetensorsFile::open(dir / "golden.safetensors");
  const double diff = test::max_abs_diff(got.tensor("logits"), golden.tensor("logits"), golden.tensor("attention_mask"));
  EXPECT_GT(diff, 1e-5);
  EXPECT_LT(diff, 0.15);
}

TEST_F(CliGolden, InspectDescribesTheModel) {
  const auto result = run("inspect --model " + (test::fixtures() / "real" / "tinystories-656k").string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("family:          llama"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("stored dtypes:   BF16"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("layers:          2"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("hidden size:     128"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("vocabulary:      2048"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("tied embeddings: yes"), std::string::npos) << result.output;
  const auto neox = run("inspect --json --model " + (test::fixtures() / "models" / "gpt_neox").string());
  ASSERT_EQ(neox.exit_code, 0) << neox.output;
  const auto json = nlohmann::json::parse(neox.output);
  EXPECT_EQ(json["family"], "gpt_neox");
  EXPECT_EQ(json["tied_embeddings"], false);
  // 2 embeddings + 3 layers (LayerNorms, fused qkv, dense, MLP) + final LayerNorm.
  const int64_t layer = 4 * 64 + (3 * 64 * 64 + 3 * 64) + (64 * 64 + 64) + (256 * 64 + 256) + (64 * 256 + 64);
  EXPECT_EQ(json["parameters"], 2 * 512 * 64 + 3 * layer + 2 * 64);
}

TEST_F(CliGolden, BadInputsExitWithCodeTwoAndAMessage) {
  const auto missing = run("inspect --model /nonexistent/model");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.output.find("/nonexistent/model: no config.json"), std::string::npos) << missing.output;
  const fs::path dir = test::fixtures() / "models" / "llama";
  const auto no_ids = run("hidden-states --model " + dir.string() + " --input " + (dir / "model.safetensors").string() +
                          " --output " + out_file("bad").string());
  EXPECT_EQ(no_ids.exit_code, 2);
  EXPECT_NE(no_ids.output.find("no tensor 'input_ids'"), std::string::npos) << no_ids.output;
  const auto bad_dtype = run("hidden-states --dtype float8 --model " + dir.string() + " --input x --output y");
  EXPECT_EQ(bad_dtype.exit_code, 2);
  EXPECT_NE(bad_dtype.output.find("--dtype must be float32 or bfloat16"), std::string::npos) << bad_dtype.output;
}

// bench forward names its device in the JSON; an unknown device, or CUDA where this libtorch or
// machine has none, is a usage error, not a crash.
TEST_F(CliGolden, BenchForwardRunsOnTheDeviceItNames) {
  const std::string model =
      "bench forward --batch 1 --length 8 --reps 1 --model " + (test::fixtures() / "models" / "llama").string();
  const auto cpu = run(model + " --device cpu");
  ASSERT_EQ(cpu.exit_code, 0) << cpu.output;
  const auto json = nlohmann::json::parse(cpu.output.substr(cpu.output.find('{')));
  EXPECT_EQ(json["device"], "cpu");
  EXPECT_GT(json["tokens_per_second"].get<double>(), 0.0);
  EXPECT_GT(json["matmul_peak_gflops"].get<double>(), 0.0);
  const auto tpu = run(model + " --device tpu");
  EXPECT_EQ(tpu.exit_code, 2);
  EXPECT_NE(tpu.output.find("--device must be cpu or cuda, got 'tpu'"), std::string::npos) << tpu.output;
  if (at::hasCUDA()) return;
  const auto cuda = run(model + " --device cuda");
  EXPECT_EQ(cuda.exit_code, 2);
  EXPECT_NE(cuda.output.find("no CUDA support"), std::string::npos) << cuda.output;
}

}  // namespace
