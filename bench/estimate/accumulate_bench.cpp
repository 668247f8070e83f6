// Accumulate throughput of the estimator against the bare z W^T GEMM of the same batch.
// Usage: bench_accumulate [--batches N] [--layers L] [--threads T] [--hidden D] [--fold on|off|both]
// Prints one JSON object per hidden size: tokens/s per layer for the GEMM, the soft assignment
// (GEMM + softmax, the floor), and the whole accumulate step with 8 n-gram label sets (exact
// fixed-point counts), plus the ratios and peak RSS. Then how the scatter of L layers scales with
// the accumulate worker threads that run beside a forward (inline, 1, 2, ... threads).
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include "infobound/core/page_faults.hpp"
#include "infobound/core/runtime_env.hpp"
#include "infobound/estimate/accumulator.hpp"
#include "infobound/estimate/calibration.hpp"
#include "infobound/estimate/ngram.hpp"
#include "infobound/estimate/soft_assign.hpp"

namespace est = infobound::estimate;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

long peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

// Zipf(1.1) token ids over a GPT-2-sized vocabulary, as natural text roughly is.
std::vector<std::vector<int64_t>> zipf_sequences(int64_t count, int64_t length, uint64_t seed) {
  constexpr int64_t kVocab = 50257;
  std::vector<double> weights(kVocab);
  for (int64_t i = 0; i < kVocab; ++i) weights[i] = 1.0 / std::pow(static_cast<double>(i + 1), 1.1);
  std::discrete_distribution<int64_t> zipf(weights.begin(), weights.end());
  std::mt19937_64 rng(seed);
  std::vector<std::vector<int64_t>> sequences(count, std::vector<int64_t>(length));
  for (auto& s : sequences)
    for (auto& id : s) id = zipf(rng);
  return sequences;
}

struct Timing {
  double gemm = 0, assign = 0, labels = 0, scatter = 0;
  int64_t rows = 0, keys_kept = 0;
};

Timing run(int64_t d, const std::vector<est::BatchRows>& batches, bool fold) {
  constexpr int64_t kBins = 100;
  const est::LabelPlan plan;
  const est::SoftAssigner assigner(est::reference_points(kBins, d, 0), est::calibrate_eps(kBins, d, {}));
  const at::Tensor wt = est::reference_points(kBins, d, 0).t().contiguous();
  int64_t total_rows = 0;
  for (const auto& rows : batches) total_rows += rows.size();
  est::MultiLayerAccumulator acc(kBins, {0}, plan.specs(), total_rows);
  Timing timing;
  if (fold) {  // the token-only counting pass of the pipeline, over the whole corpus
    const auto t0 = Clock::now();
    est::LabelCounter counter(plan.specs());
    for (const auto& rows : batches) counter.add(rows.labels, rows.valid);
    acc.use_kept_keys(counter.kept_keys());
    timing.labels += seconds_since(t0);
  }
  at::manual_seed(0);
  for (const auto& rows : batches) {
    auto t0 = Clock::now();
    acc.set_labels(rows.labels, rows.valid);
    timing.labels += seconds_since(t0);
    const at::Tensor z = at::randn({rows.size(), d});
    t0 = Clock::now();
    const at::Tensor bare = at::matmul(z, wt);
    timing.gemm += seconds_since(t0);
    t0 = Clock::now();
    const at::Tensor p = assigner.assign(z);
    timing.assign += seconds_since(t0);
    t0 = Clock::now();
    acc.add_layer(0, p);
    timing.scatter += seconds_since(t0);
    timing.rows += rows.size();
  }
  for (const auto& set : acc.statistics(0).label_sets) timing.keys_kept += set.distinct_keys;
  return timing;
}

// Scatter of `layers` layers per batch (labels set once), inline or on a pool of worker threads.
double scatter_rows_per_s(const std::vector<est::BatchRows>& batches, const std::vector<at::Tensor>& p, int64_t layers,
                          int64_t threads) {
  constexpr int64_t kBins = 100;
  const est::LabelPlan plan;
  int64_t total_rows = 0;
  for (const auto& rows : batches) total_rows += rows.size();
  std::vector<int64_t> ids(static_cast<std::size_t>(layers));
  for (int64_t l = 0; l < layers; ++l) ids[static_cast<std::size_t>(l)] = l;
  std::unique_ptr<est::AccumulateWorkers> workers;  // declared first: outlives the accumulator
  est::MultiLayerAccumulator acc(kBins, ids, plan.specs(), total_rows);
  est::LabelCounter counter(plan.specs());
  for (const auto& rows : batches) counter.add(rows.labels, rows.valid);
  acc.use_kept_keys(counter.kept_keys());
  if (threads > 0) {
    workers = std::make_unique<est::AccumulateWorkers>(threads, 2 * layers);
    acc.use_workers(workers.get());
  }
  const auto t0 = Clock::now();
  for (std::size_t b = 0; b < batches.size(); ++b) {
    acc.set_labels(batches[b].labels, batches[b].valid);
    for (int64_t l = 0; l < layers; ++l) acc.add_layer(l, p[b]);
  }
  acc.finish();
  return static_cast<double>(total_rows * layers) / seconds_since(t0);
}

