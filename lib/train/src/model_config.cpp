#include "infobound/train/model_config.hpp"

namespace infobound::train {
namespace {

nlohmann::json gpt_neox_defaults() {
  return {{"architectures", {"GPTNeoXForCausalLM"}},
          {"hidden_act", "gelu"},
          {"rotary_pct", 0.25},
          {"rotary_emb_base", 10000},
          {"use_parallel_residual", true},
          {"layer_norm_eps", 1e-5},
          {"attention_bias", true},
          {"attention_dropout", 0.0},
          {"hidden_dropout", 0.0},
          {"initializer_range", 0.02},
          {"tie_word_embeddings", false},
          {"use_cache", true}};
}

nlohmann::json llama_defaults() {
  return {{"architectures", {"LlamaForCausalLM"}},
          {"hidden_act", "silu"},
          {"rms_norm_eps", 1e-5},
          {"rope_theta", 10000.0},
          {"attention_bias", false},
          {"mlp_bias", false},
          {"attention_dropout", 0.0},
          {"initializer_range", 0.02},
          {"tie_word_embeddings", false},
          {"use_cache", true}};
}

}  // namespace

nlohmann::json hf_model_config(const ModelSpec& model, int64_t vocab_size, int64_t context_length, int64_t eos_token_id) {
  nlohmann::json config = model.family.model_type == "gpt_neox" ? gpt_neox_defaults()
                          : model.family.model_type == "llama"  ? llama_defaults()
                                                                : nlohmann::json::object();
  config["model_type"] = model.family.model_type;
  config["vocab_size"] = vocab_size;
  config["hidden_size"] = model.size.hidden_size;
  config["num_hidden_layers"] = model.size.num_hidden_layers;
  config["num_attention_heads"] = model.size.num_attention_heads;
  config["intermediate_size"] = model.size.intermediate_size;
  if (model.size.num_key_value_heads) config["num_key_value_heads"] = *model.size.num_key_value_heads;
  config["max_position_embeddings"] = context_length;
  config["bos_token_id"] = eos_token_id;
  config["eos_token_id"] = eos_token_id;
  config["torch_dtype"] = "float32";
  for (const auto& [key, value] : model.family.config.items()) config[key] = value;
  return config;
}

}  // namespace infobound::train
