// Forward throughput of randomly initialised Pythia-160M-sized (gpt_neox) and Llama-style
// d=1024 models in float32 on a batch of 8 x 512 tokens, as a fraction of this machine's libtorch
// float32 matmul peak measured in the same run; and the peak RSS of streaming hidden states
// through the callback versus collecting every layer.
//
// usage: bench_models_forward [--threads N] [--batch B] [--length T] [--reps R] [--skip-memory]
// Prints one JSON object on stdout (context, peak, per-model figures).
//        bench_models_forward --write-models DIR
// Writes both models with random weights to DIR/pythia-160m and DIR/llama-d1024 (HF layout), for
// `infobound bench forward --model DIR/...` and for timing transformers on identical weights.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>

#include "infobound/core/blas.hpp"
#include "infobound/core/page_faults.hpp"
#include "infobound/core/runtime_env.hpp"
#include "infobound/core/version.hpp"
#include "infobound/models/causal_lm.hpp"
#include "infobound/models/forward_benchmark.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using infobound::models::CausalLM;

struct Settings {
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int64_t batch = 8, length = 512;
  int reps = 2;
  bool memory = true;
};

nlohmann::json pythia_160m() {
  return {{"model_type", "gpt_neox"},  {"vocab_size", 50304},           {"hidden_size", 768},           {"num_hidden_layers", 12},
          {"num_attention_heads", 12}, {"intermediate_size", 3072},     {"layer_norm_eps", 1e-5},       {"rotary_pct", 0.25},
          {"rope_theta", 10000},       {"use_parallel_residual", true}, {"tie_word_embeddings", false}, {"hidden_act", "gelu"},
          {"initializer_range", 0.02}};
}

nlohmann::json llama_d1024() {
  return {{"model_type", "llama"},     {"vocab_size", 32000},          {"hidden_size", 1024},       {"num_hidden_layers", 12},
          {"num_attention_heads", 16}, {"num_key_value_heads", 4},     {"intermediate_size", 2816}, {"rms_norm_eps", 1e-5},
          {"rope_theta", 500000.0},    {"tie_word_embeddings", false}, {"hidden_act", "silu"},      {"initializer_range", 0.02}};
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

long peak_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

long current_rss_kb() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

at::Tensor batch_ids(int64_t vocab, const Settings& s) {
  at::manual_seed(1);
  return at::randint(0, vocab, {s.batch, s.length}, at::kLong);
}

nlohmann::json throughput(const std::string& label, const nlohmann::json& config, const Settings& s) {
  const auto model = CausalLM::from_config(config);
  const at::Tensor ids = batch_ids(model->info().vocab_size, s);
  const at::Tensor mask = at::ones_like(ids);
  at::NoGradGuard no_grad;
  infobound::models::ForwardOptions options;
  options.compute_logits = true;
  double checksum = 0;
  const infobound::models::HiddenCallback consume = [&](int, const at::Tensor& h) {
    checksum += h.select(1, 0).sum().item<double>();  // touch each layer as a consumer would
  };
  model->forward(ids.narrow(0, 0, 1), mask.narrow(0, 0, 1), consume, options);  // warm-up
  std::vector<double> times;
  for (int rep = 0; rep < s.reps; ++rep) {
    const auto start = Clock::now();
    const at::Tensor logits = model->forward(ids, mask, consume, options);
    times.push_back(seconds_since(start));
  }
  const double best = *std::min_element(times.begin(), times.end());
  const double tokens = static_cast<double>(s.batch * s.length);
  const double params = static_cast<double>(model->info().n_parameters);
  const double nominal_gflops = 2.0 * params * tokens / best / 1e9;
  const double executed_gflops =
      infobound::models::matmul_flops_per_token(*model, s.length, /*logits=*/true) * tokens / best / 1e9;
  return {{"model", label},
          {"parameters", model->info().n_parameters},
          {"tokens", static_cast<int64_t>(tokens)},
          {"seconds", times},
          {"tokens_per_second", tokens / best},
          {"gflops_2_params_tokens", nominal_gflops},
          {"executed_matmul_gflops", executed_gflops},
          {"checksum", checksum}};
}

// Runs in a child process so that its peak RSS is its own.
long child_peak_rss(const nlohmann::json& config, const Settings& s, bool collect, long* after_build) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    at::set_num_threads(s.threads);
    const auto model = CausalLM::from_config(config);
    const at::Tensor ids = batch_ids(model->info().vocab_size, s);
    long values[2] = {current_rss_kb(), 0};
    {
      at::NoGradGuard no_grad;
      std::vector<at::Tensor> kept;
      double sink = 0;
      model->forward(ids, at::ones_like(ids), [&](int, const at::Tensor& h) {
        if (collect) kept.push_back(h.clone());
        else sink += h.select(1, 0).sum().item<double>();
      });
    }
    values[1] = peak_rss_kb();
    if (write(fds[1], values, sizeof values) != sizeof values) _exit(1);
    _exit(0);
  }
  close(fds[1]);
  long values[2] = {-1, -1};
  if (read(fds[0], values, sizeof values) != sizeof values) values[1] = -1;
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  *after_build = values[0];
  return values[1];
}

}  // namespace

