#include "infobound/core/config.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "infobound/core/calibration_mode.hpp"
#include "infobound/core/error.hpp"
#include "infobound/core/hf_cache.hpp"
#include "infobound/core/input_file.hpp"
#include "infobound/core/sha256.hpp"
#include "infobound/core/yaml_schema.hpp"

namespace infobound {
namespace fs = std::filesystem;
namespace {

std::string at(const std::string& file, const YAML::Node& node) { return file + ":" + std::to_string(node.Mark().line + 1); }

std::string yaml_location(const std::string& file, const YAML::Node& node) {
  return file + ":" + std::to_string(node.Mark().line + 1) + ":" + std::to_string(node.Mark().column + 1);
}

fs::path relative_to(const fs::path& base_file, const std::string& value) {
  fs::path p(value);
  if (!value.empty() && value[0] == '~') {
    const char* home = std::getenv("HOME");
    if (home) p = fs::path(home) / value.substr(value.size() > 1 && value[1] == '/' ? 2 : 1);
  }
  if (p.is_relative()) p = base_file.parent_path() / p;
  return p.lexically_normal();
}

std::string substitute(std::string text, const std::string& field, int64_t value) {
  const std::string token = "{" + field + "}";
  for (auto at_pos = text.find(token); at_pos != std::string::npos; at_pos = text.find(token))
    text.replace(at_pos, token.size(), std::to_string(value));
  return text;
}

// One element of `checkpoints:`: a checkpoint, or a series over `steps` with {step} templates.
// `steps:` is a list, or {from, to, every} for an arithmetic series (both ends included).
std::vector<int64_t> parse_steps(yaml::Map& map) {
  const YAML::Node node = map.get("steps");
  if (!node || !node.IsMap()) return map.integers("steps", {});
  yaml::Map range(node, map.file(), map.where() + ".steps");
  const int64_t from = range.integer("from"), to = range.integer("to"), every = range.integer("every");
  range.finish();
  if (every <= 0 || to < from) yaml::fail(map.file(), node, map.where() + ".steps: needs from <= to and every > 0");
  // Counted before expanding: each step becomes a checkpoint to load and a unit to compute.
  const uint64_t count = (static_cast<uint64_t>(to) - static_cast<uint64_t>(from)) / static_cast<uint64_t>(every) + 1;
  if (count > static_cast<uint64_t>(kMaxCheckpointsPerSeries))
    yaml::fail(map.file(), node,
               map.where() + ".steps: the series has " + std::to_string(count) + " steps; at most " +
                   std::to_string(kMaxCheckpointsPerSeries) + " checkpoints per series (raise 'every')");
  std::vector<int64_t> steps;
  for (uint64_t i = 0; i < count; ++i) steps.push_back(from + static_cast<int64_t>(i) * every);
  return steps;
}

void parse_checkpoint(yaml::Map& map, const fs::path& file, std::vector<CheckpointSpec>& out) {
  const auto steps = parse_steps(map);
  const auto step = map.optional_integer("step");
  const auto tokens = map.optional_integer("tokens");
  const auto tokens_per_step = map.optional_integer("tokens_per_step");
  const auto name = map.optional_string("name");
  const auto revision = map.optional_string("revision");
  const auto path = map.optional_string("path");
  const auto hub = map.optional_string("hub");
  map.finish();
  if (revision && path) yaml::fail(map.file(), map.node(), map.where() + ": give either 'revision' or 'path', not both");
  if (hub && path)
    yaml::fail(map.file(), map.node(), map.where() + ": 'hub' names the repository of a 'revision', not of a 'path'");
  std::string hub_repo;
  if (hub) {
    const auto parsed = parse_hub_reference(*hub);
    if (!parsed.revision.empty())
      yaml::fail(map.file(), map.node(),
                 map.where() + ".hub: give the revision in 'revision', not as '@" + parsed.revision + "'");
    hub_repo = parsed.repo;
  }
  auto make = [&](std::optional<int64_t> s) {
    CheckpointSpec c;
    auto expand = [&](const std::string& text) { return s ? substitute(text, "step", *s) : text; };
    c.step = s;
    if (revision) c.revision = expand(*revision);
    c.hub = hub_repo;
    if (path) c.path = relative_to(file, expand(*path));
    int64_t product = 0;
    if (tokens) c.tokens_seen = tokens;
    else if (tokens_per_step && s && __builtin_mul_overflow(*s, *tokens_per_step, &product))
      yaml::fail(map.file(), map.node(),
                 map.where() + ": step " + std::to_string(*s) + " times tokens_per_step overflows 64 bits");
    else if (tokens_per_step && s) c.tokens_seen = product;
    if (name) c.name = expand(*name);
    else if (!c.revision.empty()) c.name = c.revision;
    else if (s) c.name = "step" + std::to_string(*s);
    else if (path) c.name = c.path.filename().string();
    else c.name = "main";
    return c;
  };
  if (!steps.empty()) {
    if (step) yaml::fail(map.file(), map.node(), map.where() + ": give either 'step' or 'steps', not both");
    if (tokens) yaml::fail(map.file(), map.node(), map.where() + ": a 'steps' series takes 'tokens_per_step', not 'tokens'");
    for (const int64_t s : steps) out.push_back(make(s));
  } else {
    out.push_back(make(step));
  }
}

ModelSpec parse_model(yaml::Map& map, const fs::path& file, const std::string& default_family) {
  ModelSpec model;
  model.defined_at = at(file.string(), map.node());
  model.name = map.string("name");
  model.family = map.string("family", default_family.empty() ? model.name : default_family);
  const auto hub = map.optional_string("hub");
  const auto path = map.optional_string("path");
  if (const auto tokenizer = map.optional_string("tokenizer")) model.tokenizer = relative_to(file, *tokenizer);
  model.params = map.optional_integer("params");
  model.n_layers = map.optional_integer("n_layers");
  model.hidden_size = map.optional_integer("hidden_size");
  map.get("notes");  // free text, kept in the manifest for people
  const YAML::Node checkpoints = map.get("checkpoints");
  map.finish();
  if (hub && path)
    yaml::fail(map.file(), map.node(), map.where() + " (" + model.name + "): give either 'hub' or 'path', not both");
  if (model.name.find_first_of("/\\ \t") != std::string::npos || model.name.find("__") != std::string::npos)
    yaml::fail(map.file(), map.node(), map.where() + ": model name '" + model.name + "' must not contain '/', spaces or '__'");
  std::string default_revision = "main";
  if (hub) {
    const auto parsed = parse_hub_reference(*hub);
    model.hub = parsed.repo;
    if (!parsed.revision.empty()) default_revision = parsed.revision;
  }
  if (checkpoints && !checkpoints.IsNull()) {
    if (!checkpoints.IsSequence()) yaml::fail(map.file(), checkpoints, map.where() + ".checkpoints: expected a list");
    for (std::size_t i = 0; i < checkpoints.size(); ++i) {
      yaml::Map entry(checkpoints[i], map.file(), map.where() + ".checkpoints[" + std::to_string(i) + "]");
      parse_checkpoint(entry, file, model.checkpoints);
    }
  } else {
    CheckpointSpec only;
    only.name = path ? "final" : default_revision;
    if (path) only.path = relative_to(file, *path);
    else only.revision = default_revision;
    model.checkpoints.push_back(only);
  }
  for (auto& c : model.checkpoints) {
    if (c.path.empty() && c.revision.empty()) {
      if (path) c.path = relative_to(file, *path);
      else c.revision = default_revision;
    }
    if (!c.revision.empty() && hub_repo_of(model, c).empty())
      yaml::fail(
          map.file(), map.node(),
          map.where() + " (" + model.name + "): checkpoint '" + c.name + "' names a revision but the model has no 'hub' id");
    if (c.name.find_first_of("/\\ \t") != std::string::npos || c.name.find("__") != std::string::npos)
      yaml::fail(map.file(), map.node(), map.where() + ": checkpoint name '" + c.name + "' must not contain '/', spaces or '__'");
  }
  if (model.hub.empty() && !path && std::any_of(model.checkpoints.begin(), model.checkpoints.end(), [&](const auto& c) {
        return c.path.empty() && hub_repo_of(model, c).empty();
      }))
    yaml::fail(map.file(), map.node(),
               map.where() + " (" + model.name + "): needs 'hub' (ORG/NAME) or 'path' (a model directory)");
  std::set<std::string> names;
  for (const auto& c : model.checkpoints)
    if (!names.insert(c.name).second)
      yaml::fail(map.file(), map.node(), map.where() + " (" + model.name + "): checkpoint '" + c.name + "' appears twice");
  return model;
}

Manifest parse_manifest_node(const YAML::Node& root, const fs::path& file) {
  yaml::Map map(root, file.string(), "");
  Manifest manifest;
  manifest.family = map.string("family", "");
  manifest.description = map.string("description", "");
  map.get("sources");  // free text: where the numbers come from
  const YAML::Node models = map.get("models");
  map.finish();
  if (!models || !models.IsSequence() || models.size() == 0)
    yaml::fail(file.string(), models ? models : root, "'models' must be a non-empty list");
  for (std::size_t i = 0; i < models.size(); ++i) {
    yaml::Map entry(models[i], file.string(), "models[" + std::to_string(i) + "]");
    manifest.models.push_back(parse_model(entry, file, manifest.family));
  }
  return manifest;
}

// A `models:` entry of a study that pulls models from a manifest file.
void add_from_manifest(yaml::Map& map, const fs::path& config_file, std::vector<ModelSpec>& out) {
  const fs::path manifest_file = relative_to(config_file, map.string("manifest"));
  const YAML::Node select_node = map.get("select");
  const YAML::Node checkpoints_node = map.get("checkpoints");
  const std::vector<std::string> select = map.strings("select", {});
  const std::vector<std::string> checkpoints = map.strings("checkpoints", {});
  map.finish();
  const Manifest manifest = load_manifest(manifest_file);
  std::vector<ModelSpec> chosen;
  if (select.empty()) {
    chosen = manifest.models;
  } else {
    for (const auto& name : select) {
      const auto it = std::find_if(manifest.models.begin(), manifest.models.end(), [&](const auto& m) { return m.name == name; });
      if (it == manifest.models.end()) {
        std::string known;
        for (const auto& m : manifest.models) known += (known.empty() ? "" : ", ") + m.name;
        yaml::fail(map.file(), select_node,
                   "model '" + name + "' is not in " + manifest_file.string() + " (it has: " + known + ")");
      }
      chosen.push_back(*it);
    }
  }
  if (!checkpoints.empty()) {
    for (auto& model : chosen) {
      std::vector<CheckpointSpec> kept;
      for (const auto& name : checkpoints) {
        const auto it =
            std::find_if(model.checkpoints.begin(), model.checkpoints.end(), [&](const auto& c) { return c.name == name; });
        if (it == model.checkpoints.end())
          yaml::fail(map.file(), checkpoints_node,
                     "checkpoint '" + name + "' is not listed for model '" + model.name + "' in " + manifest_file.string());
        kept.push_back(*it);
      }
      model.checkpoints = std::move(kept);
    }
  }
  out.insert(out.end(), chosen.begin(), chosen.end());
}

CorpusSource parse_source(yaml::Map& map, const fs::path& file, const std::string& where) {
  CorpusSource source;
  const std::string format = map.choice("format", {"text", "jsonl", "preference_jsonl"}, "text");
  source.format = format == "text"    ? SourceFormat::text
                  : format == "jsonl" ? SourceFormat::jsonl
                                      : SourceFormat::preference_jsonl;
  const std::string path = map.string("path");
  source.dataset = map.string("dataset", "");
  source.path = source.dataset.empty() ? relative_to(file, path) : fs::path(path);
  source.name = map.string("name", fs::path(path).stem().string());
  const std::string split = map.choice("split", {"whole", "blank_lines", "lines"}, "blank_lines");
  source.split = split == "whole" ? TextSplit::whole : split == "lines" ? TextSplit::lines : TextSplit::blank_lines;
  source.text_field = map.string("text_field", source.text_field);
  source.chosen_field = map.string("chosen_field", source.chosen_field);
  source.rejected_field = map.string("rejected_field", source.rejected_field);
  source.response_marker = map.string("response_marker", source.response_marker);
  if (const YAML::Node prefixes = map.get("role_prefixes"); prefixes && !prefixes.IsNull()) {
    if (!prefixes.IsMap() || prefixes.size() == 0)
      yaml::fail(map.file(), prefixes, where + ".role_prefixes: expected a mapping role: prefix");
    source.role_prefixes.clear();
    for (const auto& entry : prefixes)
      source.role_prefixes[map.as_string(entry.first, "a role name")] =
          map.as_string(entry.second, "the prefix of role '" + entry.first.as<std::string>() + "'");
  }
  source.skip_documents = map.integer("skip_documents", 0);
  source.max_documents = map.optional_integer("max_documents");
  const bool split_given = map.has("split");
  const bool text_field_given = map.has("text_field");
  const bool preference_given =
      map.has("chosen_field") || map.has("rejected_field") || map.has("response_marker") || map.has("role_prefixes");
  map.finish();
  if (split_given && source.format != SourceFormat::text)
    yaml::fail(map.file(), map.node(), where + ": 'split' applies to format text only");
  if (text_field_given && source.format != SourceFormat::jsonl)
    yaml::fail(map.file(), map.node(), where + ": 'text_field' applies to format jsonl only");
  if (preference_given && source.format != SourceFormat::preference_jsonl)
    yaml::fail(map.file(), map.node(),
               where + ": chosen_field/rejected_field/response_marker/role_prefixes apply to format preference_jsonl only");
  if (source.skip_documents < 0) yaml::fail(map.file(), map.node(), where + ".skip_documents must be >= 0");
  if (source.max_documents && *source.max_documents <= 0)
    yaml::fail(map.file(), map.node(), where + ".max_documents must be > 0");
  return source;
}

// The tasks of an infobound_eval benchmark: each a name, a kind and the corpus source it is built from.
std::vector<EvalTaskSpec> parse_eval_tasks(yaml::Map& map, const fs::path& file, const std::string& where) {
  const YAML::Node tasks = map.get("tasks");
  if (!tasks || !tasks.IsSequence() || tasks.size() == 0)
    yaml::fail(map.file(), tasks ? tasks : map.node(), where + ".tasks: format infobound_eval needs a non-empty list of tasks");
  std::vector<EvalTaskSpec> out;
  std::set<std::string> names;
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    const std::string at = where + ".tasks[" + std::to_string(t) + "]";
    yaml::Map task(tasks[t], map.file(), at);
    EvalTaskSpec spec;
    spec.name = task.string("name");
    spec.kind = task.choice("kind", {"next_token_accuracy", "next_line_cloze"}, "next_token_accuracy");
    spec.window = task.integer("window", spec.window);
    const YAML::Node source = task.get("source");
    task.finish();
    if (!source || !source.IsMap())
      yaml::fail(map.file(), source ? source : task.node(), at + ".source: expected a corpus source mapping (format, path, ...)");
    yaml::Map source_map(source, map.file(), at + ".source");
    spec.source = parse_source(source_map, file, at + ".source");
    if (spec.source.format == SourceFormat::preference_jsonl)
      yaml::fail(map.file(), source, at + ".source: preference pairs are not an eval task source");
    if (spec.window < 8) yaml::fail(map.file(), task.node(), at + ".window must be >= 8 tokens");
    if (!names.insert(spec.name).second)
      yaml::fail(map.file(), task.node(), at + ": task name '" + spec.name + "' is used twice");
    out.push_back(spec);
  }
  return out;
}

CorpusSpec parse_corpus(yaml::Map& map, const fs::path& file) {
  CorpusSpec corpus;
  const YAML::Node sources = map.get("sources");
  corpus.max_length = map.integer("max_length", corpus.max_length);
  corpus.sequences = map.choice("sequences", {"per_document", "packed"}, "per_document") == "packed" ? SequenceMode::packed
                                                                                                     : SequenceMode::per_document;
  corpus.add_special_tokens = map.boolean("add_special_tokens", true);
  corpus.replace_invalid_utf8 = map.choice("invalid_utf8", {"error", "replace"}, "error") == "replace";
  // `shards` is gone: a unit covers the whole corpus (exact per-layer statistics cannot be merged
  // across corpus shards). 1, the old default, is accepted so existing configs keep working.
  if (map.has("shards") && map.integer("shards", 1) != 1)
    yaml::fail(map.file(), map.get("shards"),
               "corpus.shards was removed in infobound 0.2: a unit now covers the whole corpus (exact per-layer statistics, "
               "which cannot be merged across corpus shards); to share one checkpoint among ranks set runtime.ranks_per_unit");
  map.finish();
  if (!sources || !sources.IsSequence() || sources.size() == 0)
    yaml::fail(map.file(), sources ? sources : map.node(), "corpus.sources must be a non-empty list of corpus files");
  for (std::size_t i = 0; i < sources.size(); ++i) {
    yaml::Map entry(sources[i], map.file(), "corpus.sources[" + std::to_string(i) + "]");
    corpus.sources.push_back(parse_source(entry, file, "corpus.sources[" + std::to_string(i) + "]"));
  }
  if (corpus.max_length < 2) yaml::fail(map.file(), map.node(), "corpus.max_length must be >= 2");
  return corpus;
}

EstimatorSpec parse_estimator(yaml::Map& map) {
  EstimatorSpec e;
  e.n_bins = map.integer("n_bins", e.n_bins);
  const int64_t seed = map.integer("seed", 0);
  e.calibration = map.string("calibration", e.calibration);
  e.orders = map.integers("orders", e.orders);
  e.window = map.choice("window", {"soft_h", "per_order"}, "soft_h") == "per_order" ? WindowMode::per_order : WindowMode::soft_h;
  const YAML::Node layers = map.get("layers");
  if (map.has("preference")) e.preference = map.boolean("preference", false);
  map.get("preference");  // known even when absent (listed in messages)
  e.fold_singletons = map.boolean("fold_singletons", e.fold_singletons);
  e.keep_tables = map.boolean("keep_tables", e.keep_tables);
  map.finish();
  if (e.n_bins < 2 || e.n_bins > kMaxBins)
    yaml::fail(map.file(), map.get("n_bins"),
               "estimator.n_bins must be in 2.." + std::to_string(kMaxBins) + " (got " + std::to_string(e.n_bins) + "); " +
                   kMaxBinsReason);
  try {
    Calibration::parse(e.calibration);
  } catch (const InputError& error) {
    yaml::fail(map.file(), map.get("calibration"), std::string("estimator.") + error.what());
  }
  if (seed < 0) yaml::fail(map.file(), map.node(), "estimator.seed must be >= 0");
  e.seed = static_cast<uint64_t>(seed);
  std::sort(e.orders.begin(), e.orders.end());
  e.orders.erase(std::unique(e.orders.begin(), e.orders.end()), e.orders.end());
  for (const int64_t order : e.orders)
    if (order < 1 || order > kMaxOrder)
      yaml::fail(map.file(), map.get("orders"),
                 "estimator.orders: order " + std::to_string(order) + " is outside 1.." + std::to_string(kMaxOrder));
  if (layers && !layers.IsNull()) {
    if (layers.IsScalar() && (layers.Scalar() == "all" || layers.Scalar() == "blocks")) {
      e.layers.kind = layers.Scalar() == "all" ? LayerSelection::Kind::all : LayerSelection::Kind::blocks;
    } else if (layers.IsSequence() && layers.size() > 0) {
      e.layers.kind = LayerSelection::Kind::list;
      for (std::size_t i = 0; i < layers.size(); ++i) {
        const int64_t index = map.as_integer(layers[i], "estimator.layers[" + std::to_string(i) + "]");
        if (index < -kMaxLayers || index > kMaxLayers)
          yaml::fail(map.file(), layers[i],
                     "estimator.layers[" + std::to_string(i) + "]: layer " + std::to_string(index) +
                         " is beyond any model (at most " + std::to_string(kMaxLayers) + " layers)");
        e.layers.indices.push_back(index);
      }
      e.layers.defined_at = yaml_location(map.file(), layers);
    } else {
      yaml::fail(map.file(), layers, "estimator.layers: expected 'all', 'blocks' or a non-empty list of layer indices");
    }
  }
  return e;
}

RuntimeSpec parse_runtime(yaml::Map& map) {
  RuntimeSpec r;
  r.batch_size = map.integer("batch_size", r.batch_size);
  r.dtype = map.choice("dtype", {"float32", "bfloat16", "float16"}, r.dtype);
  r.device = map.string("device", r.device);
  r.threads = map.integer("threads", r.threads);
  r.compute_loss = map.boolean("compute_loss", r.compute_loss);
  r.heartbeat_seconds = map.number("heartbeat_seconds", r.heartbeat_seconds);
  r.gpu_tflops = map.number("gpu_tflops", r.gpu_tflops);
  if (map.has("memory_budget")) {
    const YAML::Node node = map.get("memory_budget");
    try {
      r.memory_budget = parse_byte_size(node.IsScalar() ? node.Scalar() : "", "runtime.memory_budget");
    } catch (const InputError& e) {
      yaml::fail(map.file(), node, e.what());
    }
    if (*r.memory_budget < (int64_t{64} << 20)) yaml::fail(map.file(), node, "runtime.memory_budget must be at least 64MiB");
  }
  r.ranks_per_unit = map.integer("ranks_per_unit", r.ranks_per_unit);
  r.max_layers_per_unit = map.integer("max_layers_per_unit", r.max_layers_per_unit);
  r.accumulate_threads = map.integer("accumulate_threads", r.accumulate_threads);
  map.finish();
  if (r.max_layers_per_unit < 0) yaml::fail(map.file(), map.node(), "runtime.max_layers_per_unit must be >= 0 (0 = no cap)");
  if (r.ranks_per_unit < 1 || r.ranks_per_unit > 4096)
    yaml::fail(map.file(), map.node(), "runtime.ranks_per_unit must be in 1..4096");
  if (r.accumulate_threads < -1 || r.accumulate_threads > 256)
    yaml::fail(map.file(), map.node(),
               "runtime.accumulate_threads must be -1 (automatic), 0 (inline) or a thread count up to 256");
  if (r.batch_size < 1) yaml::fail(map.file(), map.node(), "runtime.batch_size must be >= 1");
  if (r.threads < 0 || r.threads > 4096)
    yaml::fail(map.file(), map.get("threads"), "runtime.threads must be in 0..4096 (0 = automatic)");
  if (r.device != "cpu" && r.device.rfind("cuda", 0) != 0)
    yaml::fail(map.file(), map.node(), "runtime.device must be cpu, cuda or cuda:N");
  if (r.heartbeat_seconds <= 0 || r.gpu_tflops <= 0)
    yaml::fail(map.file(), map.node(), "runtime.heartbeat_seconds and gpu_tflops must be > 0");
  return r;
}

nlohmann::json file_identity(const CorpusSource& source) {
  fs::path path = source.path;
  if (!source.dataset.empty()) {
    try {
      path = resolve_hub_dataset_file(source.dataset, source.path.string());
    } catch (const InputError&) {
      return {{"dataset", source.dataset}, {"path", source.path.string()}, {"sha256", nullptr}};
    }
  }
  std::error_code error;
  if (!fs::is_regular_file(path, error)) return {{"missing", path.filename().string()}};
  return {{"sha256", sha256_file(path)}, {"bytes", fs::file_size(path)}};
}

}  // namespace