void bench(int64_t d, int64_t n_batches, int64_t layers, const std::vector<bool>& folds) {
  constexpr int64_t kSeqPerBatch = 8, kLength = 512;
  const est::LabelPlan plan;  // input/output 1..4
  const auto sequences = zipf_sequences(n_batches * kSeqPerBatch, kLength, 1);
  std::vector<est::BatchRows> batches;
  for (int64_t b = 0; b < n_batches; ++b) {
    std::vector<est::SequenceTokens> batch;
    for (int64_t s = 0; s < kSeqPerBatch; ++s) batch.push_back({sequences[b * kSeqPerBatch + s], {}, 0});
    batches.push_back(est::select_rows(batch, kLength, plan));
  }
  for (const bool fold : folds) {
    const Timing t = run(d, batches, fold);
    // Labels are indexed once per batch and shared by every layer of the model.
    const double step = t.assign + t.scatter + t.labels / static_cast<double>(layers);
    std::printf(
        "{\"d\": %lld, \"n_bins\": 100, \"label_sets\": 8, \"fold_singletons\": %s, \"rows\": %lld, \"keys_kept\": %lld,"
        " \"threads\": %d, \"layers_sharing_labels\": %lld,\n"
        " \"tokens_per_s_gemm\": %.0f, \"tokens_per_s_floor_gemm_softmax\": %.0f, \"tokens_per_s_accumulate_step\": %.0f,\n"
        " \"ratio_step_over_floor\": %.3f, \"ratio_step_over_gemm\": %.3f, \"peak_rss_mib\": %ld,\n"
        " \"us_per_row\": {\"gemm\": %.3f, \"gemm_softmax\": %.3f, \"scatter\": %.3f, \"labels_shared\": %.3f}}\n",
        static_cast<long long>(d), fold ? "true" : "false", static_cast<long long>(t.rows), static_cast<long long>(t.keys_kept),
        at::get_num_threads(), static_cast<long long>(layers), t.rows / t.gemm, t.rows / t.assign, t.rows / step, step / t.assign,
        step / t.gemm, peak_rss_mib(), 1e6 * t.gemm / t.rows, 1e6 * t.assign / t.rows, 1e6 * t.scatter / t.rows,
        1e6 * t.labels / static_cast<double>(layers) / t.rows);
  }
}

void bench_threads(int64_t n_batches, int64_t layers) {
  constexpr int64_t kSeqPerBatch = 8, kLength = 512, kBins = 100, kD = 768;
  const est::LabelPlan plan;
  const auto sequences = zipf_sequences(n_batches * kSeqPerBatch, kLength, 2);
  std::vector<est::BatchRows> batches;
  std::vector<at::Tensor> p;
  const est::SoftAssigner assigner(est::reference_points(kBins, kD, 0), est::calibrate_eps(kBins, kD, {}));
  for (int64_t b = 0; b < n_batches; ++b) {
    std::vector<est::SequenceTokens> batch;
    for (int64_t s = 0; s < kSeqPerBatch; ++s) batch.push_back({sequences[b * kSeqPerBatch + s], {}, 0});
    batches.push_back(est::select_rows(batch, kLength, plan));
    p.push_back(assigner.assign(at::randn({batches.back().size(), kD})));
  }
  const double inline_rate = scatter_rows_per_s(batches, p, layers, 0);
  std::printf("{\"scatter_scaling\": {\"layers\": %lld, \"rows\": %lld, \"inline_rows_layers_per_s\": %.0f",
              static_cast<long long>(layers), static_cast<long long>(n_batches * kSeqPerBatch * kLength), inline_rate);
  for (const int64_t threads : {1, 2, 4}) {
    const double rate = scatter_rows_per_s(batches, p, layers, threads);
    std::printf(", \"threads_%lld\": %.0f, \"speedup_%lld\": %.2f", static_cast<long long>(threads), rate,
                static_cast<long long>(threads), rate / inline_rate);
  }
  std::printf(", \"cores\": %u}}\n", std::thread::hardware_concurrency());
}

}  // namespace

int main(int argc, char** argv) {
  infobound::reexec_with_runtime_env(argv);
  infobound::keep_freed_memory_for_reuse();  // as the commands do
  int64_t batches = 40, layers = 12, hidden = 0;
  int threads = 2;
  std::vector<bool> folds = {false, true};  // --fold on|off|both: the runs to make
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    const std::string value = has_value ? argv[i + 1] : "";
    if (arg == "--batches" && has_value) batches = std::stoll(argv[++i]);
    else if (arg == "--layers" && has_value) layers = std::stoll(argv[++i]);
    else if (arg == "--threads" && has_value) threads = std::stoi(argv[++i]);
    else if (arg == "--hidden" && has_value) hidden = std::stoll(argv[++i]);
    else if (arg == "--fold" && (value == "on" || value == "off" || value == "both")) {
      folds = value == "both" ? std::vector<bool>{false, true} : std::vector<bool>{value == "on"};
      ++i;
    } else {
      // A mistyped flag would otherwise run the whole default suite (minutes) and look like an answer.
      std::fprintf(stderr,
                   "bench_accumulate: unknown or incomplete argument '%s'\n"
                   "usage: bench_accumulate [--batches N] [--layers L] [--threads T] [--hidden D] [--fold on|off|both]\n",
                   arg.c_str());
      return 2;
    }
  }
  at::set_num_threads(threads);
  if (hidden > 0) {  // one hidden size, for profiling
    bench(hidden, batches, layers, folds);
    return 0;
  }
  bench(768, batches, layers, folds);
  bench(2048, batches, layers, folds);
  bench_threads(std::max<int64_t>(4, batches / 4), layers);

  return 0;
}
