#include "blocks.hpp"

#include <cmath>
#include <limits>

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>

namespace infobound::models::detail {
namespace {

at::Tensor rows(const at::Tensor& x) { return x.reshape({-1, x.size(-1)}); }

at::Tensor unrows(const at::Tensor& y, const at::Tensor& like) {
  auto sizes = like.sizes().vec();
  sizes.back() = y.size(-1);
  return y.view(sizes);
}

double finite_min(at::ScalarType dtype) {
  switch (dtype) {
    case at::kFloat: return std::numeric_limits<float>::lowest();
    case at::kDouble: return std::numeric_limits<double>::lowest();
    case at::kBFloat16: return static_cast<float>(std::numeric_limits<c10::BFloat16>::lowest());
    case at::kHalf: return static_cast<float>(std::numeric_limits<c10::Half>::lowest());
    default: throw std::invalid_argument("attention bias needs a floating dtype");
  }
}

at::Tensor rotate_half(const at::Tensor& x) {
  const int64_t half = x.size(-1) / 2;
  return at::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
}

// HF's rotate_half RoPE on one CPU pass: out1 = x1*c - x2*s, out2 = x2*c + x1*s, every product
// and sum rounded to scalar_t as torch's separate elementwise ops round them (x1*c + (-x2)*s is
// exactly x1*c - x2*s), so results are bit-identical to the tensor expression. The tensor
// expression makes five passes with temporaries and crawls over NeoX's 8-wide rotary halves.
template <typename scalar_t>
void rope_cpu(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin, at::Tensor& out) {
  const int64_t batch = x.size(0), length = x.size(1), heads = x.size(2), head_dim = x.size(3);
  const int64_t dim = cos.size(-1), half = dim / 2;
  const int64_t xs0 = x.stride(0), xs1 = x.stride(1), xs2 = x.stride(2);
  const scalar_t* xp = x.data_ptr<scalar_t>();
  const scalar_t* cp = cos.data_ptr<scalar_t>();
  const scalar_t* sp = sin.data_ptr<scalar_t>();
  scalar_t* op = out.data_ptr<scalar_t>();
  at::parallel_for(0, batch * length, 16, [&](int64_t begin, int64_t end) {
    for (int64_t bt = begin; bt < end; ++bt) {
      const int64_t b = bt / length, t = bt % length;
      const scalar_t* c = cp + bt * dim;
      const scalar_t* s = sp + bt * dim;
      for (int64_t h = 0; h < heads; ++h) {
        const scalar_t* in = xp + b * xs0 + t * xs1 + h * xs2;
        scalar_t* o = op + (bt * heads + h) * head_dim;
        for (int64_t i = 0; i < half; ++i) {
          const scalar_t first = in[i] * c[i];
          const scalar_t second = in[i + half] * s[i];
          o[i] = first - second;
        }
        for (int64_t i = half; i < dim; ++i) {
          const scalar_t first = in[i] * c[i];
          const scalar_t second = in[i - half] * s[i];
          o[i] = first + second;
        }
        for (int64_t i = dim; i < head_dim; ++i) o[i] = in[i];
      }
    }
  });
}

}  // namespace

at::Tensor affine(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  const at::Tensor x2 = rows(x);
  return unrows(bias.defined() ? at::addmm(bias, x2, weight.t()) : at::mm(x2, weight.t()), x);
}

at::Tensor conv1d(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  return unrows(at::addmm(bias, rows(x), weight), x);
}

namespace {

// The tensor that `parts` are consecutive slices of (along dim 0, as share_rows leaves them),
// or an undefined tensor when they are not.
at::Tensor spanning_rows(const std::vector<at::Tensor>& parts) {
  const at::Tensor& first = parts.front();
  if (!first.defined() || !first.is_contiguous()) return {};
  const auto* expected = static_cast<const char*>(first.data_ptr());
  int64_t rows = 0;
  for (const auto& part : parts) {
    if (!part.defined() || !part.is_contiguous() || !part.storage().is_alias_of(first.storage()) || part.dim() != first.dim() ||
        part.sizes().slice(1) != first.sizes().slice(1) || static_cast<const char*>(part.data_ptr()) != expected)
      return {};
    expected += part.numel() * part.element_size();
    rows += part.size(0);
  }
  auto sizes = first.sizes().vec();
  sizes[0] = rows;
  return first.as_strided(sizes, first.strides());
}

}  // namespace

void share_rows(const std::vector<at::Tensor*>& parts) {
  for (const auto* part : parts)
    if (!part->defined()) return;
  std::vector<at::Tensor> values;
  for (const auto* part : parts) values.push_back(*part);
  at::NoGradGuard no_grad;
  const at::Tensor joint = at::cat(values, 0);
  int64_t start = 0;
  for (auto* part : parts) {
    const int64_t rows = part->size(0);
    part->set_data(joint.narrow(0, start, rows));
    start += rows;
  }
}

at::Tensor add_into(at::Tensor temporary, const at::Tensor& other) {
  if (inference()) return temporary.add_(other);
  return temporary + other;
}

std::vector<at::Tensor> fused_linear(const at::Tensor& x, const std::vector<at::Tensor>& weights,
                                     const std::vector<at::Tensor>& biases) {
  bool needs_grad = false;
  for (const auto& w : weights) needs_grad = needs_grad || w.requires_grad();
  if (at::GradMode::is_enabled() && needs_grad) {
    std::vector<at::Tensor> outputs;
    for (std::size_t i = 0; i < weights.size(); ++i) outputs.push_back(affine(x, weights[i], biases[i]));
    return outputs;
  }
  bool any_bias = false;
  for (const auto& b : biases) any_bias = any_bias || b.defined();
  at::Tensor joint_weight = spanning_rows(weights);
  if (!joint_weight.defined()) joint_weight = at::cat(weights, 0);
  at::Tensor joint_bias = any_bias ? spanning_rows(biases) : at::Tensor();
  if (any_bias && !joint_bias.defined()) {
    std::vector<at::Tensor> bias_parts;
    for (std::size_t i = 0; i < weights.size(); ++i)
      bias_parts.push_back(biases[i].defined() ? biases[i] : at::zeros({weights[i].size(0)}, weights[i].options()));
    joint_bias = at::cat(bias_parts, 0);
  }
  const at::Tensor fused = affine(x, joint_weight, joint_bias);
  std::vector<at::Tensor> outputs;
  int64_t start = 0;
  for (const auto& w : weights) {
    outputs.push_back(fused.narrow(-1, start, w.size(0)));
    start += w.size(0);
  }
  return outputs;
}

at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps, RmsStyle style) {
  const at::Tensor xf = x.to(at::kFloat);
  const at::Tensor normed = xf * at::rsqrt(xf.pow(2).mean(-1, /*keepdim=*/true) + eps);
  switch (style) {
    case RmsStyle::weight_times_cast: return weight * normed.to(x.scalar_type());
    case RmsStyle::cast_of_product: return (weight * normed).to(x.scalar_type());
    case RmsStyle::one_plus_weight: return (normed * (1.0 + weight.to(at::kFloat))).to(x.scalar_type());
  }
  return {};
}

