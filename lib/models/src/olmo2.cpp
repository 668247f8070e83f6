// OLMo 2 (transformers Olmo2ForCausalLM): no pre-norms; RMSNorm on the attention and MLP outputs
// (post_attention_layernorm, post_feedforward_layernorm), q_norm/k_norm over the whole q_proj /
// k_proj outputs before the head split and RoPE, norms computed as (w * normed).to(dtype).
#include "rope_decoder.hpp"

namespace infobound::models::detail {

std::unique_ptr<Architecture> make_olmo2(const ConfigReader& config) {
  RopeDecoderRecipe r = read_common_recipe(config, /*tie_default=*/false);
  r.placement = NormPlacement::post;
  r.norm_style = RmsStyle::cast_of_product;
  r.qk_norm = true;
  r.qkv_bias = r.o_bias = config.boolean_or("attention_bias", false);
  r.activation = activation_from(config, "hidden_act", config.string_or("hidden_act", "silu"));
  return make_rope_decoder(std::move(r));
}

}  // namespace infobound::models::detail
