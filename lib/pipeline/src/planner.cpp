#include "infobound/pipeline/planner.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "infobound/core/atomic_file.hpp"
#include "infobound/core/error.hpp"
#include "infobound/core/log.hpp"
#include "infobound/estimate/accumulator.hpp"
#include "infobound/estimate/ngram.hpp"
#include "infobound/models/causal_lm.hpp"
#include "infobound/tokenize/tokenizer.hpp"
#include "infobound/pipeline/weights_digests.hpp"
#include "label_plan.hpp"

namespace infobound::pipeline {
namespace fs = std::filesystem;

corpus::TokenizedCorpus tokenize_with(const StudyConfig& config, const fs::path& tokenizer_json) {
  const tokenize::Tokenizer tokenizer = tokenize::Tokenizer::from_file(tokenizer_json);
  const corpus::Encoder encode = [&](std::string_view text, bool special) { return tokenizer.encode(text, special); };
  const corpus::Utf8Repair repair = [](std::string_view bytes, bool replace, std::string_view document, bool* replaced) {
    return tokenize::to_valid_utf8(bytes, replace ? tokenize::InvalidUtf8::replace : tokenize::InvalidUtf8::error, document, replaced);
  };
  return corpus::tokenize_corpus(config.corpus, encode, repair);
}

corpus::TokenCacheInfo token_cache_info(const StudyConfig& config, const Plan& plan, const PlanTokenizer& tokenizer) {
  corpus::TokenCacheInfo info;
  info.tokenizer = tokenizer.path.string();
  info.tokenizer_sha256 = tokenizer.sha256;
  info.config_hash = plan.config_hash;
  info.max_order = *std::max_element(config.estimator.orders.begin(), config.estimator.orders.end());
  info.window = to_string(config.estimator.window);
  info.max_length = config.corpus.max_length;
  info.sequences = to_string(config.corpus.sequences);
  return info;
}

PlannedRun plan_run(const StudyConfig& config, const RunDir& run) {
  Plan plan = make_plan(config);
  record_weights_digests(plan);
  std::error_code error;
  if (fs::is_regular_file(run.plan(), error)) {
    const Plan existing = read_plan(run.plan());
    if (existing.config_hash != plan.config_hash)
      throw InputError(run.root.string() + ": this run directory was planned for another config (config hash " + existing.config_hash +
                       ", " + config.file.string() + " gives " + plan.config_hash + "); use a new --out directory");
  }
  fs::create_directories(run.units_dir());
  fs::create_directories(run.corpus_dir());
  for (auto& tokenizer : plan.tokenizers) {
    const fs::path cache = run.token_cache(tokenizer.id);
    const corpus::TokenCacheInfo info = token_cache_info(config, plan, tokenizer);
    corpus::TokenizedCorpus tokens;
    bool cached = false;
    if (fs::is_regular_file(cache, error)) {
      try {
        tokens = corpus::read_token_cache(cache, info);
        cached = true;
      } catch (const InputError& e) {
        log::warn(std::string("token cache not reusable, rebuilding: ") + e.what());
      }
    }
    if (!cached) {
      log::info("tokenizing the corpus with " + tokenizer.path.string() + " (" + tokenizer.id + ")");
      tokens = tokenize_with(config, tokenizer.path);
      corpus::write_token_cache(cache, tokens, info);
    }
    tokenizer.n_sequences = tokens.n_sequences();
    tokenizer.n_tokens = static_cast<int64_t>(tokens.ids.size());
    if (tokenizer.n_sequences < config.corpus.shards)
      throw InputError(config.file.string() + ": corpus.shards is " + std::to_string(config.corpus.shards) + " but the corpus has only " +
                       std::to_string(tokenizer.n_sequences) + " sequences with tokenizer " + tokenizer.id);
    log::info("corpus for " + tokenizer.id + ": " + std::to_string(tokens.n_documents) + " documents -> " +
              std::to_string(tokenizer.n_sequences) + " sequences, " + std::to_string(tokenizer.n_tokens) + " tokens (" +
              std::to_string(tokens.n_replaced) + " documents with replaced UTF-8, " + std::to_string(tokens.n_skipped_empty) +
              " empty skipped)");
  }
  write_file_atomically(run.config(), config.yaml_text);
  write_plan(run.plan(), plan);
  return {config, plan};
}

namespace {

struct ModelShape {
  bool known = false;
  double params = 0;
  double d = 0;
  double n_layers = 0;
  double vocab = 0;
};

ModelShape shape_of(const PlanUnit& unit, const StudyConfig& config) {
  ModelShape shape;
  if (!unit.model_dir.empty()) {
    try {
      const models::ModelInfo info = models::inspect_model(unit.model_dir);
      return {true, static_cast<double>(info.n_parameters), static_cast<double>(info.hidden_size), static_cast<double>(info.n_layers),
              static_cast<double>(info.vocab_size)};
    } catch (const InputError& e) {
      log::warn(std::string("dry run: ") + e.what());
    }
  }
  for (const auto& m : config.models) {
    if (m.name != unit.model) continue;
    if (m.params && m.hidden_size && m.n_layers) {
      shape = {true, static_cast<double>(*m.params), static_cast<double>(*m.hidden_size), static_cast<double>(*m.n_layers), 0};
    }
  }
  return shape;
}

double dtype_bytes(const std::string& dtype) { return dtype == "float32" ? 4 : 2; }

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  while (bytes >= 1024 && u < 5) bytes /= 1024, ++u;
  char text[32];
  std::snprintf(text, sizeof text, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return text;
}

std::string human_flops(double flops) {
  char text[32];
  if (flops >= 1e18) std::snprintf(text, sizeof text, "%.2f EFLOP", flops / 1e18);
  else if (flops >= 1e15) std::snprintf(text, sizeof text, "%.2f PFLOP", flops / 1e15);
  else if (flops >= 1e12) std::snprintf(text, sizeof text, "%.2f TFLOP", flops / 1e12);
  else std::snprintf(text, sizeof text, "%.2f GFLOP", flops / 1e9);
  return text;
}

// Per tokenizer: tokens, estimator rows and distinct label keys of each shard.
struct ShardCounts {
  int64_t tokens = 0;
  int64_t rows = 0;
  std::vector<int64_t> distinct;  // per label set
};

std::vector<ShardCounts> count_shards(const StudyConfig& config, const corpus::TokenizedCorpus& tokens) {
  const estimate::LabelPlan label_plan = label_plan_of(config);
  const auto specs = label_plan.specs();
  std::vector<ShardCounts> shards;
  for (int64_t s = 0; s < config.corpus.shards; ++s) {
    const auto [begin, end] = corpus::shard_range(tokens.n_sequences(), s, config.corpus.shards);
    ShardCounts counts;
    // Distinct keys, counted with the estimator's own row layout.
    std::vector<estimate::KeyIndex> keys;
    for (const auto& spec : specs) keys.emplace_back(spec.key_width);
    for (int64_t q = begin; q < end; ++q) {
      const estimate::SequenceTokens sequence{tokens.sequence(q), tokens.sequence_preference(q), 0};
      const auto length = static_cast<int64_t>(sequence.ids.size());
      counts.tokens += length;
      const estimate::BatchRows rows = estimate::select_rows(std::span(&sequence, 1), length, label_plan);
      counts.rows += rows.size();
      for (std::size_t k = 0; k < specs.size(); ++k) {
        const int64_t* key = rows.labels[k].data_ptr<int64_t>();
        const bool* valid = rows.valid[k].defined() ? rows.valid[k].data_ptr<bool>() : nullptr;
        for (int64_t i = 0; i < rows.size(); ++i)
          if (!valid || valid[i]) keys[k].find_or_insert(key + i * specs[k].key_width);
      }
    }
    for (const auto& k : keys) counts.distinct.push_back(k.size());
    shards.push_back(std::move(counts));
  }
  return shards;
}

}  // namespace

DryRun dry_run(const StudyConfig& config) {
  DryRun dry;
  dry.plan = make_plan(config, /*allow_unresolved=*/true);
  dry.gpu_tflops = config.runtime.gpu_tflops;
  const estimate::LabelPlan label_plan = label_plan_of(config);
  const auto specs = label_plan.specs();
  std::map<std::string, std::vector<ShardCounts>> by_tokenizer;
  for (const auto& t : dry.plan.tokenizers) {
    try {
      by_tokenizer[t.id] = count_shards(config, tokenize_with(config, t.path));
    } catch (const InputError& e) {
      dry.notes.push_back("corpus not tokenized with " + t.id + " (" + e.what() + "): token counts are upper bounds");
    }
  }
  // Fallback: documents x max_length, from max_documents where every source sets it.
  int64_t documents = 0;
  bool documents_known = true;
  for (const auto& s : config.corpus.sources) {
    if (!s.max_documents) documents_known = false;
    else documents += *s.max_documents * (s.format == SourceFormat::preference_jsonl ? 2 : 1);
  }
  std::set<std::string> unknown_models;
  for (const auto& unit : dry.plan.units) {
    UnitEstimate e;
    e.unit_id = unit.id;
    const auto it = by_tokenizer.find(unit.tokenizer_id);
    int64_t rows = 0;
    std::vector<int64_t> distinct(specs.size(), 0);
    if (it != by_tokenizer.end()) {
      const ShardCounts& counts = it->second[static_cast<std::size_t>(unit.shard)];
      e.tokens = counts.tokens;
      e.tokens_exact = true;
      rows = counts.rows;
      distinct = counts.distinct;
    } else if (documents_known) {
      const auto [begin, end] = corpus::shard_range(documents, unit.shard, unit.n_shards);
      e.tokens = (end - begin) * config.corpus.max_length;
      rows = e.tokens;
      for (std::size_t k = 0; k < specs.size(); ++k) distinct[k] = specs[k].name == "preference" ? 2 : rows;
    }
    const ModelShape shape = shape_of(unit, config);
    e.model_known = shape.known;
    if (!shape.known) {
      unknown_models.insert(unit.model);
    } else {
      const double layers = static_cast<double>(config.estimator.layers.resolve(static_cast<int64_t>(shape.n_layers) + 1, unit.model).size());
      const double n_bins = static_cast<double>(config.estimator.n_bins);
      e.forward_flops = 2.0 * shape.params * static_cast<double>(e.tokens);
      e.estimator_flops = layers * static_cast<double>(rows) * (2.0 * shape.d * n_bins + (8.0 + specs.size()) * n_bins);
      const double batch = static_cast<double>(config.runtime.batch_size), length = static_cast<double>(config.corpus.max_length);
      double tables = 0, disk = layers * n_bins * 8;
      for (std::size_t k = 0; k < specs.size(); ++k) {
        const double keys = static_cast<double>(distinct[k]);
        tables += keys * (static_cast<double>(specs[k].key_width) * 8 * 2 + 8 + layers * n_bins * 8);
        disk += keys * (static_cast<double>(specs[k].key_width) * 8 + 8 + layers * n_bins * 8);
      }
      const double activations = batch * length * shape.d * 4 * 16 + batch * length * length * 4 * std::max(1.0, shape.d / 64) +
                                 (config.runtime.compute_loss ? batch * length * shape.vocab * 4 * 2 : 0);
      e.peak_memory_bytes = shape.params * dtype_bytes(config.runtime.dtype) + activations + tables;
      e.disk_bytes = disk;
    }
    dry.units.push_back(e);
  }
  for (const auto& m : unknown_models)
    dry.notes.push_back("model " + m + " is neither available locally nor described in the manifest (params, n_layers, hidden_size): no estimate");
  if (config.estimator.fold_singletons)
    dry.notes.push_back("label tables are counted before folding labels seen once: memory and disk are upper bounds");
  return dry;
}

void print_dry_run(const DryRun& dry, std::ostream& out) {
  char line[512];
  std::snprintf(line, sizeof line, "%-60s %12s %14s %14s %12s %12s\n", "unit", "tokens", "forward", "estimator", "peak memory", "disk");
  out << "study " << dry.plan.study << ": " << dry.plan.units.size() << " units, config hash " << dry.plan.config_hash << "\n" << line;
  double flops = 0, disk = 0, peak = 0;
  int64_t tokens = 0;
  bool bounded = false;
  for (const auto& e : dry.units) {
    const std::string count = (e.tokens_exact ? "" : "<=") + std::to_string(e.tokens);
    if (e.model_known)
      std::snprintf(line, sizeof line, "%-60s %12s %14s %14s %12s %12s\n", e.unit_id.c_str(), count.c_str(), human_flops(e.forward_flops).c_str(),
                    human_flops(e.estimator_flops).c_str(), human_bytes(e.peak_memory_bytes).c_str(), human_bytes(e.disk_bytes).c_str());
    else
      std::snprintf(line, sizeof line, "%-60s %12s %14s %14s %12s %12s\n", e.unit_id.c_str(), count.c_str(), "?", "?", "?", "?");
    out << line;
    flops += e.forward_flops + e.estimator_flops;
    disk += e.disk_bytes;
    peak = std::max(peak, e.peak_memory_bytes);
    tokens += e.tokens;
    bounded = bounded || !e.tokens_exact;
  }
  const double gpu_hours = flops / (dry.gpu_tflops * 1e12) / 3600.0;
  out << "total: " << (bounded ? "<=" : "") << tokens << " tokens, " << human_flops(flops) << ", peak memory per rank "
      << human_bytes(peak) << ", disk " << human_bytes(disk) << "\n";
  std::snprintf(line, sizeof line, "GPU hours: %.2f at an effective %.0f TFLOP/s (runtime.gpu_tflops)\n", gpu_hours, dry.gpu_tflops);
  out << line;
  for (const auto& note : dry.notes) out << "note: " << note << "\n";
}

}  // namespace infobound::pipeline