at::Tensor layer_norm(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, double eps) {
  return at::layer_norm(x, {x.size(-1)}, weight, bias, eps);
}

Activation activation_from(const ConfigReader& config, const std::string& key, const std::string& name) {
  if (name == "gelu") return Activation::gelu;
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast") return Activation::gelu_tanh;
  if (name == "silu" || name == "swish") return Activation::silu;
  if (name == "relu") return Activation::relu;
  config.fail("key '" + key + "' names activation '" + name +
              "', which is not supported (gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, silu, swish, relu)");
}

at::Tensor activate(const at::Tensor& x, Activation activation) {
  switch (activation) {
    case Activation::gelu: return at::gelu(x);
    case Activation::gelu_tanh: return at::gelu(x, "tanh");
    case Activation::silu: return at::silu(x);
    case Activation::relu: return at::relu(x);
  }
  return {};
}

at::Tensor activate_into(at::Tensor x, Activation activation) {
  if (!inference()) return activate(x, activation);
  switch (activation) {
    case Activation::gelu: return at::gelu_(x);
    case Activation::gelu_tanh: return at::gelu_(x, "tanh");
    case Activation::silu: return at::silu_(x);
    case Activation::relu: return at::relu_(x);
  }
  return {};
}

at::Tensor rope_inv_freq(const ConfigReader& config, int64_t dim, double theta) {
  if (dim <= 0 || dim % 2 != 0) config.fail("rotary dimension " + std::to_string(dim) + " must be even and positive");
  // theta <= 0 makes 1 / theta^x infinite: every rotated hidden state would be NaN.
  if (!(theta > 0) || !std::isfinite(theta)) config.fail("rope_theta must be a finite number > 0, got " + std::to_string(theta));
  // Exactly HF's float32 arithmetic: 1 / theta ** (arange(0, dim, 2).float() / dim).
  const at::Tensor exponents = at::arange(0, dim, 2, at::kLong).to(at::kFloat) / static_cast<double>(dim);
  at::Tensor inv_freq = 1.0 / at::pow(theta, exponents);
  if (!config.has("rope_scaling")) return inv_freq;
  const auto& scaling = config.json().at("rope_scaling");
  if (!scaling.is_object()) config.fail("key 'rope_scaling' must be an object or null");
  const auto type_it = scaling.contains("rope_type") ? scaling.find("rope_type") : scaling.find("type");
  const std::string type = type_it != scaling.end() && type_it->is_string() ? type_it->get<std::string>() : "";
  auto number = [&](const char* key) {
    if (!scaling.contains(key) || !scaling[key].is_number())
      config.fail("rope_scaling of type '" + type + "' needs the number '" + key + "'");
    const double value = scaling[key].get<double>();
    if (!(value > 0) || !std::isfinite(value)) config.fail("rope_scaling '" + std::string(key) + "' must be a finite number > 0");
    return value;
  };
  if (type == "default") return inv_freq;
  if (type == "linear") return inv_freq / number("factor");
  if (type == "llama3") {
    const double factor = number("factor");
    const double low = number("low_freq_factor");
    const double high = number("high_freq_factor");
    const double original = number("original_max_position_embeddings");
    if (!(high > low)) config.fail("rope_scaling needs high_freq_factor > low_freq_factor");
    const double low_wavelen = original / low;
    const double high_wavelen = original / high;
    const at::Tensor wavelen = 2 * M_PI / inv_freq;
    const at::Tensor scaled = at::where(wavelen > low_wavelen, inv_freq / factor, inv_freq);
    const at::Tensor smooth = (original / wavelen - low) / (high - low);
    const at::Tensor smoothed = (1 - smooth) * scaled / factor + smooth * scaled;
    const at::Tensor medium = at::logical_not(wavelen < high_wavelen) * at::logical_not(wavelen > low_wavelen);
    return at::where(medium, smoothed, scaled);
  }
  config.fail("rope_scaling type '" + type + "' is not supported (default, linear, llama3)");
}

