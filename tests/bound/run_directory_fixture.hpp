#pragma once
// Builds small run directories (docs/interfaces.md, "Run directory") for the bound, regression
// and report tests: a token cache drawn from a Markov chain and a metrics.csv of made-up but
// plausible per-layer numbers for several families, models and checkpoints.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "infobound/corpus/token_cache.hpp"
#include "infobound/io/csv_table.hpp"
#include "infobound/io/metrics_table.hpp"
#include "infobound/testing/scratch_dir.hpp"

namespace infobound::testing {

inline std::filesystem::path fresh_directory(const std::string& name) { return scratch_dir(name); }

// Sequences from a sparse first-order Markov chain over `vocab` tokens (so X carries information about Y),
// with what the production writer (corpus::write_token_cache) records beside them.
struct MarkovCache {
  corpus::TokenizedCorpus corpus;
  corpus::TokenCacheInfo info;
  void write(const std::filesystem::path& path) const { corpus::write_token_cache(path, corpus, info); }
};

inline MarkovCache markov_corpus(int n_seq, int length, int vocab, uint64_t seed, int64_t max_order = 4) {
  std::mt19937_64 rng(seed);
  MarkovCache cache;
  corpus::TokenizedCorpus& c = cache.corpus;
  for (int s = 0; s < n_seq; ++s) {
    int64_t token = static_cast<int64_t>(rng() % vocab);
    for (int i = 0; i < length; ++i) {
      c.ids.push_back(token);
      c.preference.push_back(static_cast<int8_t>(s % 3 == 0 ? -1 : s % 2));
      const uint64_t r = rng() % 10;
      token = r < 6 ? (token * 3 + 1) % vocab : r < 9 ? (token + 7) % vocab : static_cast<int64_t>(rng() % vocab);
    }
    c.offsets.push_back(static_cast<int64_t>(c.ids.size()));
    c.sequence_document.push_back(s);
  }
  c.n_documents = n_seq;
  cache.info = {"markov/tokenizer.json", "markov-sha256", "markov-config", max_order, "soft_h", length, "per_document"};
  return cache;
}

// The columns reduce writes for orders 1..4 (io::MetricsTable is their one home).
inline std::vector<std::string> metrics_columns() { return io::MetricsTable::columns(4); }

struct FixtureModel {
  std::string model, family;
  double params;
  int n_layers;
  std::vector<std::pair<std::string, double>> checkpoints;  // (checkpoint, tokens seen)
  double quality;                                           // drives the made-up information numbers
};

inline std::vector<FixtureModel> fixture_models() {
  return {
      {"EleutherAI/pythia-70m", "pythia", 7.0e7, 6, {{"step1000", 2.1e9}, {"step143000", 3.0e11}}, 0.3},
      {"EleutherAI/pythia-160m", "pythia", 1.6e8, 12, {{"step1000", 2.1e9}, {"step143000", 3.0e11}}, 0.45},
      {"EleutherAI/pythia-410m", "pythia", 4.1e8, 24, {{"step143000", 3.0e11}}, 0.6},
      {"HuggingFaceTB/SmolLM2-135M", "smollm2", 1.35e8, 30, {{"", 2.0e12}}, 0.5},
      {"HuggingFaceTB/SmolLM2-360M", "smollm2", 3.6e8, 32, {{"", 4.0e12}}, 0.65},
      {"Qwen/Qwen2.5-0.5B", "qwen2.5", 4.9e8, 24, {{"", 1.8e13}}, 0.7},
      {"Qwen/Qwen2.5-1.5B", "qwen2.5", 1.5e9, 28, {{"", 1.8e13}}, 0.8},
  };
}

// One row per (model, checkpoint, layer) with every column of docs/interfaces.md.
inline io::CsvTable fixture_metrics(const std::string& tokenizer_id, int n_bins = 16, int max_order = 4) {
  const int orders = std::max(4, max_order);
  io::CsvTable table(io::MetricsTable::columns(orders));
  for (const auto& m : fixture_models()) {
    for (std::size_t c = 0; c < m.checkpoints.size(); ++c) {
      const auto& [checkpoint, tokens] = m.checkpoints[c];
      const double progress = std::log10(tokens) / 13.0;
      for (int layer = 0; layer <= m.n_layers; ++layer) {
        const double depth = static_cast<double>(layer) / m.n_layers;
        const double H = 0.55 + 0.3 * depth * (1 - depth) + 0.05 * m.quality;
        std::vector<std::string> row{m.model,
                                     m.family,
                                     checkpoint,
                                     checkpoint.empty() ? "" : checkpoint.substr(4),
                                     io::format_number(tokens),
                                     io::format_number(m.params),
                                     tokenizer_id,
                                     std::to_string(layer),
                                     std::to_string(m.n_layers),
                                     "5000",
                                     std::to_string(n_bins),
                                     "0.05",
                                     io::format_number(4.5 - 1.5 * m.quality * progress),
                                     io::format_number(H)};
        std::vector<double> complexity(orders), expressivity(orders);
        for (int k = 0; k < orders; ++k) {
          complexity[k] = H * (0.25 + 0.1 * k) * (1 - 0.4 * depth * m.quality) * (0.8 + 0.2 * progress);
          expressivity[k] = complexity[k] * (0.2 + 0.5 * m.quality * depth * progress) * (1 - 0.05 * k);
        }
        for (double v : complexity) row.push_back(io::format_number(v));
        for (double v : expressivity) row.push_back(io::format_number(v));
        for (double v : complexity) row.push_back(io::format_number(v / H));
        for (double v : expressivity) row.push_back(io::format_number(v / H));
        for (int k = 0; k < orders; ++k) row.push_back(io::format_number(expressivity[k] / complexity[k]));
        const double preference = 0.01 + 0.02 * m.quality * depth;
        row.push_back(io::format_number(preference));
        row.push_back(io::format_number(preference / H));
        table.add_row(row);
      }
    }
  }
  return table;
}

// RUN/ with corpus/<tokenizer>.h5 and metrics.csv, for a study of n-gram orders 1..max_order.
inline std::filesystem::path make_run_directory(const std::string& name, int n_bins = 16, int max_order = 4) {
  const auto run = fresh_directory(name);
  std::filesystem::create_directories(run / "corpus");
  markov_corpus(40, 48, 40, 7, max_order).write(run / "corpus" / "pythia.h5");
  fixture_metrics("pythia", n_bins, max_order).write(run / "metrics.csv");
  return run;
}

}  // namespace infobound::testing
