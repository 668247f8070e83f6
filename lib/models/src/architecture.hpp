#pragma once
// What a model family provides: its parameters under their HF names (declare) and a forward
// pass built from those named parts. CausalLM owns the tensors; a family keeps handles to them.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <ATen/ATen.h>

#include "config_reader.hpp"
#include "infobound/models/causal_lm.hpp"

namespace infobound::models::detail {

// How from_config initialises a parameter (HF _init_weights).
enum class Init { normal, zeros, ones };

struct DeclaredParameter {
  std::string name;
  std::vector<int64_t> shape;
  Init init;
  double std;
};

class ParameterSink {
 public:
  virtual ~ParameterSink() = default;
  // Declares parameter `name` (the HF state_dict name) and points `slot` at its tensor.
  // `std` < 0 means the config's initializer_range.
  virtual void add(const std::string& name, std::vector<int64_t> shape, Init init, at::Tensor* slot, double std = -1) = 0;
};

// The inputs of one forward pass, validated and on the model's device.
struct Batch {
  at::Tensor input_ids;       // [B, T] int64
  at::Tensor attention_mask;  // [B, T] int64, 1 = token
  at::Tensor positions;       // [B, T] int64
};

class Architecture {
 public:
  virtual ~Architecture() = default;
  // Declares every stored parameter (a tied lm_head is not declared: the family reuses the
  // embedding). Called once, before forward.
  virtual void declare(ParameterSink& sink) = 0;
  virtual at::Tensor forward(const Batch& batch, const HiddenCallback& on_hidden, bool compute_logits) const = 0;
  // Checkpoint tensors that are not parameters (buffers older HF versions saved): skipped silently.
  virtual bool is_stale_buffer(std::string_view name) const;

  std::string base_prefix;  // "model.", "gpt_neox.", "transformer.": absent in base-model checkpoints
  int64_t n_layers = 0;
  int64_t hidden_size = 0;
  int64_t vocab_size = 0;
  bool tied_embeddings = false;
  double initializer_range = 0.02;
};

using Factory = std::unique_ptr<Architecture> (*)(const ConfigReader& config);

// The factory for a model_type, or nullptr.
Factory find_family(std::string_view model_type);
std::vector<std::string> family_names();

// One function per family file.
std::unique_ptr<Architecture> make_gpt_neox(const ConfigReader& config);
std::unique_ptr<Architecture> make_llama(const ConfigReader& config);
std::unique_ptr<Architecture> make_olmo2(const ConfigReader& config);
std::unique_ptr<Architecture> make_qwen2(const ConfigReader& config);
std::unique_ptr<Architecture> make_gemma(const ConfigReader& config);
std::unique_ptr<Architecture> make_gemma2(const ConfigReader& config);
std::unique_ptr<Architecture> make_gpt2(const ConfigReader& config);

}  // namespace infobound::models::detail
