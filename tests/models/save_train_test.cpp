// save() writes HF layout that load() reads back exactly; from_config models train with autograd.
#include <gtest/gtest.h>

#include <filesystem>

#include <torch/optim/adam.h>

#include "golden_support.hpp"
#include "infobound/io/json_file.hpp"
#include "infobound/io/safetensors.hpp"
#include "infobound/models/causal_lm.hpp"
#include "infobound/testing/scratch_dir.hpp"

namespace fs = std::filesystem;
using namespace infobound;

namespace {

fs::path temp_dir(const std::string& tag) {
  return infobound::testing::scratch_dir("save_" + tag) / "model";  // not yet created, as save() expects
}

at::Tensor logits_of(models::CausalLM& model, const at::Tensor& ids, const at::Tensor& mask) {
  at::NoGradGuard no_grad;
  models::ForwardOptions options;
  options.compute_logits = true;
  return model.forward(ids, mask, {}, options);
}

nlohmann::json tiny_config(const std::string& model_type) {
  if (model_type == "gpt_neox")
    return {{"model_type", "gpt_neox"},     {"vocab_size", 97},         {"hidden_size", 32},
            {"num_hidden_layers", 2},       {"num_attention_heads", 4}, {"intermediate_size", 64},
            {"layer_norm_eps", 1e-5},       {"rotary_pct", 0.25},       {"use_parallel_residual", true},
            {"tie_word_embeddings", false}, {"initializer_range", 0.02}};
  return {{"model_type", "llama"},       {"vocab_size", 97},         {"hidden_size", 32},
          {"num_hidden_layers", 2},      {"num_attention_heads", 4}, {"num_key_value_heads", 2},
          {"intermediate_size", 64},     {"rms_norm_eps", 1e-5},     {"rope_theta", 10000.0},
          {"tie_word_embeddings", true}, {"initializer_range", 0.02}};
}

class RoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(RoundTrip, SaveThenLoadGivesIdenticalLogits) {
  const fs::path source = test::fixtures() / "models" / GetParam();
  if (!fs::exists(source)) GTEST_SKIP() << "fixture not found: " << source;
  const auto golden = io::SafetensorsFile::open(source / "golden.safetensors");
  const at::Tensor ids = golden.tensor("input_ids"), mask = golden.tensor("attention_mask");
  const auto model = models::CausalLM::load(source);
  const auto dir = temp_dir(GetParam());
  model->save(dir);
  const auto reloaded = models::CausalLM::load(dir);
  EXPECT_TRUE(at::equal(logits_of(*model, ids, mask), logits_of(*reloaded, ids, mask)));
  // HF layout: the same tensor names as the original (tied lm_head omitted), same config keys.
  const auto saved = io::SafetensorsFile::open(dir / "model.safetensors");
  const auto original = io::SafetensorsFile::open(source / "model.safetensors");
  ASSERT_EQ(saved.tensors().size(), original.tensors().size());
  for (std::size_t i = 0; i < saved.tensors().size(); ++i) EXPECT_EQ(saved.tensors()[i].name, original.tensors()[i].name);
  EXPECT_EQ(saved.metadata().at("format"), "pt");
  EXPECT_EQ(io::read_json_file(dir / "config.json")["model_type"], GetParam());
}

INSTANTIATE_TEST_SUITE_P(Fixtures, RoundTrip, ::testing::Values("gpt_neox", "llama", "olmo2", "qwen2", "gemma", "gemma2", "gpt2"),
                         [](const auto& info) { return info.param; });

TEST(FromConfig, ParametersCarryHfNamesAndHfInitialisation) {
  const auto model = models::CausalLM::from_config(tiny_config("llama"));
  const auto params = model->named_parameters();
  ASSERT_TRUE(params.contains("model.layers.1.self_attn.k_proj.weight"));
  EXPECT_EQ(params["model.layers.1.self_attn.k_proj.weight"].sizes(), (std::vector<int64_t>{16, 32}));
  EXPECT_FALSE(params.contains("lm_head.weight"));  // tied
  EXPECT_TRUE(at::equal(params["model.norm.weight"], at::ones({32})));
  const double std = params["model.embed_tokens.weight"].std().item<double>();
  EXPECT_NEAR(std, 0.02, 0.002);
  EXPECT_EQ(model->info().n_parameters, 97 * 32 + 2 * (32 * 32 * 2 + 16 * 32 * 2 + 3 * 64 * 32 + 2 * 32) + 32);
  const auto neox = models::CausalLM::from_config(tiny_config("gpt_neox"));
  EXPECT_TRUE(at::equal(neox->named_parameters()["gpt_neox.layers.0.attention.query_key_value.bias"], at::zeros({96})));
  EXPECT_TRUE(neox->named_parameters().contains("embed_out.weight"));
}

class Training : public ::testing::TestWithParam<std::string> {};

TEST_P(Training, OneAdamStepLowersTheLossOnARepeatedBatch) {
  at::manual_seed(7);
  const auto model = models::CausalLM::from_config(tiny_config(GetParam()));
  const at::Tensor ids = at::randint(0, 97, {4, 16}, at::kLong);
  const at::Tensor mask = at::ones_like(ids);
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(1e-2));
  models::ForwardOptions options;
  options.compute_logits = true;
  auto loss_of = [&]() {
    const at::Tensor logits = model->forward(ids, mask, {}, options);
    return at::cross_entropy_loss(logits.narrow(1, 0, 15).reshape({-1, 97}), ids.narrow(1, 1, 15).reshape({-1}));
  };
  const at::Tensor before = loss_of();
  ASSERT_TRUE(before.requires_grad());
  optimizer.zero_grad();
  before.backward();
  for (const auto& p : model->parameters()) ASSERT_TRUE(p.grad().defined());
  optimizer.step();
  const double after = loss_of().item<double>();
  EXPECT_LT(after, before.item<double>() - 0.05) << "before " << before.item<double>() << " after " << after;
  // A trained model saves and reloads to the same function.
  const auto dir = temp_dir("trained_" + GetParam());
  model->save(dir);
  EXPECT_TRUE(at::allclose(logits_of(*model, ids, mask), logits_of(*models::CausalLM::load(dir), ids, mask), 0, 0));
}

INSTANTIATE_TEST_SUITE_P(Families, Training, ::testing::Values("gpt_neox", "llama"), [](const auto& info) { return info.param; });

}  // namespace
