#include "rope_decoder.hpp"

#include <cmath>

namespace infobound::models::detail {
namespace {

class RopeDecoder final : public Architecture {
 public:
  explicit RopeDecoder(RopeDecoderRecipe recipe) : r_(std::move(recipe)) {
    base_prefix = "model.";
    hidden_size = r_.hidden_size;
    n_layers = r_.n_layers;
    vocab_size = r_.vocab_size;
    tied_embeddings = r_.tied_embeddings;
    layers_.resize(static_cast<std::size_t>(n_layers));
  }

  void declare(ParameterSink& sink) override {
    const int64_t d = hidden_size, q_width = r_.heads * r_.head_dim, kv_width = r_.kv_heads * r_.head_dim;
    const int64_t inter = r_.intermediate_size;
    sink.add("model.embed_tokens.weight", {vocab_size, d}, Init::normal, &embed_);
    for (int64_t i = 0; i < n_layers; ++i) {
      const std::string p = "model.layers." + std::to_string(i) + ".";
      Layer& l = layers_[static_cast<std::size_t>(i)];
      if (r_.placement != NormPlacement::post) sink.add(p + "input_layernorm.weight", {d}, r_.norm_init, &l.input_norm);
      sink.add(p + "self_attn.q_proj.weight", {q_width, d}, Init::normal, &l.q_w);
      if (r_.qkv_bias) sink.add(p + "self_attn.q_proj.bias", {q_width}, Init::zeros, &l.q_b);
      sink.add(p + "self_attn.k_proj.weight", {kv_width, d}, Init::normal, &l.k_w);
      if (r_.qkv_bias) sink.add(p + "self_attn.k_proj.bias", {kv_width}, Init::zeros, &l.k_b);
      sink.add(p + "self_attn.v_proj.weight", {kv_width, d}, Init::normal, &l.v_w);
      if (r_.qkv_bias) sink.add(p + "self_attn.v_proj.bias", {kv_width}, Init::zeros, &l.v_b);
      share_rows({&l.q_w, &l.k_w, &l.v_w});
      if (r_.qkv_bias) share_rows({&l.q_b, &l.k_b, &l.v_b});
      sink.add(p + "self_attn.o_proj.weight", {d, q_width}, Init::normal, &l.o_w);
      if (r_.o_bias) sink.add(p + "self_attn.o_proj.bias", {d}, Init::zeros, &l.o_b);
      if (r_.qk_norm) {
        sink.add(p + "self_attn.q_norm.weight", {q_width}, r_.norm_init, &l.q_norm);
        sink.add(p + "self_attn.k_norm.weight", {kv_width}, r_.norm_init, &l.k_norm);
      }
      sink.add(p + "post_attention_layernorm.weight", {d}, r_.norm_init, &l.post_attention_norm);
      if (r_.placement == NormPlacement::sandwich)
        sink.add(p + "pre_feedforward_layernorm.weight", {d}, r_.norm_init, &l.pre_feedforward_norm);
      if (r_.placement != NormPlacement::pre)
        sink.add(p + "post_feedforward_layernorm.weight", {d}, r_.norm_init, &l.post_feedforward_norm);
      sink.add(p + "mlp.gate_proj.weight", {inter, d}, Init::normal, &l.gate_w);
      if (r_.mlp_bias) sink.add(p + "mlp.gate_proj.bias", {inter}, Init::zeros, &l.gate_b);
      sink.add(p + "mlp.up_proj.weight", {inter, d}, Init::normal, &l.up_w);
      if (r_.mlp_bias) sink.add(p + "mlp.up_proj.bias", {inter}, Init::zeros, &l.up_b);
      share_rows({&l.gate_w, &l.up_w});
      if (r_.mlp_bias) share_rows({&l.gate_b, &l.up_b});
      sink.add(p + "mlp.down_proj.weight", {d, inter}, Init::normal, &l.down_w);
      if (r_.mlp_bias) sink.add(p + "mlp.down_proj.bias", {d}, Init::zeros, &l.down_b);
    }
    sink.add("model.norm.weight", {d}, r_.norm_init, &final_norm_);
    if (!tied_embeddings) sink.add("lm_head.weight", {vocab_size, d}, Init::normal, &head_);
  }

  bool is_stale_buffer(std::string_view name) const override {
    return name.ends_with(".rotary_emb.inv_freq") || (tied_embeddings && name == "lm_head.weight");
  }

