#include "infobound/models/causal_lm.hpp"

#include <unistd.h>

#include <fstream>
#include <limits>
#include <map>
#include <set>

#include <ATen/Context.h>

#include "architecture.hpp"
#include "infobound/core/error.hpp"
#include "infobound/core/error_context.hpp"
#include "infobound/core/log.hpp"
#include "infobound/core/page_faults.hpp"
#include "infobound/io/checkpoint.hpp"
#include "infobound/io/json_file.hpp"
#include "infobound/io/safetensors.hpp"

namespace infobound::models {
namespace {

using detail::Architecture;
using detail::ConfigReader;
using detail::DeclaredParameter;
using detail::Init;

// Records declarations without allocating (inspect_model).
class SpecSink final : public detail::ParameterSink {
 public:
  void add(const std::string& name, std::vector<int64_t> shape, Init init, at::Tensor*, double std) override {
    specs.push_back({name, std::move(shape), init, std});
  }
  std::vector<DeclaredParameter> specs;
};

// A plain module standing for one level of the HF name hierarchy ("model", "layers", "0").
struct NameNode : torch::nn::Module {};

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

std::string dtype_label(at::ScalarType dtype) {
  switch (dtype) {
    case at::kFloat: return "float32";
    case at::kBFloat16: return "bfloat16";
    case at::kHalf: return "float16";
    case at::kDouble: return "float64";
    default: return c10::toString(dtype);
  }
}

void check_options(const LoadOptions& options) {
  if (options.dtype != at::kFloat && options.dtype != at::kBFloat16 && options.dtype != at::kHalf && options.dtype != at::kDouble)
    throw InputError(std::string("unsupported compute dtype ") + c10::toString(options.dtype) +
                     " (float32, bfloat16, float16 or float64)");
  if (options.device.is_cuda()) {
    if (!at::hasCUDA())
      throw InputError(
          "device cuda requested, but this libtorch has no CUDA support or no GPU is visible "
          "(Debian's libtorch is CPU-only: use --device cpu or a CUDA build of libtorch)");
    // HF reference numbers are full float32: TF32 GEMMs would be off by ~1e-3.
    at::globalContext().setAllowTF32CuBLAS(false);
    at::globalContext().setAllowTF32CuDNN(false);
  } else if (!options.device.is_cpu()) {
    throw InputError("unsupported device " + options.device.str() + " (cpu or cuda)");
  }
}

std::unique_ptr<Architecture> make_architecture(const nlohmann::json& config, const std::string& source) {
  if (!config.is_object()) throw InputError(source + ": not a JSON object");
  const auto it = config.find("model_type");
  if (it == config.end() || !it->is_string()) throw InputError(source + ": missing string key 'model_type'");
  const std::string model_type = it->get<std::string>();
  const auto factory = detail::find_family(model_type);
  if (factory == nullptr) {
    std::string known;
    for (const auto& name : detail::family_names()) known += (known.empty() ? "" : ", ") + name;
    throw InputError(source + ": unknown model_type '" + model_type + "' (supported: " + known + ")");
  }
  const ConfigReader reader(config, source, model_type);
  auto architecture = with_context(source, [&] { return factory(reader); });
  architecture->initializer_range = reader.non_negative_number_or("initializer_range", 0.02);
  return architecture;
}

// The checkpoint tensor for a parameter: its own name, or (for checkpoints saved from the base
// model, like the hub's gpt2) the name without the base prefix, as from_pretrained resolves it.
std::optional<io::TensorView> find_stored(const io::Checkpoint& checkpoint, const Architecture& architecture,
                                          const std::string& name, std::string* stored_name) {
  if (auto view = checkpoint.find(name)) {
    *stored_name = name;
    return view;
  }
  const auto& prefix = architecture.base_prefix;
  if (!prefix.empty() && name.rfind(prefix, 0) == 0) {
    const std::string bare = name.substr(prefix.size());
    if (auto view = checkpoint.find(bare)) {
      *stored_name = bare;
      return view;
    }
  }
  return std::nullopt;
}

// Matches declared parameters to checkpoint tensors: every one present, floating, right shape.
// Warns about checkpoint tensors the family does not use.
std::vector<io::TensorView> match_checkpoint(const io::Checkpoint& checkpoint, const Architecture& architecture,
                                             const std::vector<DeclaredParameter>& specs) {
  const std::string dir = checkpoint.dir().string();
  std::vector<io::TensorView> views;
  std::set<std::string> used;
  for (const auto& spec : specs) {
    std::string stored_name;
    auto view = find_stored(checkpoint, architecture, spec.name, &stored_name);
    if (!view)
      throw InputError(dir + ": tensor '" + spec.name + "' is missing from " + checkpoint.description() +
                       " (the config describes a " + std::to_string(architecture.n_layers) + "-layer model; " +
                       "the checkpoint is incomplete or does not match config.json)");
    const std::string file = checkpoint.file_of(stored_name).string();
    if (view->shape != spec.shape)
      throw InputError(file + ": tensor '" + stored_name + "' has shape " + shape_string(view->shape) +
                       " but config.json needs " + shape_string(spec.shape));
    if (!io::is_floating(view->dtype) || !io::to_scalar_type(view->dtype))
      throw InputError(file + ": tensor '" + stored_name + "' has dtype " + std::string(io::dtype_name(view->dtype)) +
                       " (expected F32, F16, BF16 or F64)");
    used.insert(stored_name);
    views.push_back(*view);
  }
  std::vector<std::string> unused;
  for (const auto& name : checkpoint.names())
    if (!used.count(name) && !architecture.is_stale_buffer(name)) unused.push_back(name);
  if (!unused.empty()) {
    std::string list;
    for (std::size_t i = 0; i < unused.size() && i < 5; ++i) list += (i ? ", " : "") + unused[i];
    if (unused.size() > 5) list += ", ... (" + std::to_string(unused.size()) + " in all)";
    log::warn(dir + ": ignoring checkpoint tensors the model does not use: " + list);
  }
  return views;
}

// Bytes the declared parameters take in `dtype`; throws when config.json asks for more than the
// machine's memory (or more than 64 bits can count) before anything is allocated on the CPU.
void require_memory_for(const std::vector<DeclaredParameter>& specs, at::ScalarType dtype, const std::string& source) {
  const auto element = static_cast<int64_t>(c10::elementSize(dtype));
  int64_t total = 0;
  for (const auto& spec : specs) {
    int64_t bytes = element;
    for (const int64_t extent : spec.shape)
      if (__builtin_mul_overflow(bytes, extent, &bytes))
        throw InputError(source + ": parameter '" + spec.name + "' of shape " + shape_string(spec.shape) +
                         " has more elements than 64 bits can count");
    if (__builtin_add_overflow(total, bytes, &total))
      throw InputError(source + ": the parameters declared by config.json take more bytes than 64 bits can count");
  }
  const auto physical = static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGESIZE));
  if (physical > 0 && static_cast<double>(total) > physical)
    throw InputError(source + ": config.json declares " + std::to_string(total / (int64_t{1} << 20)) + " MiB of parameters in " +
                     dtype_label(dtype) + ", more than this machine's memory (" +
                     std::to_string(static_cast<int64_t>(physical) / (int64_t{1} << 20)) + " MiB); check its sizes");
}

