// The genuine trained TinyStories-656K checkpoint on real text (fixtures/real/tinystories-656k).
#include <gtest/gtest.h>

#include <filesystem>

#include <ATen/Parallel.h>

#include "golden_support.hpp"
#include "infobound/io/safetensors.hpp"
#include "infobound/models/causal_lm.hpp"

namespace fs = std::filesystem;
using namespace infobound;

TEST(TinyStories, HiddenStatesLogitsAndLossMatchTransformers) {
  at::set_num_threads(2);
  const fs::path dir = test::fixtures() / "real" / "tinystories-656k";
  if (!fs::exists(dir / "golden.safetensors")) GTEST_SKIP() << "fixture not found: " << dir;
  const auto golden = io::SafetensorsFile::open(dir / "golden.safetensors");
  const at::Tensor ids = golden.tensor("input_ids");
  const at::Tensor mask = golden.tensor("attention_mask");
  const auto model = models::CausalLM::load(dir);
  EXPECT_EQ(model->info().model_type, "llama");
  EXPECT_TRUE(model->info().tied_embeddings);
  EXPECT_EQ(model->info().stored_dtype, "BF16");
  at::NoGradGuard no_grad;
  models::ForwardOptions options;
  options.compute_logits = true;
  int calls = 0;
  const at::Tensor logits = model->forward(
      ids, mask,
      [&](int layer, const at::Tensor& hidden) {
        ++calls;
        // allclose(atol 1e-4, rtol 1e-5): the outlier channels reach |x| = 613.
        EXPECT_LE(test::excess_over_rtol(hidden, golden.tensor("hidden_states." + std::to_string(layer)), mask, 1e-5), 1e-4)
            << "hidden_states." << layer;
      },
      options);
  EXPECT_EQ(calls, 3);
  EXPECT_LE(test::excess_over_rtol(logits, golden.tensor("logits"), mask, 1e-5), 1e-4);

  // Mean next-token cross-entropy over the 306 predicted real tokens: 3.270 nats.
  const at::Tensor predicted = logits.narrow(1, 0, ids.size(1) - 1).reshape({-1, logits.size(-1)});
  const at::Tensor targets = ids.narrow(1, 1, ids.size(1) - 1).reshape({-1});
  const at::Tensor valid = mask.narrow(1, 1, ids.size(1) - 1).reshape({-1}).to(at::kBool);
  const at::Tensor nll = -at::log_softmax(predicted, -1).gather(1, targets.unsqueeze(1)).squeeze(1);
  EXPECT_EQ(valid.sum().item<int64_t>(), 306);
  EXPECT_NEAR(nll.index({valid}).mean().item<double>(), 3.270, 5e-4);
}
