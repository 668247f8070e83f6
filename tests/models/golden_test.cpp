// Every fixture in ../shared/fixtures/models against HF transformers' hidden states and logits
// (MANIFEST.md: compare real tokens only, atol 1e-4 rtol 1e-4 in float32). INFOBOUND_TEST_DEVICE=cuda
// runs the model on a GPU instead (docs/cuda.md); the tolerances stay the same.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <map>

#include <ATen/Parallel.h>

#include "golden_support.hpp"
#include "infobound/core/error.hpp"
#include "infobound/io/json_file.hpp"
#include "infobound/io/safetensors.hpp"
#include "infobound/models/causal_lm.hpp"

namespace fs = std::filesystem;
using namespace infobound;

namespace {

struct GoldenCase {
  std::string model;
  std::string golden;  // file name inside the model directory
};

std::string case_name(const ::testing::TestParamInfo<GoldenCase>& info) {
  std::string name = info.param.model + "_" + info.param.golden.substr(0, info.param.golden.find('.'));
  for (auto& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

std::vector<GoldenCase> all_cases() {
  std::vector<GoldenCase> cases;
  for (const char* model : {"gpt_neox", "llama", "llama3_rope", "olmo2", "qwen2", "gemma", "gemma2", "gpt2"})
    for (const char* golden : {"golden.safetensors", "golden_leftpad.safetensors", "golden_leftpad_posids.safetensors"})
      cases.push_back({model, golden});
  cases.push_back({"llama-sharded", "golden.safetensors"});
  cases.push_back({"llama-bf16", "golden.safetensors"});
  // PyTorch .bin twins (MANIFEST.md, "PyTorch .bin checkpoints"): the same goldens from torch.save files.
  for (const char* model : {"llama-bin", "gpt_neox-bin-sharded", "llama-bf16-bin", "gpt2-bin-legacy"})
    cases.push_back({model, "golden.safetensors"});
  return cases;
}

class ModelGolden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(ModelGolden, HiddenStatesAndLogitsMatchTransformers) {
  at::set_num_threads(2);
  const fs::path dir = test::fixtures() / "models" / GetParam().model;
  const fs::path golden_path = dir / GetParam().golden;
  if (!fs::exists(golden_path)) GTEST_SKIP() << "fixture not found: " << golden_path;
  if (const auto why = test::test_device_unavailable(); !why.empty()) GTEST_SKIP() << why;
  const auto golden = io::SafetensorsFile::open(golden_path);
  const at::Tensor ids = golden.tensor("input_ids");
  const at::Tensor mask = golden.tensor("attention_mask");

  models::LoadOptions load;
  load.device = test::test_device();  // float32; CausalLM::load turns TF32 off on CUDA
  const auto model = models::CausalLM::load(dir, load);
  ASSERT_EQ(model->num_hidden_states(), 4);
  models::ForwardOptions options;
  options.compute_logits = true;
  options.positions_from_mask = GetParam().golden.find("posids") != std::string::npos;
  std::vector<int> seen;
  std::map<int, double> diffs;
  at::Tensor logits;
  {
    at::NoGradGuard no_grad;
    logits = model->forward(
        ids, mask,
        [&](int layer, const at::Tensor& hidden) {
          seen.push_back(layer);
          ASSERT_EQ(hidden.sizes(), (std::vector<int64_t>{3, 11, 64}));
          diffs[layer] = test::max_abs_diff(hidden, golden.tensor("hidden_states." + std::to_string(layer)), mask);
        },
        options);
  }
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(logits.device(), load.device);
  for (const auto& [layer, diff] : diffs) EXPECT_LE(diff, 1e-4) << "hidden_states." << layer;
  ASSERT_EQ(logits.sizes(), (std::vector<int64_t>{3, 11, 512}));
  EXPECT_LE(test::excess_over_rtol(logits, golden.tensor("logits"), mask, 1e-4), 1e-4);
  double worst_hidden = 0;
  for (const auto& [layer, diff] : diffs) worst_hidden = std::max(worst_hidden, diff);
  std::cout << "[ max |diff| ] device " << load.device << ", hidden " << worst_hidden << ", logits "
            << test::max_abs_diff(logits, golden.tensor("logits"), mask) << "\n";
  EXPECT_FALSE(logits.isnan().any().item<bool>()) << "NaN leaked (padding rows must stay finite)";
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ModelGolden, ::testing::ValuesIn(all_cases()), case_name);

// hostile-bin's pickle calls os.system("touch MARKER") under a permissive torch.load.
TEST(ModelGoldenHostile, PickleCallingSystemIsRefusedAndNeverRuns) {
  const fs::path dir = test::fixtures() / "models" / "hostile-bin";
  if (!fs::exists(dir)) GTEST_SKIP() << "fixture not found: " << dir;
  const fs::path marker = "/tmp/infobound-hostile-pickle-ran";
  fs::remove(marker);
  for (const auto& attempt :
       {+[](const fs::path& d) { models::CausalLM::load(d); }, +[](const fs::path& d) { models::inspect_model(d); }}) {
    try {
      attempt(dir);
      ADD_FAILURE() << "hostile-bin was loaded";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("'posix.system'"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("pytorch_model.bin"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(marker));
  }
}

// Guards the comparison itself: a feature left out must fail the tolerance (the llama3 rope
// scaling is the smallest effect the MANIFEST measured, 2.6e-3 on the logits).
TEST(ModelGoldenSensitivity, Llama3RopeScalingMatters) {
  const fs::path dir = test::fixtures() / "models" / "llama3_rope";
  if (!fs::exists(dir)) GTEST_SKIP() << "fixture not found: " << dir;
  const auto golden = io::SafetensorsFile::open(dir / "golden.safetensors");
  auto config = io::read_json_file(dir / "config.json");
  config["rope_scaling"] = nullptr;
  const auto reference = models::CausalLM::load(dir);
  const auto unscaled = models::CausalLM::from_config(config);
  {
    at::NoGradGuard no_grad;
    const auto reference_parameters = reference->named_parameters();
    for (const auto& item : unscaled->named_parameters()) item.value().copy_(reference_parameters[item.key()]);
    models::ForwardOptions options;
    options.compute_logits = true;
    const at::Tensor logits = unscaled->forward(golden.tensor("input_ids"), golden.tensor("attention_mask"), {}, options);
    EXPECT_GT(test::max_abs_diff(logits, golden.tensor("logits"), golden.tensor("attention_mask")), 1e-3);
  }
}

TEST(ModelGoldenBfloat16, Bfloat16ComputeStaysCloseToFloat32Golden) {
  const fs::path dir = test::fixtures() / "models" / "llama";
  if (!fs::exists(dir)) GTEST_SKIP() << "fixture not found: " << dir;
  if (const auto why = test::test_device_unavailable(); !why.empty()) GTEST_SKIP() << why;
  const auto golden = io::SafetensorsFile::open(dir / "golden.safetensors");
  models::LoadOptions load;
  load.dtype = at::kBFloat16;
  load.device = test::test_device();
  const auto model = models::CausalLM::load(dir, load);
  at::NoGradGuard no_grad;
  models::ForwardOptions options;
  options.compute_logits = true;
  int calls = 0;
  const at::Tensor logits = model->forward(
      golden.tensor("input_ids"), golden.tensor("attention_mask"),
      [&](int, const at::Tensor& hidden) {
        ++calls;
        EXPECT_EQ(hidden.scalar_type(), at::kBFloat16);
      },
      options);
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(logits.scalar_type(), at::kBFloat16);
  EXPECT_EQ(logits.device(), load.device);
  const double diff = test::max_abs_diff(logits, golden.tensor("logits"), golden.tensor("attention_mask"));
  EXPECT_LT(diff, 0.15);  // bf16 has 8 mantissa bits; logits reach 4.7
  EXPECT_GT(diff, 1e-5);  // and it really ran in bf16
}

}  // namespace
