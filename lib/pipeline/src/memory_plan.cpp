#include "memory_plan.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "infobound/core/error.hpp"
#include "label_plan.hpp"

namespace infobound::pipeline {
namespace {

constexpr double kRuntimeBytes =
    420.0 * (1 << 20);  // libtorch, OpenBLAS and MPI loaded; calibrated on the scale probe (docs/unit-files.md)

double dtype_bytes(const std::string& dtype) { return dtype == "float32" ? 4 : 2; }

// A KeyIndex of n keys of width w built with reserve(): keys + power-of-two slots at <= 50% load.
double key_index_bytes(double n, double w) {
  if (n <= 0) return 0;
  const double slots = std::max(16.0, std::exp2(std::ceil(std::log2(2 * n))));
  return n * w * 8 + slots * 8;
}

// A KeyIndex grown key by key (the counting pass): keys and counts at 1.5x on average, slots 3x.
double growing_index_bytes(double n, double w) { return n * (w * 8 + 8) * 1.5 + n * 3 * 8; }

}  // namespace

double RankMemory::peak(int64_t layers) const {
  const double steady = runtime + corpus + weights + activations;
  return steady + std::max(counting, key_index + per_layer * static_cast<double>(layers));
}

RankMemory rank_memory(const StudyConfig& config, const PlanTokenizer& tokenizer, const ModelShape& shape, int64_t ranks_per_unit,
                       bool with_logits) {
  RankMemory m;
  const double r = static_cast<double>(std::max<int64_t>(1, ranks_per_unit));
  const double n_bins = static_cast<double>(config.estimator.n_bins);
  const double tokens = static_cast<double>(std::max<int64_t>(0, tokenizer.n_tokens));
  const double batch = static_cast<double>(config.runtime.batch_size), length = static_cast<double>(config.corpus.max_length);
  m.runtime = kRuntimeBytes;
  m.corpus = tokens * (8 + 1) + static_cast<double>(std::max<int64_t>(0, tokenizer.n_sequences)) * 16;
  m.weights = shape.params * (dtype_bytes(config.runtime.dtype) + shape.file_bytes_per_param);
  // Hidden states, attention and MLP intermediates of one block alive at once, plus the scores.
  const double rows = batch * length;
  m.activations = rows * shape.d * 4 * 12 + batch * length * length * 4 * 2;
  if (with_logits && config.runtime.compute_loss) m.activations += rows * shape.vocab * 4 * 3;  // logits, log-softmax, gather
  for (const auto& set : tokenizer.label_sets) {
    const double w = static_cast<double>(set.key_width);
    const double distinct = static_cast<double>(set.distinct_keys) / r;
    const bool folds = config.estimator.fold_singletons && set.name != "preference";
    const double kept =
        folds ? static_cast<double>(r > 1 ? set.max_owner_keys : set.kept_keys) : static_cast<double>(set.distinct_keys) / r;
    if (folds) m.counting += growing_index_bytes(distinct, w);
    m.key_index += folds ? key_index_bytes(kept, w) + kept * 8 : growing_index_bytes(kept, w);
    m.per_layer += kept * n_bins * 8;
  }
  // Per layer: the assignments of a batch waiting for a scatter, rounded to fixed point (and, with
  // several ranks per unit, the rows sent and received).
  m.per_layer += rows * n_bins * (4 + 8) * (r > 1 ? 3 : 1);
  return m;
}

int64_t default_memory_budget(int64_t local_ranks) {
  const double physical = static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGESIZE));
  return static_cast<int64_t>(physical * 0.8 / static_cast<double>(std::max<int64_t>(1, local_ranks)));
}

int64_t memory_budget(const StudyConfig& config, int64_t local_ranks) {
  return config.runtime.memory_budget ? *config.runtime.memory_budget : default_memory_budget(local_ranks);
}

std::vector<std::vector<int64_t>> group_layers(const std::vector<int64_t>& layers, const RankMemory& memory, double budget,
                                               int64_t max_layers, const std::string& what) {
  const auto n = static_cast<int64_t>(layers.size());
  if (n == 0) return {};
  if (memory.peak(1) > budget)
    throw InputError(what + ": one layer needs " + human_bytes(memory.peak(1)) + " per rank (label tables " +
                     human_bytes(memory.per_layer) + ", counting pass " + human_bytes(memory.counting) +
                     "), more than runtime.memory_budget " + human_bytes(budget) +
                     ": raise runtime.memory_budget or runtime.ranks_per_unit (each rank of a unit holds 1/R of its tables)");
  int64_t fit = 1;
  while (fit < n && memory.peak(fit + 1) <= budget && (max_layers <= 0 || fit < max_layers)) ++fit;
  const int64_t groups = (n + fit - 1) / fit;
  std::vector<std::vector<int64_t>> out;
  int64_t begin = 0;
  for (int64_t g = 0; g < groups; ++g) {
    const int64_t size = n / groups + (g < n % groups ? 1 : 0);
    out.emplace_back(layers.begin() + begin, layers.begin() + begin + size);
    begin += size;
  }
  return out;
}

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  while (bytes >= 1024 && u < 5) bytes /= 1024, ++u;
  char text[32];
  std::snprintf(text, sizeof text, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return text;
}

}  // namespace infobound::pipeline
