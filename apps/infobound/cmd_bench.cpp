// `infobound bench forward`: forward throughput of a model directory against this machine's
// matmul peak measured in the same run, so another framework can be timed on identical weights.
#include <cstdio>
#include <thread>

#include <ATen/Parallel.h>
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "device_option.hpp"
#include "infobound/core/blas.hpp"
#include "infobound/core/error.hpp"
#include "infobound/models/causal_lm.hpp"
#include "infobound/models/forward_benchmark.hpp"

namespace infobound::cli {
namespace {

namespace po = boost::program_options;

bool parse_switch(const std::string& option, const std::string& value) {
  if (value == "on") return true;
  if (value == "off") return false;
  throw UsageError("--" + option + " must be on or off, got '" + value + "'");
}

int run_bench_forward(int argc, char** argv) {
  std::string model_dir, hidden = "on", logits = "on", device = "cpu";
  models::ForwardBenchmarkOptions bench;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  po::options_description options("infobound bench forward options");
  options.add_options()("help,h", "show this help")("model", po::value(&model_dir)->required(),
                                                    "model directory (config.json + safetensors)")(
      "batch", po::value(&bench.batch)->default_value(bench.batch), "sequences per forward pass")(
      "length", po::value(&bench.length)->default_value(bench.length), "tokens per sequence")(
      "reps", po::value(&bench.reps)->default_value(bench.reps), "timed forward passes (the best is reported)")(
      "threads", po::value(&threads)->default_value(threads), "intra-op CPU threads")(
      "hidden-states", po::value(&hidden)->default_value(hidden), "on: copy out every hidden state; off: none")(
      "logits", po::value(&logits)->default_value(logits), "on: compute the logits, as transformers always does")(
      "device", po::value(&device)->default_value(device), "cpu or cuda (float32; docs/cuda.md)");
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, options), vm);
  if (vm.count("help")) {
    std::printf(
        "usage: infobound bench forward --model DIR [--batch B] [--length T] [--threads N] "
        "[--hidden-states on|off]\nPrints one JSON object.\n%s",
        boost::lexical_cast<std::string>(options).c_str());
    return 0;
  }
  po::notify(vm);
  if (threads < 1) throw UsageError("--threads must be at least 1");
  if (bench.batch < 1 || bench.length < 1) throw UsageError("--batch and --length must be at least 1");
  if (bench.reps < 1) throw UsageError("--reps must be at least 1");
  bench.hidden_states = parse_switch("hidden-states", hidden);
  bench.logits = parse_switch("logits", logits);
  at::set_num_threads(threads);
  warn_if_slow_blas();

  const models::ProcessCounters at_start = models::process_counters();
  models::LoadOptions load;
  load.device = parse_device(device);
  const auto model = models::CausalLM::load(model_dir, load);
  const models::ProcessCounters loaded = models::process_counters();
  nlohmann::json out = models::benchmark_forward(*model, bench);
  out["model"] = model_dir;
  out["device"] = device;
  out["minor_faults_load"] = loaded.minor_faults - at_start.minor_faults;
  out["minor_faults_total"] = models::process_counters().minor_faults;
  const BlasInfo blas = detect_blas();
  out["blas"] = blas.library_path;
  out["blas_core"] = blas.core;
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

int run_bench(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "forward") return run_bench_forward(argc - 1, argv + 1);
  if (argc >= 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    std::printf("usage: infobound bench forward --model DIR [options]   (infobound bench forward --help)\n");
    return 0;
  }
  throw UsageError(argc < 2 ? "which benchmark? (forward)" : "unknown benchmark '" + std::string(argv[1]) + "' (forward)");
}

const Register registered{{"bench", "measure forward throughput of a model directory against the matmul peak", run_bench}};

}  // namespace
}  // namespace infobound::cli