std::vector<DeclaredParameter> declared_parameters(Architecture& architecture) {
  SpecSink sink;
  architecture.declare(sink);
  return std::move(sink.specs);
}

// Where a tensor came from, for messages: "FILE: tensor 'NAME'".
std::string tensor_source(const io::Checkpoint& checkpoint, const Architecture& architecture, const std::string& name) {
  std::string stored_name;
  if (!find_stored(checkpoint, architecture, name, &stored_name)) return checkpoint.dir().string() + ": tensor '" + name + "'";
  return checkpoint.file_of(stored_name).string() + ": tensor '" + stored_name + "'";
}

// One pass over each loaded tensor: a NaN or infinite weight would turn every hidden state after
// it into NaN, and the estimator into numbers that mean nothing.
void require_finite(const at::Tensor& tensor, const std::string& source, at::ScalarType dtype) {
  if (at::isfinite(tensor).all().item<bool>()) return;
  const int64_t bad = tensor.numel() - at::isfinite(tensor).sum().item<int64_t>();
  throw InputError(source + " holds " + std::to_string(bad) + " NaN or infinite value(s) (after conversion to " +
                   dtype_label(dtype) + ")");
}

std::string stored_dtypes(const io::Checkpoint& checkpoint) {
  std::string out;
  for (auto dtype : checkpoint.dtypes()) out += (out.empty() ? "" : ",") + std::string(io::dtype_name(dtype));
  return out;
}

}  // namespace

