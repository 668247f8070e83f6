// GPT-NeoX / Pythia (transformers GPTNeoXForCausalLM): LayerNorm with biases, fused
// query_key_value laid out per head, partial rotary (rotary_pct), parallel residual.
#include <cmath>

#include "architecture.hpp"
#include "blocks.hpp"

namespace infobound::models::detail {
namespace {

class GptNeox final : public Architecture {
 public:
  explicit GptNeox(const ConfigReader& config) {
    base_prefix = "gpt_neox.";
    hidden_size = config.positive("hidden_size");
    n_layers = config.positive("num_hidden_layers", ConfigReader::kMaxLayers);
    vocab_size = config.positive("vocab_size");
    heads_ = config.positive("num_attention_heads");
    intermediate_ = config.positive("intermediate_size");
    eps_ = config.non_negative_number("layer_norm_eps");
    if (hidden_size % heads_ != 0) config.fail("hidden_size must be a multiple of num_attention_heads");
    head_dim_ = hidden_size / heads_;
    // HF 4.47 reads partial_rotary_factor, which older configs call rotary_pct.
    const double fraction = config.number_or("partial_rotary_factor", config.number_or("rotary_pct", 0.25));
    if (!(fraction > 0 && fraction <= 1))
      config.fail("partial_rotary_factor (rotary_pct) must be in (0, 1], got " + std::to_string(fraction));
    const auto rotary_dims = static_cast<int64_t>(static_cast<double>(head_dim_) * fraction);
    inv_freq_ = rope_inv_freq(config, rotary_dims, config.number_or("rope_theta", config.number_or("rotary_emb_base", 10000)));
    parallel_residual_ = config.boolean_or("use_parallel_residual", true);
    attention_bias_ = config.boolean_or("attention_bias", true);
    activation_ = activation_from(config, "hidden_act", config.string_or("hidden_act", "gelu"));
    tied_embeddings = config.boolean_or("tie_word_embeddings", false);
    layers_.resize(static_cast<std::size_t>(n_layers));
  }

  void declare(ParameterSink& sink) override {
    const int64_t d = hidden_size;
    sink.add("gpt_neox.embed_in.weight", {vocab_size, d}, Init::normal, &embed_);
    for (int64_t i = 0; i < n_layers; ++i) {
      const std::string p = "gpt_neox.layers." + std::to_string(i) + ".";
      Layer& l = layers_[static_cast<std::size_t>(i)];
      sink.add(p + "input_layernorm.weight", {d}, Init::ones, &l.ln1_w);
      sink.add(p + "input_layernorm.bias", {d}, Init::zeros, &l.ln1_b);
      sink.add(p + "post_attention_layernorm.weight", {d}, Init::ones, &l.ln2_w);
      sink.add(p + "post_attention_layernorm.bias", {d}, Init::zeros, &l.ln2_b);
      sink.add(p + "attention.query_key_value.weight", {3 * d, d}, Init::normal, &l.qkv_w);
      if (attention_bias_) sink.add(p + "attention.query_key_value.bias", {3 * d}, Init::zeros, &l.qkv_b);
      sink.add(p + "attention.dense.weight", {d, d}, Init::normal, &l.dense_w);
      if (attention_bias_) sink.add(p + "attention.dense.bias", {d}, Init::zeros, &l.dense_b);
      sink.add(p + "mlp.dense_h_to_4h.weight", {intermediate_, d}, Init::normal, &l.up_w);
      sink.add(p + "mlp.dense_h_to_4h.bias", {intermediate_}, Init::zeros, &l.up_b);
      sink.add(p + "mlp.dense_4h_to_h.weight", {d, intermediate_}, Init::normal, &l.down_w);
      sink.add(p + "mlp.dense_4h_to_h.bias", {d}, Init::zeros, &l.down_b);
    }
    sink.add("gpt_neox.final_layer_norm.weight", {d}, Init::ones, &final_w_);
    sink.add("gpt_neox.final_layer_norm.bias", {d}, Init::zeros, &final_b_);
    if (!tied_embeddings) sink.add("embed_out.weight", {vocab_size, d}, Init::normal, &head_);
  }

  bool is_stale_buffer(std::string_view name) const override {
    return name.ends_with(".attention.bias") || name.ends_with(".attention.masked_bias") ||
           name.ends_with(".rotary_emb.inv_freq") || (tied_embeddings && name == "embed_out.weight");
  }

  at::Tensor forward(const Batch& batch, const HiddenCallback& on_hidden, bool compute_logits) const override {
    const int64_t B = batch.input_ids.size(0), T = batch.input_ids.size(1);
    const auto dtype = embed_.scalar_type();
    at::Tensor x = at::embedding(embed_, batch.input_ids);
    emit(on_hidden, 0, x);
    const at::Tensor bias = attention_bias(batch.attention_mask, dtype);
    const RopeTables rope = rope_tables(inv_freq_, batch.positions, dtype);
    const AttentionOptions attention_options{1.0 / std::sqrt(static_cast<double>(head_dim_)), 0.0};
    for (int64_t i = 0; i < n_layers; ++i) {
      const Layer& l = layers_[static_cast<std::size_t>(i)];
      // Per head: [q | k | v], each head_dim wide.
      const at::Tensor qkv = affine(layer_norm(x, l.ln1_w, l.ln1_b, eps_), l.qkv_w, l.qkv_b).view({B, T, heads_, 3 * head_dim_});
      const at::Tensor q = apply_rope(qkv.narrow(-1, 0, head_dim_), rope);
      const at::Tensor k = apply_rope(qkv.narrow(-1, head_dim_, head_dim_), rope);
      const at::Tensor v = qkv.narrow(-1, 2 * head_dim_, head_dim_);
      const at::Tensor attn = affine(attention(q, k, v, bias, attention_options), l.dense_w, l.dense_b);
      // transformers' order: (mlp + attn) + x, and attn + x then mlp + that.
      if (parallel_residual_) {
        x = add_into(add_into(mlp(layer_norm(x, l.ln2_w, l.ln2_b, eps_), l), attn), x);
      } else {
        x = add_into(attn, x);
        x = add_into(mlp(layer_norm(x, l.ln2_w, l.ln2_b, eps_), l), x);
      }
      if (i + 1 < n_layers) emit(on_hidden, static_cast<int>(i + 1), x);
    }
    x = layer_norm(x, final_w_, final_b_, eps_);
    emit(on_hidden, static_cast<int>(n_layers), x);
    return compute_logits ? affine(x, tied_embeddings ? embed_ : head_) : at::Tensor();
  }

 private:
  struct Layer {
    at::Tensor ln1_w, ln1_b, ln2_w, ln2_b, qkv_w, qkv_b, dense_w, dense_b, up_w, up_b, down_w, down_b;
  };
  at::Tensor mlp(const at::Tensor& x, const Layer& l) const {
    return affine(activate_into(affine(x, l.up_w, l.up_b), activation_), l.down_w, l.down_b);
  }

  int64_t heads_ = 0, head_dim_ = 0, intermediate_ = 0;
  double eps_ = 1e-5;
  bool parallel_residual_ = true, attention_bias_ = true;
  Activation activation_ = Activation::gelu;
  at::Tensor inv_freq_;
  std::vector<Layer> layers_;
  at::Tensor embed_, final_w_, final_b_, head_;
};

}  // namespace

std::unique_ptr<Architecture> make_gpt_neox(const ConfigReader& config) { return std::make_unique<GptNeox>(config); }

}  // namespace infobound::models::detail
