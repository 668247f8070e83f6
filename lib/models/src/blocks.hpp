#pragma once
// The parts every family's forward is built from, each matching transformers' eager code
// operation for operation (so float32 results agree to rounding).
#include <cstdint>
#include <optional>
#include <string>

#include <ATen/ATen.h>

#include "config_reader.hpp"
#include "infobound/models/causal_lm.hpp"

namespace infobound::models::detail {

// y = x W^T + b for nn.Linear weights [out, in], as one GEMM over all B*T rows.
at::Tensor affine(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias = {});
// y = x W + b for GPT-2's Conv1D weights [in, out].
at::Tensor conv1d(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias);
// Several nn.Linear projections of the same input as one GEMM (inference only: under autograd
// the separate parameters must each receive their gradient, so it falls back to one GEMM each).
// Weights made consecutive by share_rows are used in place; others are concatenated per call.
std::vector<at::Tensor> fused_linear(const at::Tensor& x, const std::vector<at::Tensor>& weights,
                                     const std::vector<at::Tensor>& biases);
// Makes the parameters `parts` (equal trailing sizes) consecutive row slices of one tensor,
// keeping each parameter's identity (set_data), so fused_linear needs no concatenation. Called
// from declare(); slots left undefined (declaration only) are skipped.
void share_rows(const std::vector<at::Tensor*>& parts);

// True outside autograd: blocks may then overwrite the temporaries they created.
inline bool inference() { return !at::GradMode::is_enabled(); }
// temporary + other, written into `temporary` (a tensor only the caller holds) at inference.
at::Tensor add_into(at::Tensor temporary, const at::Tensor& other);

enum class RmsStyle {
  weight_times_cast,  // Llama, Qwen2: w * normed.to(dtype)
  cast_of_product,    // OLMo2: (w * normed).to(dtype)
  one_plus_weight,    // Gemma, Gemma2: (normed * (1 + w.float())).to(dtype)
};
at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps, RmsStyle style);
at::Tensor layer_norm(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, double eps);

enum class Activation { gelu, gelu_tanh, silu, relu };
// Reads an activation name (hidden_act, hidden_activation, activation_function) from `key`.
Activation activation_from(const ConfigReader& config, const std::string& key, const std::string& name);
at::Tensor activate(const at::Tensor& x, Activation activation);
// activate(x), overwriting x (a temporary only the caller holds) at inference.
at::Tensor activate_into(at::Tensor x, Activation activation);

// Rotary embeddings in HF's rotate_half layout (pairs (i, i + dim/2)).
// inv_freq for `dim` rotary dimensions with base `theta`, including config.rope_scaling
// (default, linear, llama3), float32 on CPU.
at::Tensor rope_inv_freq(const ConfigReader& config, int64_t dim, double theta);
struct RopeTables {
  at::Tensor cos;  // [B, T, 1, dim] in the compute dtype
  at::Tensor sin;
};
RopeTables rope_tables(const at::Tensor& inv_freq, const at::Tensor& positions, at::ScalarType dtype);
// x [B, T, heads, head_dim]; rotates the first `dim` features of each head, passes the rest.
at::Tensor apply_rope(const at::Tensor& x, const RopeTables& tables);

// Additive attention bias [B, 1, T, T]: 0 where query i may see key j (j <= i, key is a token,
// and i - j < window when a window is given), else the dtype's finite minimum, as HF's eager
// mask (never -inf, so rows with every key masked stay finite).
at::Tensor attention_bias(const at::Tensor& attention_mask, at::ScalarType dtype, std::optional<int64_t> window = {});

struct AttentionOptions {
  double scale = 1.0;    // multiplies q.k
  double softcap = 0.0;  // > 0: scores = tanh(scores / softcap) * softcap (Gemma2)
};
// q [B, T, heads, hd], k and v [B, T, kv_heads, hd] (query head h uses kv head h / (heads / kv_heads)).
// Softmax in float32. Returns [B, T, heads * hd].
at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& bias,
                     const AttentionOptions& options);

// Hands hidden states to the callback, if any.
inline void emit(const HiddenCallback& on_hidden, int layer, const at::Tensor& hidden) {
  if (on_hidden) on_hidden(layer, hidden);
}

}  // namespace infobound::models::detail