std::string to_string(SourceFormat format) {
  switch (format) {
    case SourceFormat::text: return "text";
    case SourceFormat::jsonl: return "jsonl";
    case SourceFormat::preference_jsonl: return "preference_jsonl";
  }
  return "?";
}
std::string to_string(SequenceMode mode) { return mode == SequenceMode::packed ? "packed" : "per_document"; }
std::string to_string(WindowMode mode) { return mode == WindowMode::per_order ? "per_order" : "soft_h"; }
std::string to_string(TextSplit split) {
  return split == TextSplit::whole ? "whole" : split == TextSplit::lines ? "lines" : "blank_lines";
}

std::vector<int64_t> LayerSelection::resolve(int64_t num_hidden_states, const std::string& model) const {
  std::vector<int64_t> result;
  switch (kind) {
    case Kind::all:
      for (int64_t l = 0; l < num_hidden_states; ++l) result.push_back(l);
      break;
    case Kind::blocks:
      for (int64_t l = 1; l < num_hidden_states; ++l) result.push_back(l);
      break;
    case Kind::list:
      for (const int64_t index : indices) {
        const int64_t l = index < 0 ? num_hidden_states + index : index;
        if (l < 0 || l >= num_hidden_states)
          throw InputError((defined_at.empty() ? "" : defined_at + ": ") + "estimator.layers: layer " + std::to_string(index) +
                           " does not exist in " + model + " (it has hidden states 0.." + std::to_string(num_hidden_states - 1) +
                           ")");
        result.push_back(l);
      }
      break;
  }
  std::sort(result.begin(), result.end());
  result.erase(std::unique(result.begin(), result.end()), result.end());
  return result;
}

