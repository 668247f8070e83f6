// The inference-only fast paths (weights shared as one GEMM, temporaries overwritten in place,
// weights aliasing the mapped checkpoint) give what the autograd path gives, and never write
// through to the checkpoint file.
#include <gtest/gtest.h>

#include <filesystem>

#include "blocks.hpp"
#include "infobound/models/causal_lm.hpp"
#include "infobound/testing/scratch_dir.hpp"

namespace fs = std::filesystem;
using namespace infobound;
using namespace infobound::models::detail;

namespace {

nlohmann::json tiny(const std::string& model_type) {
  if (model_type == "gpt_neox")
    return {{"model_type", "gpt_neox"},     {"vocab_size", 97},         {"hidden_size", 32},
            {"num_hidden_layers", 2},       {"num_attention_heads", 4}, {"intermediate_size", 64},
            {"layer_norm_eps", 1e-5},       {"rotary_pct", 0.25},       {"use_parallel_residual", true},
            {"tie_word_embeddings", false}, {"initializer_range", 0.02}};
  if (model_type == "gpt2")
    return {{"model_type", "gpt2"},
            {"vocab_size", 97},
            {"n_embd", 32},
            {"n_layer", 2},
            {"n_head", 4},
            {"n_positions", 300},
            {"layer_norm_epsilon", 1e-5},
            {"initializer_range", 0.02}};
  return {{"model_type", "llama"},        {"vocab_size", 97},         {"hidden_size", 32},
          {"num_hidden_layers", 2},       {"num_attention_heads", 4}, {"num_key_value_heads", 2},
          {"intermediate_size", 64},      {"rms_norm_eps", 1e-5},     {"rope_theta", 10000.0},
          {"tie_word_embeddings", false}, {"attention_bias", true},   {"initializer_range", 0.02}};
}

std::vector<at::Tensor> hidden_states(models::CausalLM& model, const at::Tensor& ids, const at::Tensor& mask) {
  std::vector<at::Tensor> out;
  models::ForwardOptions options;
  options.compute_logits = true;
  const at::Tensor logits = model.forward(
      ids, mask, [&](int, const at::Tensor& h) { out.push_back(h.detach().clone()); }, options);
  out.push_back(logits.detach());
  return out;
}

}  // namespace

TEST(FastPaths, SharedRowsRunAsOneGemmWithTheSeparateProjectionsValues) {
  at::manual_seed(3);
  at::Tensor q = at::randn({8, 6}), k = at::randn({4, 6}), v = at::randn({4, 6});
  at::Tensor qb = at::randn({8}), kb = at::randn({4}), vb = at::randn({4});
  const at::Tensor q0 = q.clone(), k0 = k.clone(), v0 = v.clone();
  share_rows({&q, &k, &v});
  share_rows({&qb, &kb, &vb});
  EXPECT_TRUE(at::equal(q, q0) && at::equal(k, k0) && at::equal(v, v0));  // values kept
  EXPECT_EQ(static_cast<char*>(k.data_ptr()), static_cast<char*>(q.data_ptr()) + q.nbytes());
  EXPECT_EQ(static_cast<char*>(v.data_ptr()), static_cast<char*>(k.data_ptr()) + k.nbytes());
  const at::Tensor x = at::randn({2, 5, 6});
  at::NoGradGuard no_grad;
  const auto parts = fused_linear(x, {q, k, v}, {qb, kb, vb});
  const at::Tensor joint = affine(x, at::cat({q0, k0, v0}, 0), at::cat({qb, kb, vb}, 0));
  EXPECT_TRUE(at::equal(parts[0], joint.narrow(-1, 0, 8)));
  EXPECT_TRUE(at::equal(parts[2], joint.narrow(-1, 12, 4)));
  // An in-place update of one part (an optimiser step) is what the next fused GEMM sees.
  k.add_(1.0);
  EXPECT_TRUE(at::equal(fused_linear(x, {q, k, v}, {qb, kb, vb})[1], affine(x, k0 + 1.0, kb)));
}

class InferenceEqualsAutograd : public ::testing::TestWithParam<std::string> {};

TEST_P(InferenceEqualsAutograd, HiddenStatesAndLogitsAgree) {
  at::manual_seed(5);
  const auto model = models::CausalLM::from_config(tiny(GetParam()));
  const at::Tensor ids = at::randint(0, 97, {2, 300}, at::kLong);  // T > 256: several attention blocks
  at::Tensor mask = at::ones_like(ids);
  mask.select(0, 1).narrow(0, 290, 10).zero_();
  std::vector<at::Tensor> fast;
  {
    at::NoGradGuard no_grad;
    fast = hidden_states(*model, ids, mask);
  }
  const std::vector<at::Tensor> reference = hidden_states(*model, ids, mask);  // autograd: no in-place paths
  ASSERT_EQ(fast.size(), reference.size());
  // Autograd runs the projections as separate GEMMs, whose sums may round differently from the
  // fused one; an aliasing mistake in the in-place paths would be off by O(1).
  for (std::size_t i = 0; i < fast.size(); ++i) EXPECT_TRUE(at::allclose(fast[i], reference[i], 1e-5, 1e-6)) << "output " << i;
}

INSTANTIATE_TEST_SUITE_P(Families, InferenceEqualsAutograd, ::testing::Values("gpt_neox", "llama", "gpt2"),
                         [](const auto& info) { return info.param; });

TEST(FastPaths, AliasedWeightsNeverWriteToTheCheckpoint) {
  const auto dir = infobound::testing::scratch_dir("fast_paths_alias") / "model";
  at::manual_seed(7);
  models::CausalLM::from_config(tiny("gpt_neox"))->save(dir);
  const auto model = models::CausalLM::load(dir);
  const auto before = models::CausalLM::load(dir);
  {
    at::NoGradGuard no_grad;
    for (auto& p : model->parameters()) p.add_(1.0);  // as a training step on a loaded model would
  }
  const auto reread = models::CausalLM::load(dir);
  const auto a = before->named_parameters(), b = reread->named_parameters(), changed = model->named_parameters();
  for (const auto& item : a) {
    EXPECT_TRUE(at::equal(item.value(), b[item.key()])) << item.key();
    EXPECT_TRUE(at::equal(item.value() + 1.0, changed[item.key()])) << item.key();
  }
  fs::remove_all(dir);
}
