#include "infobound/pipeline/planner.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "infobound/core/atomic_file.hpp"
#include "infobound/core/error.hpp"
#include "infobound/core/log.hpp"
#include "infobound/estimate/accumulator.hpp"
#include "infobound/estimate/ngram.hpp"
#include "infobound/models/causal_lm.hpp"
#include "infobound/pipeline/weights_digests.hpp"
#include "infobound/tokenize/tokenizer.hpp"
#include "label_census.hpp"
#include "label_plan.hpp"
#include "memory_plan.hpp"

namespace infobound::pipeline {
namespace fs = std::filesystem;

corpus::TokenizedCorpus tokenize_with(const StudyConfig& config, const fs::path& tokenizer_json) {
  const tokenize::Tokenizer tokenizer = tokenize::Tokenizer::from_file(tokenizer_json);
  const corpus::Encoder encode = [&](std::string_view text, bool special) { return tokenizer.encode(text, special); };
  const corpus::Utf8Repair repair = [](std::string_view bytes, bool replace, std::string_view document, bool* replaced) {
    return tokenize::to_valid_utf8(bytes, replace ? tokenize::InvalidUtf8::replace : tokenize::InvalidUtf8::error, document,
                                   replaced);
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

namespace {

ModelShape shape_of(const PlanUnit& unit, const StudyConfig& config, std::vector<std::string>* notes) {
  if (!unit.model_dir.empty()) {
    try {
      const models::ModelInfo info = models::inspect_model(unit.model_dir);
      const double file_bytes = info.stored_dtype.find("F32") != std::string::npos ? 4 : 2;
      return {true,
              static_cast<double>(info.n_parameters),
              static_cast<double>(info.hidden_size),
              static_cast<double>(info.n_layers),
              static_cast<double>(info.vocab_size),
              file_bytes};
    } catch (const InputError& e) {
      if (!notes) throw;
      notes->push_back(e.what());
    }
  }
  for (const auto& m : config.models)
    if (m.name == unit.model && m.params && m.hidden_size && m.n_layers)
      return {true, static_cast<double>(*m.params), static_cast<double>(*m.hidden_size), static_cast<double>(*m.n_layers), 0, 2};
  return {};
}

// The census of a tokenized corpus, as the plan records it.
void count_labels(const StudyConfig& config, const corpus::TokenizedCorpus& tokens, int64_t ranks_per_unit,
                  PlanTokenizer& tokenizer) {
  tokenizer.n_sequences = tokens.n_sequences();
  tokenizer.n_tokens = static_cast<int64_t>(tokens.ids.size());
  tokenizer.n_rows = count_estimator_rows(config, tokens);
  const estimate::LabelCounter counter = count_corpus_labels(config, tokens);
  const auto census = counter.census(ranks_per_unit);
  const auto& specs = counter.label_sets();
  tokenizer.label_sets.clear();
  for (std::size_t s = 0; s < specs.size(); ++s)
    tokenizer.label_sets.push_back({specs[s].name, specs[s].key_width, census[s].labelled_rows, census[s].distinct_keys,
                                    census[s].kept_keys, census[s].max_owner_kept});
}

// Without the corpus (a dry run of models not on this machine): rows of documents x max_length,
// and every key bounded by what the rows allow (a kept key occurs at least twice).
PlanTokenizer bounded_census(const StudyConfig& config, const std::string& tokenizer_id, int64_t documents, double vocab) {
  PlanTokenizer bounded;
  bounded.id = tokenizer_id;
  bounded.n_sequences = documents;
  bounded.n_tokens = documents * config.corpus.max_length;
  bounded.n_rows = bounded.n_tokens;
  bounded.label_sets.clear();
  for (const auto& spec : label_plan_of(config).specs()) {
    const int64_t rows = bounded.n_rows;
    double kept = static_cast<double>(rows) / 2;
    if (spec.name == "preference") kept = 2;
    else if (spec.key_width == 1 && vocab > 0) kept = std::min(kept, vocab);
    bounded.label_sets.push_back({spec.name, spec.key_width, rows, rows, static_cast<int64_t>(kept),
                                  static_cast<int64_t>(kept / static_cast<double>(config.runtime.ranks_per_unit)) + 1});
  }
  return bounded;
}

// Replaces each checkpoint's unit by its layer groups (plan order: checkpoints in manifest order,
// groups in layer order) and fills the planned memory of each.
void group_units(const StudyConfig& config, Plan& plan, const std::map<std::string, PlanTokenizer>& census, double budget,
                 std::vector<std::string>* notes) {
  std::vector<PlanUnit> grouped;
  for (const PlanUnit& checkpoint : plan.units) {
    // A model that cannot be inspected (unreadable weights) stays one unit: extract records its
    // failure and goes on with the other checkpoints.
    std::vector<std::string> problems;
    const ModelShape shape = shape_of(checkpoint, config, notes ? notes : &problems);
    for (const auto& problem : problems) log::warn(problem + ": its layers are not grouped; extract will report it");
    const auto tokenizer = census.find(checkpoint.tokenizer_id);
    if (!shape.known || tokenizer == census.end()) {
      PlanUnit unit = checkpoint;
      unit.index = static_cast<int64_t>(grouped.size());
      grouped.push_back(unit);
      continue;
    }
    const auto hidden_states = static_cast<int64_t>(shape.n_layers) + 1;
    const std::vector<int64_t> layers = config.estimator.layers.resolve(hidden_states, checkpoint.model);
    const std::string what = "model " + checkpoint.model + " checkpoint " + checkpoint.checkpoint;
    RankMemory memory = rank_memory(config, tokenizer->second, shape, config.runtime.ranks_per_unit, true);
    const auto groups = group_layers(layers, memory, budget, config.runtime.max_layers_per_unit, what);
    for (std::size_t g = 0; g < groups.size(); ++g) {
      PlanUnit unit = checkpoint;
      unit.layers = groups[g];
      unit.layer_group = static_cast<int64_t>(g);
      unit.n_layer_groups = static_cast<int64_t>(groups.size());
      unit.id = make_unit_id(unit.model, unit.checkpoint, unit.layers, unit.n_layer_groups);
      unit.index = static_cast<int64_t>(grouped.size());
      const RankMemory group_memory =
          rank_memory(config, tokenizer->second, shape, config.runtime.ranks_per_unit, unit.layers.back() == hidden_states - 1);
      unit.planned_memory_bytes = static_cast<int64_t>(group_memory.peak(static_cast<int64_t>(unit.layers.size())));
      unit.planned_table_bytes = static_cast<int64_t>(group_memory.per_layer * static_cast<double>(unit.layers.size()));
      grouped.push_back(std::move(unit));
    }
  }
  plan.units = std::move(grouped);
}

}  // namespace

PlannedRun plan_run(const StudyConfig& config, const RunDir& run, int64_t local_ranks) {
  Plan plan = make_plan(config);
  std::error_code error;
  std::optional<Plan> existing;
  if (fs::is_regular_file(run.plan(), error)) {
    existing = read_plan(run.plan());
    if (existing->config_hash != plan.config_hash)
      throw InputError(run.root.string() + ": this run directory was planned for another config (config hash " +
                       existing->config_hash + ", " + config.file.string() + " gives " + plan.config_hash +
                       "); use a new --out directory");
  }
  fs::create_directories(run.units_dir());
  fs::create_directories(run.corpus_dir());
  std::map<std::string, PlanTokenizer> census;
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
    log::info("corpus for " + tokenizer.id + ": " + std::to_string(tokens.n_documents) + " documents -> " +
              std::to_string(tokens.n_sequences()) + " sequences, " + std::to_string(tokens.ids.size()) + " tokens (" +
              std::to_string(tokens.n_replaced) + " documents with replaced UTF-8, " + std::to_string(tokens.n_skipped_empty) +
              " empty skipped)");
    if (existing) {
      tokenizer = existing->tokenizer(tokenizer.id);
    } else {
      count_labels(config, tokens, config.runtime.ranks_per_unit, tokenizer);
    }
    census.emplace(tokenizer.id, tokenizer);
  }
  if (existing) {
    // The units (their layer groups) stay as first planned, so finished unit files keep their names.
    plan = *existing;
  } else {
    record_weights_digests(plan);
    plan.memory_budget_bytes = memory_budget(config, local_ranks);
    plan.ranks_per_unit = config.runtime.ranks_per_unit;
    group_units(config, plan, census, static_cast<double>(plan.memory_budget_bytes), nullptr);
    std::size_t grouped = 0;
    for (const auto& unit : plan.units) grouped += unit.n_layer_groups > 1 && unit.layer_group == 0;
    if (grouped > 0)
      log::info(std::to_string(grouped) + " checkpoints split into layer groups to fit runtime.memory_budget " +
                human_bytes(static_cast<double>(plan.memory_budget_bytes)) + " per rank");
  }
  write_file_atomically(run.config(), config.yaml_text);
  write_plan(run.plan(), plan);
  return {config, plan};
}

DryRun dry_run(const StudyConfig& config, int64_t local_ranks) {
  DryRun dry;
  dry.plan = make_plan(config, /*allow_unresolved=*/true);
  dry.gpu_tflops = config.runtime.gpu_tflops;
  dry.memory_budget = static_cast<double>(memory_budget(config, local_ranks));
  dry.plan.memory_budget_bytes = static_cast<int64_t>(dry.memory_budget);
  dry.plan.ranks_per_unit = config.runtime.ranks_per_unit;
  // Fallback: documents x max_length, from max_documents where every source sets it.
  int64_t documents = 0;
  bool documents_known = true;
  for (const auto& s : config.corpus.sources) {
    if (!s.max_documents) documents_known = false;
    else documents += *s.max_documents * (s.format == SourceFormat::preference_jsonl ? 2 : 1);
  }
  std::map<std::string, PlanTokenizer> census;
  std::set<std::string> exact;
  for (auto& t : dry.plan.tokenizers) {
    try {
      count_labels(config, tokenize_with(config, t.path), config.runtime.ranks_per_unit, t);
      census.emplace(t.id, t);
      exact.insert(t.id);
    } catch (const InputError& e) {
      dry.notes.push_back("corpus not tokenized with " + t.id + " (" + e.what() + "): token and key counts are upper bounds");
    }
  }
  // Models whose tokenizer is not on this machine: bounded counts per model (their vocabulary).
  std::vector<PlanUnit> checkpoints = dry.plan.units;
  std::set<std::string> unknown_models;
  for (const auto& unit : checkpoints) {
    if (census.count(unit.tokenizer_id) || !documents_known) continue;
    const ModelShape shape = shape_of(unit, config, &dry.notes);
    census.emplace(unit.tokenizer_id, bounded_census(config, unit.tokenizer_id, documents, shape.known ? shape.vocab : 0));
  }
  group_units(config, dry.plan, census, dry.memory_budget, &dry.notes);

  const estimate::LabelPlan label_plan = label_plan_of(config);
  const double n_bins = static_cast<double>(config.estimator.n_bins);
  const double n_sets = static_cast<double>(label_plan.specs().size());
  for (const auto& unit : dry.plan.units) {
    UnitEstimate e;
    e.unit_id = unit.id;
    e.source = unit.reference;
    const auto it = census.find(unit.tokenizer_id);
    std::vector<std::string> repeated_notes;  // said once already, by group_units
    const ModelShape shape = shape_of(unit, config, &repeated_notes);
    e.model_known = shape.known && it != census.end();
    if (!e.model_known) {
      unknown_models.insert(unit.model);
      dry.units.push_back(e);
      continue;
    }
    e.tokens = it->second.n_tokens;
    e.tokens_exact = exact.count(unit.tokenizer_id) > 0;
    e.keys_exact = e.tokens_exact;
    e.layers = static_cast<int64_t>(unit.layers.size());
    // A group's forward runs up to its last block: the groups of a checkpoint re-run the early blocks.
    const double depth = shape.n_layers > 0 ? std::max(0.5, static_cast<double>(unit.layers.back())) / shape.n_layers : 1.0;
    e.forward_flops = 2.0 * shape.params * static_cast<double>(e.tokens) * std::min(1.0, depth);
    e.estimator_flops = static_cast<double>(e.layers) * static_cast<double>(it->second.n_rows) *
                        (2.0 * shape.d * n_bins + (8.0 + n_sets) * n_bins);
    e.table_bytes = static_cast<double>(unit.planned_table_bytes);
    e.peak_memory_bytes = static_cast<double>(unit.planned_memory_bytes);
    // A unit file: header and config, then per layer the marginal and per label set its statistics.
    e.disk_bytes = 64.0 * 1024 + static_cast<double>(config.yaml_text.size()) +
                   static_cast<double>(e.layers) * (n_bins * 8 + 2048 + n_sets * (n_bins * 8 + 2048));
    if (config.estimator.keep_tables) e.disk_bytes += e.table_bytes;
    dry.units.push_back(e);
  }
  // reduce reads one small unit file at a time and keeps one metrics row per layer.
  dry.reduce_memory_bytes = 420.0 * (1 << 20) + static_cast<double>(dry.units.size()) * 64 * 1024;
  for (const auto& m : unknown_models)
    dry.notes.push_back(
        "model " + m +
        " is neither available locally nor described in the manifest (params, n_layers, hidden_size): no estimate");
  return dry;
}

namespace {
std::string human_flops(double flops) {
  char text[32];
  if (flops >= 1e18) std::snprintf(text, sizeof text, "%.2f EFLOP", flops / 1e18);
  else if (flops >= 1e15) std::snprintf(text, sizeof text, "%.2f PFLOP", flops / 1e15);
  else if (flops >= 1e12) std::snprintf(text, sizeof text, "%.2f TFLOP", flops / 1e12);
  else std::snprintf(text, sizeof text, "%.2f GFLOP", flops / 1e9);
  return text;
}
}  // namespace

void print_dry_run(const DryRun& dry, std::ostream& out) {
  char line[640];
  out << "study " << dry.plan.study << ": " << dry.units.size() << " units, config hash " << dry.plan.config_hash
      << ", memory budget " << human_bytes(dry.memory_budget) << " per rank, " << dry.plan.ranks_per_unit
      << " rank(s) per unit\n";
  std::snprintf(line, sizeof line, "%-56s %-44s %12s %6s %14s %14s %12s %12s %10s\n", "unit", "source", "tokens", "layers",
                "forward", "estimator", "tables", "peak memory", "disk");
  // Where each checkpoint comes from (hub ORG/NAME@revision or a directory), once per checkpoint.
  for (const auto& u : dry.plan.units)
    if (u.layer_group == 0)
      out << "checkpoint " << u.model << " " << u.checkpoint << " <- " << u.reference
          << (u.model_dir.empty() ? " (not on this machine)" : "") << "\n";
  out << line;
  double flops = 0, disk = 0, peak = 0;
  int64_t tokens = 0;
  bool bounded = false;
  for (const auto& e : dry.units) {
    const std::string count = (e.tokens_exact ? "" : "<=") + std::to_string(e.tokens);
    if (e.model_known)
      std::snprintf(line, sizeof line, "%-56s %-44s %12s %6lld %14s %14s %12s %12s %10s\n", e.unit_id.c_str(), e.source.c_str(),
                    count.c_str(), static_cast<long long>(e.layers), human_flops(e.forward_flops).c_str(),
                    human_flops(e.estimator_flops).c_str(),
                    ((e.keys_exact ? std::string() : std::string("<=")) + human_bytes(e.table_bytes)).c_str(),
                    human_bytes(e.peak_memory_bytes).c_str(), human_bytes(e.disk_bytes).c_str());
    else
      std::snprintf(line, sizeof line, "%-56s %-44s %12s %6s %14s %14s %12s %12s %10s\n", e.unit_id.c_str(), e.source.c_str(),
                    "?", "?", "?", "?", "?", "?", "?");
    out << line;
    flops += e.forward_flops + e.estimator_flops;
    disk += e.disk_bytes;
    peak = std::max(peak, e.peak_memory_bytes);
    tokens += e.tokens;
    bounded = bounded || !e.keys_exact;
  }
  const double gpu_hours = flops / (dry.gpu_tflops * 1e12) / 3600.0;
  out << "total: " << (bounded ? "<=" : "") << tokens << " tokens, " << human_flops(flops)
      << " (forward re-runs of layer groups included)"
      << ", peak extract memory per rank " << human_bytes(peak) << " (budget " << human_bytes(dry.memory_budget)
      << "), reduce memory " << human_bytes(dry.reduce_memory_bytes) << ", disk " << human_bytes(disk) << "\n";
  std::snprintf(line, sizeof line, "GPU hours: %.2f at an effective %.0f TFLOP/s (runtime.gpu_tflops)\n", gpu_hours,
                dry.gpu_tflops);
  out << line;
  for (const auto& note : dry.notes) out << "note: " << note << "\n";
}

}  // namespace infobound::pipeline
