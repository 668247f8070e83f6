// GPT-2 (transformers GPT2LMHeadModel): learned position embeddings (wpe, indexed by position),
// pre-LN blocks, Conv1D weights stored [in, out], c_attn split into contiguous [Q | K | V],
// gelu_new, tied lm_head.
#include <cmath>

#include "architecture.hpp"
#include "blocks.hpp"
#include "infobound/core/error.hpp"

namespace infobound::models::detail {
namespace {

class Gpt2 final : public Architecture {
 public:
  explicit Gpt2(const ConfigReader& config) {
    base_prefix = "transformer.";
    hidden_size = config.positive("n_embd");
    n_layers = config.positive("n_layer", ConfigReader::kMaxLayers);
    vocab_size = config.positive("vocab_size");
    heads_ = config.positive("n_head");
    positions_ = config.positive("n_positions");
    eps_ = config.non_negative_number("layer_norm_epsilon");
    if (hidden_size % heads_ != 0) config.fail("n_embd must be a multiple of n_head");
    head_dim_ = hidden_size / heads_;
    inner_ = config.has("n_inner") ? config.positive("n_inner") : 4 * hidden_size;
    scale_by_head_dim_ = config.boolean_or("scale_attn_weights", true);
    scale_by_layer_ = config.boolean_or("scale_attn_by_inverse_layer_idx", false);
    activation_ = activation_from(config, "activation_function", config.string_or("activation_function", "gelu_new"));
    tied_embeddings = config.boolean_or("tie_word_embeddings", true);
    layers_.resize(static_cast<std::size_t>(n_layers));
  }

  void declare(ParameterSink& sink) override {
    const int64_t d = hidden_size;
    // GPT-2's scheme: residual projections start smaller by 1/sqrt(2 * n_layer).
    const double projection_std = initializer_range / std::sqrt(2.0 * static_cast<double>(n_layers));
    sink.add("transformer.wte.weight", {vocab_size, d}, Init::normal, &wte_);
    sink.add("transformer.wpe.weight", {positions_, d}, Init::normal, &wpe_);
    for (int64_t i = 0; i < n_layers; ++i) {
      const std::string p = "transformer.h." + std::to_string(i) + ".";
      Layer& l = layers_[static_cast<std::size_t>(i)];
      sink.add(p + "ln_1.weight", {d}, Init::ones, &l.ln1_w);
      sink.add(p + "ln_1.bias", {d}, Init::zeros, &l.ln1_b);
      sink.add(p + "attn.c_attn.weight", {d, 3 * d}, Init::normal, &l.attn_w);
      sink.add(p + "attn.c_attn.bias", {3 * d}, Init::zeros, &l.attn_b);
      sink.add(p + "attn.c_proj.weight", {d, d}, Init::normal, &l.attn_proj_w, projection_std);
      sink.add(p + "attn.c_proj.bias", {d}, Init::zeros, &l.attn_proj_b);
      sink.add(p + "ln_2.weight", {d}, Init::ones, &l.ln2_w);
      sink.add(p + "ln_2.bias", {d}, Init::zeros, &l.ln2_b);
      sink.add(p + "mlp.c_fc.weight", {d, inner_}, Init::normal, &l.fc_w);
      sink.add(p + "mlp.c_fc.bias", {inner_}, Init::zeros, &l.fc_b);
      sink.add(p + "mlp.c_proj.weight", {inner_, d}, Init::normal, &l.proj_w, projection_std);
      sink.add(p + "mlp.c_proj.bias", {d}, Init::zeros, &l.proj_b);
    }
    sink.add("transformer.ln_f.weight", {d}, Init::ones, &ln_f_w_);
    sink.add("transformer.ln_f.bias", {d}, Init::zeros, &ln_f_b_);
    if (!tied_embeddings) sink.add("lm_head.weight", {vocab_size, d}, Init::normal, &head_);
  }

  bool is_stale_buffer(std::string_view name) const override {
    return name.ends_with(".attn.bias") || name.ends_with(".attn.masked_bias") || (tied_embeddings && name == "lm_head.weight");
  }

  at::Tensor forward(const Batch& batch, const HiddenCallback& on_hidden, bool compute_logits) const override {
    const int64_t B = batch.input_ids.size(0), T = batch.input_ids.size(1);
    const int64_t last_position = batch.positions.max().item<int64_t>();
    if (last_position >= positions_)
      throw InputError("GPT-2 model has " + std::to_string(positions_) +
                       " positions (n_positions) but the batch needs position " + std::to_string(last_position));
    at::Tensor x = at::embedding(wte_, batch.input_ids) + at::embedding(wpe_, batch.positions);
    emit(on_hidden, 0, x);
    const at::Tensor bias = attention_bias(batch.attention_mask, wte_.scalar_type());
    for (int64_t i = 0; i < n_layers; ++i) {
      const Layer& l = layers_[static_cast<std::size_t>(i)];
      double scale = scale_by_head_dim_ ? 1.0 / std::sqrt(static_cast<double>(head_dim_)) : 1.0;
      if (scale_by_layer_) scale /= static_cast<double>(i + 1);
      const at::Tensor qkv = conv1d(layer_norm(x, l.ln1_w, l.ln1_b, eps_), l.attn_w, l.attn_b);
      const at::Tensor q = qkv.narrow(-1, 0, hidden_size).view({B, T, heads_, head_dim_});
      const at::Tensor k = qkv.narrow(-1, hidden_size, hidden_size).view({B, T, heads_, head_dim_});
      const at::Tensor v = qkv.narrow(-1, 2 * hidden_size, hidden_size).view({B, T, heads_, head_dim_});
      x = add_into(conv1d(attention(q, k, v, bias, {scale, 0.0}), l.attn_proj_w, l.attn_proj_b), x);
      const at::Tensor h = layer_norm(x, l.ln2_w, l.ln2_b, eps_);
      x = add_into(conv1d(activate_into(conv1d(h, l.fc_w, l.fc_b), activation_), l.proj_w, l.proj_b), x);
      if (i + 1 < n_layers) emit(on_hidden, static_cast<int>(i + 1), x);
    }
    x = layer_norm(x, ln_f_w_, ln_f_b_, eps_);
    emit(on_hidden, static_cast<int>(n_layers), x);
    return compute_logits ? affine(x, tied_embeddings ? wte_ : head_) : at::Tensor();
  }

 private:
  struct Layer {
    at::Tensor ln1_w, ln1_b, attn_w, attn_b, attn_proj_w, attn_proj_b, ln2_w, ln2_b, fc_w, fc_b, proj_w, proj_b;
  };
  int64_t heads_ = 0, head_dim_ = 0, positions_ = 0, inner_ = 0;
  double eps_ = 1e-5;
  bool scale_by_head_dim_ = true, scale_by_layer_ = false;
  Activation activation_ = Activation::gelu_tanh;
  std::vector<Layer> layers_;
  at::Tensor wte_, wpe_, ln_f_w_, ln_f_b_, head_;
};

}  // namespace

std::unique_ptr<Architecture> make_gpt2(const ConfigReader& config) { return std::make_unique<Gpt2>(config); }

}  // namespace infobound::models::detail
