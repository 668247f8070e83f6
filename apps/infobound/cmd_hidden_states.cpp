// `infobound hidden-states`: per-layer hidden states and logits of a model on given token ids,
// written in the format of the golden fixtures (hidden_states.<i> float32, logits float32).
#include <cstdio>
#include <thread>

#include <ATen/Parallel.h>
#include <boost/program_options.hpp>

#include "command.hpp"
#include "device_option.hpp"
#include "infobound/core/blas.hpp"
#include "infobound/core/error.hpp"
#include "infobound/io/safetensors.hpp"
#include "infobound/models/causal_lm.hpp"
#include "options.hpp"

namespace infobound::cli {
namespace {

namespace po = boost::program_options;

at::ScalarType parse_dtype(const std::string& name) {
  if (name == "float32") return at::kFloat;
  if (name == "bfloat16") return at::kBFloat16;
  throw UsageError("--dtype must be float32 or bfloat16, got '" + name + "'");
}

at::Tensor integer_input(const io::SafetensorsFile& file, const std::string& name) {
  const auto view = file.find(name);
  if (!view) throw InputError(file.path().string() + ": no tensor '" + name + "'");
  if (view->shape.size() != 2 || (view->dtype != io::Dtype::I64 && view->dtype != io::Dtype::I32))
    throw InputError(file.path().string() + ": tensor '" + name + "' must be I64 or I32 [batch, length]");
  return file.tensor(name).to(at::kLong);
}

int run_hidden_states(int argc, char** argv) {
  std::string model_dir, input, output, dtype = "float32", device = "cpu";
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  po::options_description options("infobound hidden-states options");
  options.add_options()("help,h", "show this help")("model", po::value(&model_dir)->required(),
                                                    "model directory (config.json + safetensors)")(
      "input", po::value(&input)->required(), "safetensors with input_ids [B,T] and optionally attention_mask [B,T]")(
      "output", po::value(&output)->required(), "safetensors to write hidden_states.<i> and logits to")(
      "dtype", po::value(&dtype)->default_value(dtype), "compute dtype: float32 or bfloat16")(
      "device", po::value(&device)->default_value(device), "cpu or cuda")(
      "positions-from-mask", "positions = cumsum(mask) - 1 (as generate() for left padding) instead of arange(T)")(
      "threads", po::value(&threads)->default_value(threads), "intra-op CPU threads");
  po::variables_map vm;
  if (!parse_options(argc, argv, options, vm,
                     "usage: infobound hidden-states --model DIR --input IN.safetensors --output OUT.safetensors"))
    return 0;
  if (threads < 1) throw UsageError("--threads must be at least 1");
  at::set_num_threads(threads);
  warn_if_slow_blas();

  models::LoadOptions load;
  load.dtype = parse_dtype(dtype);
  load.device = parse_device(device);
  const auto in = io::SafetensorsFile::open(input);
  const at::Tensor ids = integer_input(in, "input_ids");
  const at::Tensor mask = in.contains("attention_mask") ? integer_input(in, "attention_mask") : at::ones_like(ids);
  const auto model = models::CausalLM::load(model_dir, load);

  models::ForwardOptions forward;
  forward.compute_logits = true;
  forward.positions_from_mask = vm.count("positions-from-mask") > 0;
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  at::NoGradGuard no_grad;
  const at::Tensor logits = model->forward(
      ids, mask,
      [&](int layer, const at::Tensor& hidden) {
        tensors.emplace_back("hidden_states." + std::to_string(layer), hidden.to(at::kCPU, at::kFloat, false, true));
      },
      forward);
  const at::Tensor positions = forward.positions_from_mask
                                   ? (mask.cumsum(1) - 1).masked_fill_(mask.eq(0), 1)
                                   : at::arange(ids.size(1), at::kLong).unsqueeze(0).expand_as(ids).contiguous();
  tensors.emplace_back("logits", logits.to(at::kCPU, at::kFloat));
  tensors.emplace_back("input_ids", ids);
  tensors.emplace_back("attention_mask", mask);
  tensors.emplace_back("position_ids", positions);
  io::write_safetensors(output, tensors, {{"format", "pt"}, {"model", model_dir}, {"dtype", dtype}});
  std::printf("wrote %lld hidden states and logits for %lld x %lld tokens to %s\n",
              static_cast<long long>(model->num_hidden_states()), static_cast<long long>(ids.size(0)),
              static_cast<long long>(ids.size(1)), output.c_str());
  return 0;
}

const Register registered{{"hidden-states", "per-layer hidden states and logits of a model on token ids", run_hidden_states}};

}  // namespace
}  // namespace infobound::cli
