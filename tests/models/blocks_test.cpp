// Internal building blocks whose fast paths must equal HF's tensor expressions exactly.
#include <gtest/gtest.h>

#include "blocks.hpp"

using namespace infobound::models::detail;

TEST(Blocks, CpuRopeKernelIsBitIdenticalToHfExpression) {
  for (const auto dtype : {at::kFloat, at::kBFloat16}) {
    for (const int64_t dim : {16, 64}) {  // NeoX partial rotary and full rotary
      const at::Tensor qkv = at::randn({2, 7, 3, 192}).to(dtype);
      const at::Tensor x = qkv.narrow(-1, 64, 64);  // strided, as the fused projections give it
      const at::Tensor positions = at::randint(0, 1000, {2, 7}, at::kLong);
      const at::Tensor inv_freq = 1.0 / at::pow(10000.0, at::arange(0, dim, 2, at::kLong).to(at::kFloat) / double(dim));
      const RopeTables tables = rope_tables(inv_freq, positions, dtype);
      at::Tensor fast;
      {
        at::NoGradGuard no_grad;
        fast = apply_rope(x, tables);
      }
      const at::Tensor reference = apply_rope(x.detach().clone().requires_grad_(true), tables);
      EXPECT_TRUE(at::equal(fast, reference.detach())) << c10::toString(dtype) << " dim " << dim;
    }
  }
}

TEST(Blocks, BlockedAttentionEqualsDenseSoftmaxAttention) {
  at::NoGradGuard no_grad;
  const int64_t B = 2, T = 300, heads = 4, kv = 2, hd = 8;  // T > 256: several query blocks
  const at::Tensor q = at::randn({B, T, heads, hd}), k = at::randn({B, T, kv, hd}), v = at::randn({B, T, kv, hd});
  at::Tensor mask = at::ones({B, T}, at::kLong);
  mask.narrow(1, 0, 5).select(0, 1).zero_();  // left padding in row 1
  const at::Tensor bias = attention_bias(mask, at::kFloat);
  const at::Tensor got = attention(q, k, v, bias, {0.3, 0.0});
  // Dense reference with repeated kv heads.
  const at::Tensor kr = k.repeat_interleave(2, 2).transpose(1, 2), vr = v.repeat_interleave(2, 2).transpose(1, 2);
  const at::Tensor scores = at::matmul(q.transpose(1, 2), kr.transpose(-1, -2)) * 0.3 + bias;
  const at::Tensor want = at::matmul(at::softmax(scores, -1), vr).transpose(1, 2).reshape({B, T, heads * hd});
  const at::Tensor real = mask.to(at::kBool);
  EXPECT_LT((got.index({real}) - want.index({real})).abs().max().item<double>(), 1e-5);
  EXPECT_FALSE(got.isnan().any().item<bool>());
}

TEST(Blocks, AttentionBiasIsFiniteCausalPaddingAndWindow) {
  const at::Tensor mask = at::tensor({0, 1, 1, 1, 1}, at::kLong).unsqueeze(0);
  const at::Tensor bias = attention_bias(mask, at::kFloat, 2).squeeze();
  EXPECT_TRUE(bias.isfinite().all().item<bool>());
  EXPECT_EQ(bias[3][3].item<float>(), 0.0f);
  EXPECT_EQ(bias[3][2].item<float>(), 0.0f);
  EXPECT_LT(bias[3][1].item<float>(), -1e38f);  // outside the window of 2
  EXPECT_LT(bias[3][4].item<float>(), -1e38f);  // future
  EXPECT_LT(bias[2][0].item<float>(), -1e38f);  // pad key
}