std::string LayerSelection::to_string() const {
  if (kind == Kind::all) return "all";
  if (kind == Kind::blocks) return "blocks";
  std::string text;
  for (const int64_t i : indices) text += (text.empty() ? "" : ",") + std::to_string(i);
  return "[" + text + "]";
}

const std::string& hub_repo_of(const ModelSpec& model, const CheckpointSpec& checkpoint) {
  return checkpoint.hub.empty() ? model.hub : checkpoint.hub;
}

bool StudyConfig::preference_enabled() const {
  if (estimator.preference) return *estimator.preference;
  return std::any_of(corpus.sources.begin(), corpus.sources.end(),
                     [](const auto& s) { return s.format == SourceFormat::preference_jsonl; });
}

Manifest load_manifest(const fs::path& file) {
  std::error_code error;
  if (!fs::is_regular_file(file, error)) throw InputError(file.string() + ": model manifest not found");
  return parse_manifest_node(yaml::load_file(file.string()), file);
}

StudyConfig parse_study_config(const std::string& yaml_text, const fs::path& file) {
  const std::string name = file.string();
  const YAML::Node root = yaml::load_string(yaml_text, name);
  if (!root || root.IsNull()) throw InputError(name + ": the config file is empty");
  yaml::Map map(root, name, "");
  StudyConfig config;
  config.file = file;
  config.yaml_text = yaml_text;
  config.name = map.string("study", file.stem().string());
  config.description = map.string("description", "");
  const YAML::Node models = map.get("models");
  const YAML::Node corpus = map.get("corpus");
  const YAML::Node estimator = map.get("estimator");
  const YAML::Node runtime = map.get("runtime");
  const YAML::Node benchmarks = map.get("benchmarks");
  const YAML::Node bound = map.get("bound");
  map.finish();

  if (!models || !models.IsSequence() || models.size() == 0)
    yaml::fail(name, models ? models : root,
               "'models' must be a non-empty list (inline models or {manifest: FILE, select: [...]})");
  for (std::size_t i = 0; i < models.size(); ++i) {
    yaml::Map entry(models[i], name, "models[" + std::to_string(i) + "]");
    if (entry.has("manifest")) add_from_manifest(entry, file, config.models);
    else config.models.push_back(parse_model(entry, file, ""));
  }
  std::set<std::string> model_names;
  for (const auto& m : config.models)
    if (!model_names.insert(m.name).second)
      throw InputError(name + ": model '" + m.name + "' appears twice (" + m.defined_at + ")");

  if (!corpus) yaml::fail(name, root, "missing required key 'corpus'");
  yaml::Map corpus_map(corpus, name, "corpus");
  config.corpus = parse_corpus(corpus_map, file);
  if (estimator) {
    yaml::Map m(estimator, name, "estimator");
    config.estimator = parse_estimator(m);
  }
  if (runtime) {
    yaml::Map m(runtime, name, "runtime");
    config.runtime = parse_runtime(m);
  }
  if (bound && !bound.IsNull()) {
    yaml::Map m(bound, name, "bound");
    BoundSpec& b = config.bound;
    b.enabled = m.boolean("enabled", true);
    b.orders = m.integers("orders", {});
    b.context_cap = m.optional_integer("context_cap");
    b.n_betas = m.optional_integer("n_betas");
    b.restarts = m.optional_integer("restarts");
    b.max_iterations = m.optional_integer("max_iterations");
    m.finish();
    for (const int64_t k : b.orders)
      if (k < 1 || k > 4) yaml::fail(name, bound, "bound.orders: order " + std::to_string(k) + " is outside 1..4");
    if ((b.context_cap && *b.context_cap < 0) || (b.n_betas && *b.n_betas < 2) || (b.restarts && *b.restarts < 1) ||
        (b.max_iterations && *b.max_iterations < 1))
      yaml::fail(name, bound, "bound: need context_cap >= 0, n_betas >= 2, restarts >= 1, max_iterations >= 1");
  }
  if (benchmarks && !benchmarks.IsNull()) {
    if (!benchmarks.IsSequence()) yaml::fail(name, benchmarks, "benchmarks: expected a list");
    for (std::size_t i = 0; i < benchmarks.size(); ++i) {
      yaml::Map m(benchmarks[i], name, "benchmarks[" + std::to_string(i) + "]");
      BenchmarkSpec b;
      b.name = m.string("name");
      b.format = m.choice("format", {"open_llm_leaderboard_v2", "lm_eval_harness", "infobound_eval"}, "open_llm_leaderboard_v2");
      const std::string where = "benchmarks[" + std::to_string(i) + "]";
      if (b.format == "infobound_eval") b.tasks = parse_eval_tasks(m, file, where);
      else b.path = relative_to(file, m.string("path"));
      m.finish();
      config.benchmarks.push_back(b);
    }
  }
  return config;
}

