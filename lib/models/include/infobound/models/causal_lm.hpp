#pragma once
// Hugging Face causal language models in libtorch: a model directory (config.json plus
// safetensors or PyTorch .bin weights) becomes a torch::nn::Module whose forward pass reproduces transformers'
// output_hidden_states layer by layer. Families are keyed by config.json's model_type; see
// docs/adding-a-model.md for how to add one.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <nlohmann/json.hpp>

namespace infobound::models {

namespace detail {
class Architecture;
struct DeclaredParameter;
}  // namespace detail

struct LoadOptions {
  at::ScalarType dtype = at::kFloat;  // compute dtype: float32, bfloat16, float16 (CUDA) or float64
  at::Device device = at::kCPU;       // CUDA is checked at run time: a clear error where unavailable
};

struct ForwardOptions {
  // false: positions are arange(T) for every row, as transformers' forward does even with left
  // padding. true: positions = cumsum(mask) - 1 (pads get 1), as generate() passes them.
  bool positions_from_mask = false;
  bool compute_logits = false;
  // Stop after this hidden state (a layer group needs no later blocks); -1 = run every block.
  // Logits are not computed when the forward stops early.
  int last_hidden_state = -1;
};

// layer 0 = embedding output, 1..L as HF output_hidden_states (the last one after the final norm).
// `hidden` is [B, T, d] in the compute dtype on the model's device, valid only during the call.
using HiddenCallback = std::function<void(int layer, const at::Tensor& hidden)>;

struct ModelInfo {
  std::string model_type;
  std::filesystem::path dir;  // empty for a model built from a config
  int64_t n_parameters = 0;   // unique parameters (a tied lm_head counts once, as HF counts)
  int64_t n_layers = 0;
  int64_t hidden_size = 0;
  int64_t vocab_size = 0;
  bool tied_embeddings = false;
  std::string
      stored_dtype;  // dtypes of the stored weights, spelled as safetensors does of the checkpoint ("BF16", "F32", "F32,BF16")
};

class CausalLM : public torch::nn::Module {  // parameters carry the HF state_dict names
 public:
  // Reads DIR/config.json and the weights io::Checkpoint finds there (safetensors or .bin, single
  // or sharded); weights are cast to
  // options.dtype. Throws InputError naming the directory and the key or tensor at fault.
  static std::shared_ptr<CausalLM> load(const std::filesystem::path& dir, const LoadOptions& options = {});
  // Builds a freshly initialised model from a config.json (for training), initialised as HF's
  // _init_weights: normal(0, initializer_range) for linears and embeddings, zeros for biases,
  // ones for norm weights (zeros for Gemma's zero-centred (1+w) norms).
  static std::shared_ptr<CausalLM> from_config(const nlohmann::json& config, const LoadOptions& options = {});
  ~CausalLM() override;

  const ModelInfo& info() const { return info_; }
  const nlohmann::json& config() const { return config_; }
  int64_t num_hidden_states() const { return info_.n_layers + 1; }  // L + 1
  at::ScalarType dtype() const { return options_.dtype; }
  at::Device device() const { return options_.device; }

  // input_ids and attention_mask are integer [B, T] (any device; mask 1 = token, 0 = pad; an
  // undefined mask means all ones). Returns logits [B, T, V] when options.compute_logits, else
  // an undefined tensor. Runs with gradients if the caller enables them (training); the
  // pipeline calls it under NoGradGuard.
  at::Tensor forward(const at::Tensor& input_ids, const at::Tensor& attention_mask, const HiddenCallback& on_hidden = {},
                     const ForwardOptions& options = {});

  // Writes config.json + model.safetensors in HF layout (tied weights omitted as HF does).
  void save(const std::filesystem::path& dir) const;

 private:
  CausalLM(nlohmann::json config, std::string source, const LoadOptions& options);
  nlohmann::json config_;
  LoadOptions options_;
  ModelInfo info_;
  std::unique_ptr<detail::Architecture> architecture_;
  std::vector<std::pair<std::string, at::Tensor>> stored_parameters_;  // HF names, registration order
  std::vector<detail::DeclaredParameter> specs_;                       // same order
};

// The model_type values with a registered family, sorted.
std::vector<std::string> model_families();

// Reads config.json and the weight files' headers (safetensors) or pickles (.bin) only, checks that every
// tensor the family needs is present with the right shape, and describes the model.
ModelInfo inspect_model(const std::filesystem::path& dir);

}  // namespace infobound::models
