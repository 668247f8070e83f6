#pragma once
// The decoder shared by the Llama lineage (llama, qwen2, olmo2, gemma, gemma2): token
// embedding, RoPE self-attention with grouped kv heads, a gated MLP, RMSNorms, all under the
// names model.embed_tokens / model.layers.N.{self_attn,mlp,*_layernorm} / model.norm / lm_head.
// Each family file reads its config into a Recipe; what differs between them is written there.
#include <optional>

#include "architecture.hpp"
#include "blocks.hpp"

namespace infobound::models::detail {

enum class NormPlacement {
  pre,       // llama, qwen2, gemma: x + attn(input_layernorm(x)); h + mlp(post_attention_layernorm(h))
  post,      // olmo2: x + post_attention_layernorm(attn(x)); h + post_feedforward_layernorm(mlp(h))
  sandwich,  // gemma2: x + post_attention_layernorm(attn(input_layernorm(x)));
             //         h + post_feedforward_layernorm(mlp(pre_feedforward_layernorm(h)))
};

struct RopeDecoderRecipe {
  int64_t hidden_size = 0, n_layers = 0, vocab_size = 0;
  int64_t heads = 0, kv_heads = 0, head_dim = 0, intermediate_size = 0;
  double norm_eps = 1e-6;
  RmsStyle norm_style = RmsStyle::weight_times_cast;
  Init norm_init = Init::ones;  // zeros for Gemma's (1 + w) norms
  NormPlacement placement = NormPlacement::pre;
  bool qkv_bias = false, o_bias = false, mlp_bias = false;
  bool qk_norm = false;                   // olmo2: RMSNorm over the whole q_proj / k_proj outputs
  bool scale_embeddings = false;          // gemma: embeddings * sqrt(hidden_size) rounded to the dtype
  double attention_scale = 0;             // multiplies q.k
  double attention_softcap = 0;           // gemma2
  double final_softcap = 0;               // gemma2
  std::optional<int64_t> sliding_window;  // gemma2: on layers with an even index
  Activation activation = Activation::silu;
  at::Tensor inv_freq;
  bool tied_embeddings = false;
};

// Reads the keys every Llama-lineage config has (hidden_size, num_hidden_layers, vocab_size,
// num_attention_heads, num_key_value_heads, head_dim, intermediate_size, rms_norm_eps, rope).
RopeDecoderRecipe read_common_recipe(const ConfigReader& config, bool tie_default);

std::unique_ptr<Architecture> make_rope_decoder(RopeDecoderRecipe recipe);

}  // namespace infobound::models::detail