  at::Tensor forward(const Batch& batch, const HiddenCallback& on_hidden, bool compute_logits) const override {
    const auto dtype = embed_.scalar_type();
    at::Tensor x = at::embedding(embed_, batch.input_ids);
    if (r_.scale_embeddings) x = x * at::scalar_tensor(std::sqrt(static_cast<double>(hidden_size)), x.options());
    emit(on_hidden, 0, x);
    const at::Tensor global_bias = attention_bias(batch.attention_mask, dtype);
    const at::Tensor window_bias =
        r_.sliding_window ? attention_bias(batch.attention_mask, dtype, r_.sliding_window) : at::Tensor();
    const RopeTables rope = rope_tables(r_.inv_freq, batch.positions, dtype);
    for (int64_t i = 0; i < n_layers; ++i) {
      const Layer& l = layers_[static_cast<std::size_t>(i)];
      const bool sliding = r_.sliding_window && i % 2 == 0;
      const at::Tensor& bias = sliding ? window_bias : global_bias;
      at::Tensor h;
      switch (r_.placement) {
        // residual + block output, as transformers adds them (the sum is written into the
        // block's output at inference).
        case NormPlacement::pre:
          h = add_into(attention_block(norm(x, l.input_norm), l, rope, bias), x);
          x = add_into(mlp(norm(h, l.post_attention_norm), l), h);
          break;
        case NormPlacement::post:
          h = add_into(norm(attention_block(x, l, rope, bias), l.post_attention_norm), x);
          x = add_into(norm(mlp(h, l), l.post_feedforward_norm), h);
          break;
        case NormPlacement::sandwich:
          h = add_into(norm(attention_block(norm(x, l.input_norm), l, rope, bias), l.post_attention_norm), x);
          x = add_into(norm(mlp(norm(h, l.pre_feedforward_norm), l), l.post_feedforward_norm), h);
          break;
      }
      if (i + 1 < n_layers) emit(on_hidden, static_cast<int>(i + 1), x);
    }
    x = norm(x, final_norm_);
    emit(on_hidden, static_cast<int>(n_layers), x);
    if (!compute_logits) return {};
    at::Tensor logits = affine(x, tied_embeddings ? embed_ : head_);
    if (r_.final_softcap > 0) logits = at::tanh(logits / r_.final_softcap) * r_.final_softcap;
    return logits;
  }

 private:
  struct Layer {
    at::Tensor input_norm, post_attention_norm, pre_feedforward_norm, post_feedforward_norm;
    at::Tensor q_w, q_b, k_w, k_b, v_w, v_b, o_w, o_b, q_norm, k_norm;
    at::Tensor gate_w, gate_b, up_w, up_b, down_w, down_b;
  };

  at::Tensor norm(const at::Tensor& x, const at::Tensor& weight) const { return rms_norm(x, weight, r_.norm_eps, r_.norm_style); }

  at::Tensor attention_block(const at::Tensor& x, const Layer& l, const RopeTables& rope, const at::Tensor& bias) const {
    const int64_t B = x.size(0), T = x.size(1);
    auto qkv = fused_linear(x, {l.q_w, l.k_w, l.v_w}, {l.q_b, l.k_b, l.v_b});
    if (r_.qk_norm) {
      qkv[0] = norm(qkv[0], l.q_norm);
      qkv[1] = norm(qkv[1], l.k_norm);
    }
    const at::Tensor q = apply_rope(qkv[0].view({B, T, r_.heads, r_.head_dim}), rope);
    const at::Tensor k = apply_rope(qkv[1].view({B, T, r_.kv_heads, r_.head_dim}), rope);
    const at::Tensor v = qkv[2].view({B, T, r_.kv_heads, r_.head_dim});
    const at::Tensor out = attention(q, k, v, bias, {r_.attention_scale, r_.attention_softcap});
    return affine(out, l.o_w, l.o_b);
  }

  at::Tensor mlp(const at::Tensor& x, const Layer& l) const {
    const auto gate_up = fused_linear(x, {l.gate_w, l.up_w}, {l.gate_b, l.up_b});
    at::Tensor gate = activate_into(gate_up[0], r_.activation);
    return affine(inference() ? gate.mul_(gate_up[1]) : gate * gate_up[1], l.down_w, l.down_b);
  }

  RopeDecoderRecipe r_;
  std::vector<Layer> layers_;
  at::Tensor embed_, final_norm_, head_;
};

}  // namespace

RopeDecoderRecipe read_common_recipe(const ConfigReader& config, bool tie_default) {
  RopeDecoderRecipe r;
  r.hidden_size = config.positive("hidden_size");
  r.n_layers = config.positive("num_hidden_layers", ConfigReader::kMaxLayers);
  r.vocab_size = config.positive("vocab_size");
  r.heads = config.positive("num_attention_heads");
  r.intermediate_size = config.positive("intermediate_size");
  r.norm_eps = config.non_negative_number("rms_norm_eps");
  // Configs from before GQA omit num_key_value_heads; HF then uses one kv head per query head.
  r.kv_heads = config.has("num_key_value_heads") ? config.positive("num_key_value_heads") : r.heads;
  if (r.heads % r.kv_heads != 0) config.fail("num_attention_heads must be a multiple of num_key_value_heads");
  if (config.has("head_dim")) {
    r.head_dim = config.positive("head_dim");
  } else {
    if (r.hidden_size % r.heads != 0) config.fail("hidden_size must be a multiple of num_attention_heads");
    r.head_dim = r.hidden_size / r.heads;
  }
  r.attention_scale = 1.0 / std::sqrt(static_cast<double>(r.head_dim));
  r.inv_freq = rope_inv_freq(config, r.head_dim, config.number_or("rope_theta", 10000.0));
  r.tied_embeddings = config.boolean_or("tie_word_embeddings", tie_default);
  return r;
}

std::unique_ptr<Architecture> make_rope_decoder(RopeDecoderRecipe recipe) {
  return std::make_unique<RopeDecoder>(std::move(recipe));
}

}  // namespace infobound::models::detail
