// Qwen2 / Qwen2.5 (transformers Qwen2ForCausalLM): Llama with biases on q/k/v (not on o_proj or
// the MLP). sliding_window is ignored unless use_sliding_window is true, as HF does.
#include "rope_decoder.hpp"

namespace infobound::models::detail {

std::unique_ptr<Architecture> make_qwen2(const ConfigReader& config) {
  RopeDecoderRecipe r = read_common_recipe(config, /*tie_default=*/false);
  r.placement = NormPlacement::pre;
  r.norm_style = RmsStyle::weight_times_cast;
  r.qkv_bias = true;
  r.activation = activation_from(config, "hidden_act", config.string_or("hidden_act", "silu"));
  if (config.boolean_or("use_sliding_window", false))
    config.fail("use_sliding_window=true is not supported (released Qwen2/Qwen2.5 checkpoints set it to false)");
  return make_rope_decoder(std::move(r));
}

}  // namespace infobound::models::detail