CausalLM::CausalLM(nlohmann::json config, std::string source, const LoadOptions& options)
    : config_(std::move(config)), options_(options) {
  check_options(options);
  keep_freed_memory_for_reuse();
  architecture_ = make_architecture(config_, source);
  if (options.device.is_cpu()) require_memory_for(declared_parameters(*architecture_), options.dtype, source);
  info_.model_type = config_.at("model_type").get<std::string>();
  info_.n_layers = architecture_->n_layers;
  info_.hidden_size = architecture_->hidden_size;
  info_.vocab_size = architecture_->vocab_size;
  info_.tied_embeddings = architecture_->tied_embeddings;

  // Registers each declared parameter under its HF name: "model.layers.0.mlp.up_proj.weight"
  // becomes modules model -> layers -> 0 -> mlp -> up_proj holding parameter "weight".
  struct Registrar final : detail::ParameterSink {
    CausalLM& model;
    std::map<std::string, std::shared_ptr<torch::nn::Module>> nodes;
    std::vector<DeclaredParameter> specs;
    explicit Registrar(CausalLM& m) : model(m) {}
    void add(const std::string& name, std::vector<int64_t> shape, Init init, at::Tensor* slot, double std) override {
      torch::nn::Module* parent = &model;
      std::string path;
      std::size_t start = 0;
      for (std::size_t dot = name.find('.'); dot != std::string::npos; dot = name.find('.', start)) {
        const std::string part = name.substr(start, dot - start);
        path += part + ".";
        auto& node = nodes[path];
        if (!node) node = parent->register_module(part, std::make_shared<NameNode>());
        parent = node.get();
        start = dot + 1;
      }
      const auto options = at::TensorOptions().dtype(model.options_.dtype).device(model.options_.device);
      *slot = parent->register_parameter(name.substr(start), at::empty(shape, options));
      model.stored_parameters_.emplace_back(name, *slot);
      specs.push_back({name, std::move(shape), init, std});
    }
  } registrar(*this);
  architecture_->declare(registrar);
  for (const auto& [_, tensor] : stored_parameters_) info_.n_parameters += tensor.numel();
  specs_ = std::move(registrar.specs);
}

CausalLM::~CausalLM() = default;

std::shared_ptr<CausalLM> CausalLM::load(const std::filesystem::path& dir, const LoadOptions& options) {
  const auto config_path = dir / "config.json";
  if (!std::filesystem::exists(config_path)) throw InputError(dir.string() + ": no config.json (not a model directory)");
  // Whatever fails while reading (libtorch, memory) names the model directory.
  return with_context(dir.string(), [&] {
    nlohmann::json config = io::read_json_file(config_path);
    const auto checkpoint = io::Checkpoint::open(dir);
    // The checkpoint's header shapes are checked against config.json before the model allocates
    // anything at config.json's sizes: the sizes it declares are then backed by the files.
    {
      auto architecture = make_architecture(config, config_path.string());
      match_checkpoint(checkpoint, *architecture, declared_parameters(*architecture));
    }
    std::shared_ptr<CausalLM> model(new CausalLM(std::move(config), config_path.string(), options));
    model->info_.dir = dir;
    const auto views = match_checkpoint(checkpoint, *model->architecture_, model->specs_);
    at::NoGradGuard no_grad;
    for (std::size_t i = 0; i < views.size(); ++i) {
      const auto& view = views[i];
      // An unaligned view (possible after an odd-sized F16 tensor) is copied by tensor(); the
      // copy_ below casts to the compute dtype and moves to the device in one step.
      at::Tensor source = at::from_blob(const_cast<std::byte*>(view.bytes.data()), view.shape,
                                        at::TensorOptions().dtype(*io::to_scalar_type(view.dtype)));
      if (reinterpret_cast<uintptr_t>(view.bytes.data()) % io::dtype_size(view.dtype) != 0) source = source.clone();
      model->stored_parameters_[i].second.copy_(source);
    }
    for (const auto& [name, tensor] : model->stored_parameters_)
      require_finite(tensor, tensor_source(checkpoint, *model->architecture_, name), options.dtype);
    model->info_.stored_dtype = stored_dtypes(checkpoint);
    return model;
  });
}

std::shared_ptr<CausalLM> CausalLM::from_config(const nlohmann::json& config, const LoadOptions& options) {
  std::shared_ptr<CausalLM> model(new CausalLM(config, "config", options));
  model->info_.stored_dtype = io::dtype_name(io::from_scalar_type(options.dtype));
  at::NoGradGuard no_grad;
  for (std::size_t i = 0; i < model->specs_.size(); ++i) {
    const auto& spec = model->specs_[i];
    at::Tensor& tensor = model->stored_parameters_[i].second;
    switch (spec.init) {
      case Init::normal: tensor.normal_(0.0, spec.std >= 0 ? spec.std : model->architecture_->initializer_range); break;
      case Init::zeros: tensor.zero_(); break;
      case Init::ones: tensor.fill_(1.0); break;
    }
  }
  return model;
}

