// Gemma 2 (transformers Gemma2ForCausalLM): Gemma plus norms before and after both sublayers,
// scores scaled by query_pre_attn_scalar^-0.5 and soft-capped (attn_logit_softcapping) before
// the mask, a sliding window on even layers (keys i - window < j <= i), and soft-capped logits
// (final_logit_softcapping).
#include <cmath>

#include "rope_decoder.hpp"

namespace infobound::models::detail {

std::unique_ptr<Architecture> make_gemma2(const ConfigReader& config) {
  RopeDecoderRecipe r = read_common_recipe(config, /*tie_default=*/true);
  r.placement = NormPlacement::sandwich;
  r.norm_style = RmsStyle::one_plus_weight;
  r.norm_init = Init::zeros;
  r.scale_embeddings = true;
  r.qkv_bias = r.o_bias = config.boolean_or("attention_bias", false);
  r.activation = activation_from(config, "hidden_activation", config.string_or("hidden_activation", "gelu_pytorch_tanh"));
  r.attention_scale = 1.0 / std::sqrt(config.positive_number("query_pre_attn_scalar"));
  r.attention_softcap = config.non_negative_number_or("attn_logit_softcapping", 0.0);
  r.final_softcap = config.non_negative_number_or("final_logit_softcapping", 0.0);
  if (config.has("sliding_window")) r.sliding_window = config.positive("sliding_window");
  return make_rope_decoder(std::move(r));
}

}  // namespace infobound::models::detail