RopeTables rope_tables(const at::Tensor& inv_freq, const at::Tensor& positions, at::ScalarType dtype) {
  const at::Tensor angle = positions.to(at::kFloat).unsqueeze(-1) * inv_freq.to(positions.device());
  const at::Tensor both = at::cat({angle, angle}, -1).unsqueeze(2);
  return {both.cos().to(dtype), both.sin().to(dtype)};
}

at::Tensor apply_rope(const at::Tensor& x, const RopeTables& tables) {
  const int64_t dim = tables.cos.size(-1);
  const int64_t head_dim = x.size(-1);
  if (at::GradMode::is_enabled() && x.requires_grad()) {
    // HF's expression, differentiable.
    if (dim == head_dim) return x * tables.cos + rotate_half(x) * tables.sin;
    const at::Tensor rotated = x.narrow(-1, 0, dim);
    return at::cat({rotated * tables.cos + rotate_half(rotated) * tables.sin, x.narrow(-1, dim, head_dim - dim)}, -1);
  }
  if (x.device().is_cpu() && x.stride(-1) == 1) {
    at::Tensor out = at::empty(x.sizes(), x.options());
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, x.scalar_type(), "apply_rope",
                                    [&] { rope_cpu<scalar_t>(x, tables.cos.contiguous(), tables.sin.contiguous(), out); });
    return out;
  }
  if (dim == head_dim) return x * tables.cos + rotate_half(x) * tables.sin;
  const at::Tensor rotated = x.narrow(-1, 0, dim);
  return at::cat({rotated * tables.cos + rotate_half(rotated) * tables.sin, x.narrow(-1, dim, head_dim - dim)}, -1);
}

