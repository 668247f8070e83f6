// Llama 2/3.x, SmolLM2, TinyStories (transformers LlamaForCausalLM): pre-norm RMSNorm
// (w * normed.to(dtype)), grouped kv heads, SwiGLU, RoPE with rope_scaling default/linear/llama3.
#include "rope_decoder.hpp"

namespace infobound::models::detail {

std::unique_ptr<Architecture> make_llama(const ConfigReader& config) {
  RopeDecoderRecipe r = read_common_recipe(config, /*tie_default=*/false);
  r.placement = NormPlacement::pre;
  r.norm_style = RmsStyle::weight_times_cast;
  r.qkv_bias = r.o_bias = config.boolean_or("attention_bias", false);
  r.mlp_bias = config.boolean_or("mlp_bias", false);
  r.activation = activation_from(config, "hidden_act", config.string_or("hidden_act", "silu"));
  return make_rope_decoder(std::move(r));
}

}  // namespace infobound::models::detail