StudyConfig load_study_config(const fs::path& file) { return parse_study_config(read_input_file(file, "study config"), file); }

nlohmann::json numbers_config(const StudyConfig& config) {
  nlohmann::json sources = nlohmann::json::array();
  for (const auto& s : config.corpus.sources) {
    nlohmann::json j = {{"format", to_string(s.format)},
                        {"file", file_identity(s)},
                        {"skip_documents", s.skip_documents},
                        {"max_documents", s.max_documents ? nlohmann::json(*s.max_documents) : nlohmann::json(nullptr)}};
    if (s.format == SourceFormat::text) j["split"] = to_string(s.split);
    if (s.format == SourceFormat::jsonl) j["text_field"] = s.text_field;
    if (s.format == SourceFormat::preference_jsonl) {
      j["chosen_field"] = s.chosen_field;
      j["rejected_field"] = s.rejected_field;
      j["response_marker"] = s.response_marker;
      j["role_prefixes"] = s.role_prefixes;
    }
    sources.push_back(j);
  }
  const auto& c = config.corpus;
  const auto& e = config.estimator;
  const auto& r = config.runtime;
  return {
      {"schema", 2},
      {"corpus",
       {{"sources", sources},
        {"max_length", c.max_length},
        {"sequences", to_string(c.sequences)},
        {"add_special_tokens", c.add_special_tokens},
        {"invalid_utf8", c.replace_invalid_utf8 ? "replace" : "error"}}},
      {"estimator",
       {{"n_bins", e.n_bins},
        {"seed", e.seed},
        {"calibration", e.calibration},
        {"orders", e.orders},
        {"window", to_string(e.window)},
        {"layers", e.layers.to_string()},
        {"preference", config.preference_enabled()},
        {"fold_singletons", e.fold_singletons}}},
      {"runtime", {{"batch_size", r.batch_size}, {"dtype", r.dtype}, {"device", r.device}, {"compute_loss", r.compute_loss}}},
  };
}

int64_t parse_byte_size(const std::string& text, const std::string& what) {
  static const std::vector<std::pair<std::string, double>> units = {
      {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"TiB", 1099511627776.0}, {"KB", 1e3},         {"MB", 1e6},
      {"GB", 1e9},     {"TB", 1e12},       {"K", 1024.0},         {"M", 1048576.0},         {"G", 1073741824.0}, {"B", 1.0}};
  std::string number = text;
  double scale = 1.0;
  for (const auto& [suffix, factor] : units) {
    if (number.size() > suffix.size() && number.compare(number.size() - suffix.size(), suffix.size(), suffix) == 0) {
      number.resize(number.size() - suffix.size());
      scale = factor;
      break;
    }
  }
  while (!number.empty() && number.back() == ' ') number.pop_back();
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(number, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (number.empty() || used != number.size() || !(value > 0) || value * scale > 9.0e18)
    throw InputError(what + ": expected a size such as 4GiB, 512MiB or a byte count, got '" + text + "'");
  return static_cast<int64_t>(value * scale);
}

std::string config_hash(const StudyConfig& config) { return sha256_hex(numbers_config(config).dump()); }

}  // namespace infobound
