// Training throughput (tokens/s) of every model of a training config, with 1 and 2 intra-op
// threads: the real TrainingStep (forward, cross-entropy, backward, clipping, AdamW) on random
// windows. Prints one JSON object per line.
// Usage: bench_train_throughput [configs/train-mini.yaml] [steps=10]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include "infobound/core/blas.hpp"
#include "infobound/models/causal_lm.hpp"
#include "infobound/train/config.hpp"
#include "infobound/train/model_config.hpp"
#include "infobound/train/trainer.hpp"

using namespace infobound;

int main(int argc, char** argv) {
  const std::string config_path = argc > 1 ? argv[1] : INFOBOUND_SOURCE_DIR "/configs/train-mini.yaml";
  const int steps = argc > 2 ? std::atoi(argv[2]) : 10;
  const auto config = train::TrainConfig::load(config_path);
  const auto blas = detect_blas();
  const int64_t context = config.data.context_length, batch = config.optimizer.batch_size;
  for (const auto& spec : train::model_specs(config)) {
    for (const int threads : {1, 2}) {
      at::set_num_threads(threads);
      at::manual_seed(0);
      auto model = models::CausalLM::from_config(train::hf_model_config(spec, config.tokenizer.vocab_size, context, 0));
      train::TrainingStep step(*model, config.optimizer);
      const at::Tensor windows = at::randint(0, config.tokenizer.vocab_size, {batch, context + 1}, at::kLong);
      step.run(windows, 1e-3);  // warm-up: allocations, OpenBLAS buffers
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < steps; ++i) step.run(windows, 1e-3);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::printf(
          "{\"bench\": \"train_step\", \"model\": \"%s\", \"params\": %lld, \"threads\": %d, \"batch\": %lld, "
          "\"context\": %lld, \"steps\": %d, \"seconds\": %.3f, \"tokens_per_second\": %.0f, \"blas\": \"%s\"}\n",
          spec.name.c_str(), static_cast<long long>(model->info().n_parameters), threads, static_cast<long long>(batch),
          static_cast<long long>(context), steps, seconds, steps * batch * context / seconds, blas.library_path.c_str());
      std::fflush(stdout);
    }
  }
}
