// Gemma 1 (transformers GemmaForCausalLM): embeddings scaled by sqrt(hidden_size) rounded to the
// compute dtype, zero-centred (1 + w) RMSNorms, GeGLU with the tanh GELU (hidden_activation;
// HF Gemma ignores hidden_act), head_dim independent of hidden_size / heads, tied lm_head.
#include "rope_decoder.hpp"

namespace infobound::models::detail {

std::unique_ptr<Architecture> make_gemma(const ConfigReader& config) {
  RopeDecoderRecipe r = read_common_recipe(config, /*tie_default=*/true);
  r.placement = NormPlacement::pre;
  r.norm_style = RmsStyle::one_plus_weight;
  r.norm_init = Init::zeros;
  r.scale_embeddings = true;
  r.qkv_bias = r.o_bias = config.boolean_or("attention_bias", false);
  r.activation = activation_from(config, "hidden_activation", config.string_or("hidden_activation", "gelu_pytorch_tanh"));
  return make_rope_decoder(std::move(r));
}

}  // namespace infobound::models::detail
