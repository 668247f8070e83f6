#pragma once
// Forward-pass throughput of a loaded model, set against this machine's float32 matmul peak
// measured in the same run, with the process's memory and page-fault counters. Used by
// `infobound bench forward` (a model directory, so other frameworks can run the same weights)
// and by bench/models (random weights).
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "infobound/models/causal_lm.hpp"

namespace infobound::models {

struct ForwardBenchmarkOptions {
  int64_t batch = 4, length = 512;
  int reps = 3;
  // on: every hidden state is copied out (what output_hidden_states hands a caller, and what
  // `hidden-states` writes); off: no callback.
  bool hidden_states = true;
  bool logits = true;
};

struct ProcessCounters {
  long minor_faults = 0, major_faults = 0;
  double peak_rss_mb = 0;
};
ProcessCounters process_counters();

// Best GFLOP/s of a few float32 GEMMs: 2048^3, and [B*T, d] x [d, 4d] for the given hidden size
// (0: square only). The best of repeats, so a loaded machine gives a conservative denominator.
// On a GPU (the model's device) each timing covers several products and ends on a value read back,
// since kernels run asynchronously.
double matmul_peak_gflops(int64_t rows = 0, int64_t hidden_size = 0, int repeats = 3, const at::Device& device = at::kCPU);

// Matmul FLOPs of one token's forward as transformers' eager code runs it: 2 per weight of every
// linear (the tied or untied LM head included when logits are on, embedding lookups excluded) plus
// q.k and p.v over the full T x T score matrix.
double matmul_flops_per_token(const CausalLM& model, int64_t length, bool logits);

// Times `options.reps` forward passes on random token ids (after one warm-up pass of the same
// shape) and measures the matmul peak before and after them. Returns one JSON object.
nlohmann::json benchmark_forward(CausalLM& model, const ForwardBenchmarkOptions& options);

}  // namespace infobound::models