int main(int argc, char** argv) {
  infobound::reexec_with_runtime_env(argv);
  infobound::keep_freed_memory_for_reuse();  // as the commands do
  Settings s;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() { return i + 1 < argc ? std::stoll(argv[++i]) : 0; };
    if (arg == "--threads") s.threads = static_cast<int>(next());
    else if (arg == "--batch") s.batch = next();
    else if (arg == "--length") s.length = next();
    else if (arg == "--reps") s.reps = static_cast<int>(next());
    else if (arg == "--skip-memory") s.memory = false;
    else if (arg == "--write-models" && i + 1 < argc) {
      const std::string dir = argv[++i];
      at::manual_seed(0);
      CausalLM::from_config(pythia_160m())->save(dir + "/pythia-160m");
      CausalLM::from_config(llama_d1024())->save(dir + "/llama-d1024");
      std::printf("wrote %s/pythia-160m and %s/llama-d1024\n", dir.c_str(), dir.c_str());
      return 0;
    } else {
      std::fprintf(stderr, "usage: %s [--threads N] [--batch B] [--length T] [--reps R] [--skip-memory] | --write-models DIR\n",
                   argv[0]);
      return 2;
    }
  }
  nlohmann::json out;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  const infobound::BlasInfo blas = infobound::detect_blas();
  out["context"] = {{"infobound", infobound::kVersion},
                    {"host", host},
                    {"threads", s.threads},
                    {"hardware_threads", std::thread::hardware_concurrency()},
                    {"batch", s.batch},
                    {"length", s.length},
                    {"blas", blas.library_path},
                    {"blas_core", blas.core},
                    {"dtype", "float32"}};
  // Memory first: fork() before this process starts torch's thread pool.
  if (s.memory) {
    for (const bool collect : {false, true}) {
      long after_build = 0;
      const long peak = child_peak_rss(pythia_160m(), s, collect, &after_build);
      out["memory_pythia_160m"][collect ? "collect_all_layers" : "stream_layers"] = {
          {"rss_after_build_mb", after_build / 1024.0},
          {"peak_rss_mb", peak / 1024.0},
          {"forward_growth_mb", (peak - after_build) / 1024.0}};
    }
  }
  at::set_num_threads(s.threads);
  // The machine may be shared: the peak is measured before, between and after the models, and
  // the best of those (the least loaded moment) is the denominator, which is conservative.
  std::vector<double> peaks{infobound::models::matmul_peak_gflops(s.batch * s.length, 1024)};
  out["models"].push_back(throughput("pythia-160m (gpt_neox)", pythia_160m(), s));
  peaks.push_back(infobound::models::matmul_peak_gflops(s.batch * s.length, 1024));
  out["models"].push_back(throughput("llama d=1024 (12 layers, GQA 16/4)", llama_d1024(), s));
  peaks.push_back(infobound::models::matmul_peak_gflops(s.batch * s.length, 1024));
  const double peak = *std::max_element(peaks.begin(), peaks.end());
  out["matmul_peak_gflops_measurements"] = peaks;
  out["matmul_peak_gflops"] = peak;
  for (auto& model : out["models"]) {
    model["fraction_of_peak"] = model["gflops_2_params_tokens"].get<double>() / peak;
    model["executed_fraction_of_peak"] = model["executed_matmul_gflops"].get<double>() / peak;
  }
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}
