#include "infobound/models/forward_benchmark.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <chrono>

#include <ATen/Parallel.h>

namespace infobound::models {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

int64_t config_int(const nlohmann::json& config, const char* key, int64_t fallback) {
  const auto it = config.find(key);
  return it != config.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

// Width of the attention's q.k products: heads x head_dim (differs from hidden_size in Gemma).
int64_t attention_width(const CausalLM& model) {
  const auto& config = model.config();
  const int64_t heads = config_int(config, "num_attention_heads", config_int(config, "n_head", 0));
  const int64_t head_dim = config_int(config, "head_dim", 0);
  return heads > 0 && head_dim > 0 ? heads * head_dim : model.info().hidden_size;
}

bool is_embedding_table(const std::string& name) {
  return name.find("embed_in.") != std::string::npos || name.find("embed_tokens.") != std::string::npos ||
         name.find(".wte.") != std::string::npos || name.find(".wpe.") != std::string::npos || name.rfind("wte.", 0) == 0 ||
         name.rfind("wpe.", 0) == 0;
}

bool is_lm_head(const std::string& name) { return name.rfind("embed_out.", 0) == 0 || name.rfind("lm_head.", 0) == 0; }

}  // namespace

ProcessCounters process_counters() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return {usage.ru_minflt, usage.ru_majflt, static_cast<double>(usage.ru_maxrss) / 1024.0};
}

double matmul_peak_gflops(int64_t rows, int64_t hidden_size, int repeats, const at::Device& device) {
  std::vector<std::array<int64_t, 3>> shapes{{2048, 2048, 2048}};
  if (rows > 0 && hidden_size > 0) shapes.push_back({rows, hidden_size, 4 * hidden_size});
  const int products = device.is_cpu() ? 1 : 20;
  double best = 0;
  for (const auto& [m, k, n] : shapes) {
    const auto on = at::TensorOptions().dtype(at::kFloat).device(device);
    const at::Tensor a = at::randn({m, k}, on), b = at::randn({k, n}, on);
    at::Tensor c = at::mm(a, b);
    c[0][0].item<float>();
    for (int rep = 0; rep < repeats; ++rep) {
      const auto start = Clock::now();
      for (int i = 0; i < products; ++i) at::mm_out(c, a, b);
      c[0][0].item<float>();
      best = std::max(best, 2.0 * static_cast<double>(m * k * n) * products / seconds_since(start) / 1e9);
    }
  }
  return best;
}

double matmul_flops_per_token(const CausalLM& model, int64_t length, bool logits) {
  const auto& info = model.info();
  double weights = 0;
  for (const auto& item : model.named_parameters()) {
    const auto& name = item.key();
    if (item.value().dim() != 2 || is_embedding_table(name) || (!logits && is_lm_head(name))) continue;
    weights += static_cast<double>(item.value().numel());
  }
  if (logits && info.tied_embeddings) weights += static_cast<double>(info.vocab_size * info.hidden_size);
  const double attention =
      2.0 * 2.0 * static_cast<double>(length) * static_cast<double>(attention_width(model)) * static_cast<double>(info.n_layers);
  return 2.0 * weights + attention;
}

nlohmann::json benchmark_forward(CausalLM& model, const ForwardBenchmarkOptions& options) {
  const auto& info = model.info();
  at::manual_seed(1);
  const at::Tensor ids = at::randint(0, info.vocab_size, {options.batch, options.length}, at::kLong);
  const at::Tensor mask = at::ones_like(ids);
  at::NoGradGuard no_grad;
  ForwardOptions forward;
  forward.compute_logits = options.logits;
  std::vector<at::Tensor> kept;
  HiddenCallback keep;
  if (options.hidden_states)
    keep = [&](int, const at::Tensor& hidden) { kept.push_back(hidden.to(at::kCPU, at::kFloat, false, true)); };
  double checksum = 0;
  auto run = [&] {
    kept.clear();
    const at::Tensor logits = model.forward(ids, mask, keep, forward);
    // Reading one value from each output keeps the work observable.
    for (const auto& h : kept) checksum += h[0][0][0].item<double>();
    if (logits.defined()) checksum += logits[0][0][0].item<double>();
  };

  const at::Device device = model.device();
  std::vector<double> peaks{matmul_peak_gflops(options.batch * options.length, info.hidden_size, 3, device)};
  const ProcessCounters before_warmup = process_counters();
  auto start = Clock::now();
  run();
  const double warmup_seconds = seconds_since(start);
  const ProcessCounters before_timed = process_counters();
  std::vector<double> times;
  for (int rep = 0; rep < options.reps; ++rep) {
    start = Clock::now();
    run();
    times.push_back(seconds_since(start));
  }
  const ProcessCounters after_timed = process_counters();
  peaks.push_back(matmul_peak_gflops(options.batch * options.length, info.hidden_size, 3, device));

  const double best = *std::min_element(times.begin(), times.end());
  const double peak = *std::max_element(peaks.begin(), peaks.end());
  const double tokens = static_cast<double>(options.batch * options.length);
  const double nominal = 2.0 * static_cast<double>(info.n_parameters) * tokens / best / 1e9;
  const double counted = matmul_flops_per_token(model, options.length, options.logits) * tokens / best / 1e9;
  const long timed_faults = after_timed.minor_faults - before_timed.minor_faults;
  return {{"family", info.model_type},
          {"parameters", info.n_parameters},
          {"batch", options.batch},
          {"length", options.length},
          {"threads", at::get_num_threads()},
          {"hidden_states", options.hidden_states ? "on" : "off"},
          {"logits", options.logits ? "on" : "off"},
          {"warmup_seconds", warmup_seconds},
          {"seconds", times},
          {"tokens_per_second", tokens / best},
          {"gflops_2_params_tokens", nominal},
          {"matmul_gflops", counted},
          {"matmul_peak_gflops", peak},
          {"matmul_peak_gflops_measurements", peaks},
          {"fraction_of_peak_2_params_tokens", nominal / peak},
          {"fraction_of_peak_matmul", counted / peak},
          {"minor_faults_warmup", before_timed.minor_faults - before_warmup.minor_faults},
          {"minor_faults_per_timed_forward", options.reps > 0 ? timed_faults / options.reps : 0},
          {"major_faults", after_timed.major_faults},
          {"peak_rss_mb", after_timed.peak_rss_mb},
          {"checksum", checksum}};
}

}  // namespace infobound::models