at::Tensor attention_bias(const at::Tensor& attention_mask, at::ScalarType dtype, std::optional<int64_t> window) {
  const int64_t batch = attention_mask.size(0);
  const int64_t length = attention_mask.size(1);
  const at::Tensor index = at::arange(length, attention_mask.options().dtype(at::kLong));
  const at::Tensor distance = index.unsqueeze(1) - index.unsqueeze(0);  // i - j
  at::Tensor visible = distance >= 0;
  if (window) visible = visible.logical_and(distance < *window);
  visible = visible.unsqueeze(0).logical_and(attention_mask.unsqueeze(1) != 0);  // [B, T, T]
  return at::zeros({batch, 1, length, length}, attention_mask.options().dtype(dtype))
      .masked_fill_(visible.logical_not().unsqueeze(1), finite_min(dtype));
}

at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& bias,
                     const AttentionOptions& options) {
  const int64_t batch = q.size(0), length = q.size(1), heads = q.size(2), head_dim = q.size(3);
  const int64_t kv_heads = k.size(2);
  const int64_t group = heads / kv_heads;
  // Query heads sharing a kv head are adjacent (h = g * group + r). Laying queries out as
  // [B, kv, T, group, hd] lets one batched GEMM serve a whole group without repeating K and V,
  // and keeps each block of query positions contiguous.
  const at::Tensor grouped = q.view({batch, length, kv_heads, group, head_dim}).permute({0, 2, 1, 3, 4});
  at::Tensor qh;
  if (at::GradMode::is_enabled() && q.requires_grad()) {
    qh = (grouped * options.scale).contiguous();
  } else {
    qh = at::empty({batch, kv_heads, length, group, head_dim}, q.options());
    at::mul_out(qh, grouped, at::scalar_tensor(options.scale, q.options()));
  }
  const at::Tensor kh = k.transpose(1, 2).contiguous();  // [B, kv, T, hd]
  const at::Tensor vh = v.transpose(1, 2).contiguous();
  const auto bias5 = bias.unsqueeze(3);  // [B, 1, T, 1, T]
  // Causal attention in blocks of query positions: block [s, e) only needs keys [0, e), which
  // skips most of the masked upper triangle (~40% of the work at T = 512) and bounds the score
  // memory by the block instead of T x T.
  const int64_t block = length <= 256 ? length : 128;  // 64..512 measured at T = 512: 128 is fastest
  // At inference each block's softmax overwrites its scores and p.v lands in its rows of `out`.
  const bool reuse = inference() && (q.scalar_type() == at::kFloat || q.scalar_type() == at::kDouble);
  at::Tensor out = reuse ? at::empty({batch, kv_heads, length, group, head_dim}, q.options()) : at::Tensor();
  std::vector<at::Tensor> outputs;
  for (int64_t start = 0; start < length; start += block) {
    const int64_t rows = std::min(block, length - start), keys = start + rows;
    const at::Tensor qb = qh.narrow(2, start, rows).view({batch, kv_heads, rows * group, head_dim});
    at::Tensor scores = at::matmul(qb, kh.narrow(2, 0, keys).transpose(-1, -2));  // [B, kv, rows*group, keys]
    if (options.softcap > 0) scores = at::tanh(scores / options.softcap) * options.softcap;
    scores.view({batch, kv_heads, rows, group, keys}).add_(bias5.narrow(2, start, rows).narrow(4, 0, keys));
    if (reuse) {
      at::softmax_out(scores, scores, -1);
      at::Tensor rows_out = out.narrow(2, start, rows).view({batch * kv_heads, rows * group, head_dim});
      at::bmm_out(rows_out, scores.view({batch * kv_heads, rows * group, keys}),
                  vh.narrow(2, 0, keys).view({batch * kv_heads, keys, head_dim}));
      continue;
    }
    const at::Tensor probs = scores.scalar_type() == at::kFloat || scores.scalar_type() == at::kDouble
                                 ? at::softmax(scores, -1)
                                 : at::softmax(scores, -1, at::kFloat).to(scores.scalar_type());
    scores.reset();
    outputs.push_back(at::matmul(probs, vh.narrow(2, 0, keys)).view({batch, kv_heads, rows, group, head_dim}));
  }
  if (!reuse) out = outputs.size() == 1 ? outputs[0] : at::cat(outputs, 2);  // [B, kv, T, group, hd]
  return out.permute({0, 2, 1, 3, 4}).reshape({batch, length, heads * head_dim});
}

}  // namespace infobound::models::detail