at::Tensor CausalLM::forward(const at::Tensor& input_ids, const at::Tensor& attention_mask, const HiddenCallback& on_hidden,
                             const ForwardOptions& options) {
  // An error raised inside (a token id, a position, libtorch) names the model it came from.
  try {
    if (!input_ids.defined() || input_ids.dim() != 2 || input_ids.size(0) == 0 || input_ids.size(1) == 0)
      throw InputError("input_ids must be a non-empty [batch, length] tensor");
    if (at::isFloatingType(input_ids.scalar_type()) || input_ids.scalar_type() == at::kBool)
      throw InputError(std::string("input_ids must be integers, got ") + c10::toString(input_ids.scalar_type()));
    detail::Batch batch;
    batch.input_ids = input_ids.to(options_.device, at::kLong);
    if (attention_mask.defined()) {
      if (attention_mask.sizes() != input_ids.sizes())
        throw InputError("attention_mask shape " + shape_string(attention_mask.sizes().vec()) + " differs from input_ids " +
                         shape_string(input_ids.sizes().vec()));
      batch.attention_mask = attention_mask.to(options_.device, at::kLong);
      if (batch.attention_mask.lt(0).logical_or(batch.attention_mask.gt(1)).any().item<bool>())
        throw InputError("attention_mask must hold only 0 and 1");
    } else {
      batch.attention_mask = at::ones_like(batch.input_ids);
    }
    const int64_t lowest = batch.input_ids.min().item<int64_t>();
    const int64_t highest = batch.input_ids.max().item<int64_t>();
    if (lowest < 0 || highest >= info_.vocab_size)
      throw InputError("input_ids hold token id " + std::to_string(lowest < 0 ? lowest : highest) +
                       ", outside the model's vocabulary [0, " + std::to_string(info_.vocab_size) + ")");
    if (options.positions_from_mask) {
      batch.positions = (batch.attention_mask.cumsum(1) - 1).masked_fill_(batch.attention_mask.eq(0), 1);
    } else {
      batch.positions = at::arange(input_ids.size(1), batch.input_ids.options()).unsqueeze(0).expand_as(batch.input_ids);
    }
    if (options.last_hidden_state < 0 || options.last_hidden_state >= num_hidden_states() - 1)
      return architecture_->forward(batch, on_hidden, options.compute_logits);
    // Architectures run every block; a layer group's forward ends at its last hidden state by
    // unwinding from the callback (no later block is computed).
    struct StopForward {};
    const int last = options.last_hidden_state;
    const HiddenCallback stopping = [&](int layer, const at::Tensor& hidden) {
      if (on_hidden) on_hidden(layer, hidden);
      if (layer >= last) throw StopForward{};
    };
    try {
      architecture_->forward(batch, stopping, false);
    } catch (const StopForward&) {
    }
    return {};
  } catch (...) {
    rethrow_with_context(info_.dir.empty() ? "model " + info_.model_type + " (built from a config)" : info_.dir.string());
  }
}

void CausalLM::save(const std::filesystem::path& dir) const {
  std::filesystem::create_directories(dir);
  nlohmann::json config = config_;
  config["torch_dtype"] = dtype_label(options_.dtype);
  const auto config_path = dir / "config.json";
  {
    std::ofstream out(config_path);
    out << config.dump(2) << "\n";
    if (!out) throw InputError(config_path.string() + ": cannot write");
  }
  io::write_safetensors(dir / "model.safetensors", stored_parameters_, {{"format", "pt"}});
}

std::vector<std::string> model_families() { return detail::family_names(); }

ModelInfo inspect_model(const std::filesystem::path& dir) {
  const auto config_path = dir / "config.json";
  if (!std::filesystem::exists(config_path)) throw InputError(dir.string() + ": no config.json (not a model directory)");
  const nlohmann::json config = io::read_json_file(config_path);
  auto architecture = make_architecture(config, config_path.string());
  SpecSink sink;
  architecture->declare(sink);
  const auto checkpoint = io::Checkpoint::open(dir);
  match_checkpoint(checkpoint, *architecture, sink.specs);
  ModelInfo info;
  info.model_type = config.at("model_type").get<std::string>();
  info.dir = dir;
  for (const auto& spec : sink.specs) {
    int64_t n = 1;
    for (auto d : spec.shape) n *= d;
    info.n_parameters += n;
  }
  info.n_layers = architecture->n_layers;
  info.hidden_size = architecture->hidden_size;
  info.vocab_size = architecture->vocab_size;
  info.tied_embeddings = architecture->tied_embeddings;
  info.stored_dtype = stored_dtypes(checkpoint);
  return info;
}

}  // namespace infobound::models
