#include "infobound/core/plan.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "infobound/core/atomic_file.hpp"
#include "infobound/core/error.hpp"
#include "infobound/core/hf_cache.hpp"
#include "infobound/core/sha256.hpp"
#include "infobound/core/version.hpp"

namespace infobound {
namespace fs = std::filesystem;
namespace {

template <typename T>
nlohmann::json optional_json(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

std::optional<int64_t> optional_int(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return j.at(key).get<int64_t>();
}

}  // namespace

const PlanTokenizer& Plan::tokenizer(const std::string& id) const {
  for (const auto& t : tokenizers)
    if (t.id == id) return t;
  throw InputError("plan: tokenizer '" + id + "' is not in the plan");
}

PlanTokenizer& Plan::tokenizer(const std::string& id) {
  return const_cast<PlanTokenizer&>(static_cast<const Plan&>(*this).tokenizer(id));
}

std::vector<const PlanUnit*> Plan::units_of(const std::string& model, const std::string& checkpoint) const {
  std::vector<const PlanUnit*> result;
  for (const auto& u : units)
    if (u.model == model && u.checkpoint == checkpoint) result.push_back(&u);
  return result;
}

std::string make_unit_id(const std::string& model, const std::string& checkpoint, const std::vector<int64_t>& layers,
                         int64_t n_groups) {
  std::string id = model + "__" + checkpoint;
  if (n_groups > 1 && !layers.empty()) id += "__layers-" + std::to_string(layers.front()) + "-" + std::to_string(layers.back());
  return id;
}

std::string tokenizer_id_from_sha256(const std::string& sha256) { return "tok-" + sha256.substr(0, 16); }

ResolvedCheckpoint resolve_checkpoint(const ModelSpec& model, const CheckpointSpec& checkpoint) {
  ResolvedCheckpoint resolved;
  const std::string what = "model " + model.name + " checkpoint " + checkpoint.name + " (" + model.defined_at + ")";
  std::error_code error;
  if (!checkpoint.path.empty()) {
    resolved.reference = checkpoint.path.string();
    resolved.dir = checkpoint.path;
    if (!fs::is_directory(resolved.dir, error))
      throw InputError(resolved.dir.string() + ": model directory not found (" + what + ")");
  } else {
    const std::string& repo = hub_repo_of(model, checkpoint);
    resolved.reference = repo + "@" + checkpoint.revision;
    resolved.dir = resolve_hub_model(repo, checkpoint.revision);
  }
  if (!fs::is_regular_file(resolved.dir / "config.json", error))
    throw InputError(resolved.dir.string() + ": no config.json, not a Hugging Face model directory (" + what + ")");
  fs::path tokenizer = model.tokenizer.empty() ? resolved.dir : model.tokenizer;
  if (fs::is_directory(tokenizer, error)) tokenizer /= "tokenizer.json";
  if (!fs::is_regular_file(tokenizer, error)) throw InputError(tokenizer.string() + ": tokenizer.json not found (" + what + ")");
  resolved.tokenizer = tokenizer;
  return resolved;
}

Plan make_plan(const StudyConfig& config, bool allow_unresolved) {
  Plan plan;
  plan.study = config.name;
  plan.config_file = fs::absolute(config.file).lexically_normal().string();
  plan.numbers_config = numbers_config(config);
  plan.config_hash = sha256_hex(plan.numbers_config.dump());
  plan.infobound_version = kVersion;
  std::map<fs::path, std::string> tokenizer_ids;  // hashing each tokenizer.json once
  for (const auto& model : config.models) {
    for (const auto& checkpoint : model.checkpoints) {
      PlanUnit base;
      base.model = model.name;
      base.family = model.family;
      base.checkpoint = checkpoint.name;
      base.step = checkpoint.step;
      base.tokens_seen = checkpoint.tokens_seen;
      base.params = model.params;
      try {
        const ResolvedCheckpoint resolved = resolve_checkpoint(model, checkpoint);
        base.reference = resolved.reference;
        base.model_dir = resolved.dir;
        auto [it, inserted] = tokenizer_ids.try_emplace(fs::absolute(resolved.tokenizer));
        if (inserted) {
          const std::string sha = sha256_file(resolved.tokenizer);
          it->second = tokenizer_id_from_sha256(sha);
          const std::string& id = it->second;  // clang 14 cannot capture a structured binding
          const bool known =
              std::any_of(plan.tokenizers.begin(), plan.tokenizers.end(), [&](const auto& t) { return t.id == id; });
          if (!known) plan.tokenizers.push_back({it->second, fs::absolute(resolved.tokenizer), sha, -1, -1, -1, {}});
        }
        base.tokenizer_id = it->second;
      } catch (const InputError&) {
        if (!allow_unresolved) throw;
        const std::string& repo = hub_repo_of(model, checkpoint);
        base.reference = checkpoint.path.empty() ? repo + "@" + checkpoint.revision : checkpoint.path.string();
        base.tokenizer_id = "unresolved:" + (!model.hub.empty() ? model.hub : repo.empty() ? model.name : repo);
      }
      base.index = static_cast<int64_t>(plan.units.size());
      base.id = make_unit_id(model.name, checkpoint.name, {}, 1);
      plan.units.push_back(base);
    }
  }
  return plan;
}

std::vector<IdenticalCheckpoints> identical_checkpoints(const Plan& plan) {
  std::vector<IdenticalCheckpoints> groups;
  std::map<std::pair<std::string, std::string>, std::size_t> group_of;  // (model, digest) -> group
  for (const auto& unit : plan.units) {
    if (unit.weights_digest.empty()) continue;
    const auto [it, inserted] = group_of.try_emplace({unit.model, unit.weights_digest}, groups.size());
    if (inserted) groups.push_back({unit.model, unit.weights_digest, {}});
    auto& names = groups[it->second].checkpoints;
    if (std::find(names.begin(), names.end(), unit.checkpoint) == names.end()) names.push_back(unit.checkpoint);
  }
  std::erase_if(groups, [](const IdenticalCheckpoints& g) { return g.checkpoints.size() < 2; });
  return groups;
}

std::string describe(const IdenticalCheckpoints& identical) {
  std::string names;
  for (const auto& c : identical.checkpoints) names += (names.empty() ? "" : ", ") + c;
  return "model " + identical.model + ": checkpoints " + names + " have identical weights (weights digest " +
         identical.weights_digest.substr(0, 16) + ")";
}

nlohmann::json plan_to_json(const Plan& plan) {
  nlohmann::json units = nlohmann::json::array();
  for (const auto& u : plan.units)
    units.push_back({{"index", u.index},
                     {"id", u.id},
                     {"model", u.model},
                     {"family", u.family},
                     {"checkpoint", u.checkpoint},
                     {"step", optional_json(u.step)},
                     {"tokens_seen", optional_json(u.tokens_seen)},
                     {"params", optional_json(u.params)},
                     {"reference", u.reference},
                     {"model_dir", u.model_dir.string()},
                     {"tokenizer_id", u.tokenizer_id},
                     {"weights_digest", u.weights_digest},
                     {"layers", u.layers},
                     {"layer_group", u.layer_group},
                     {"n_layer_groups", u.n_layer_groups},
                     {"planned_memory_bytes", u.planned_memory_bytes},
                     {"planned_table_bytes", u.planned_table_bytes}});
  nlohmann::json tokenizers = nlohmann::json::array();
  for (const auto& t : plan.tokenizers) {
    nlohmann::json sets = nlohmann::json::array();
    for (const auto& l : t.label_sets)
      sets.push_back({{"name", l.name},
                      {"key_width", l.key_width},
                      {"labelled_rows", l.labelled_rows},
                      {"distinct_keys", l.distinct_keys},
                      {"kept_keys", l.kept_keys},
                      {"max_owner_keys", l.max_owner_keys}});
    tokenizers.push_back({{"id", t.id},
                          {"path", t.path.string()},
                          {"sha256", t.sha256},
                          {"n_sequences", t.n_sequences},
                          {"n_tokens", t.n_tokens},
                          {"n_rows", t.n_rows},
                          {"label_sets", sets}});
  }
  return {{"schema_version", Plan::kSchemaVersion},
          {"study", plan.study},
          {"config_file", plan.config_file},
          {"config_hash", plan.config_hash},
          {"infobound_version", plan.infobound_version},
          {"numbers_config", plan.numbers_config},
          {"memory_budget_bytes", plan.memory_budget_bytes},
          {"ranks_per_unit", plan.ranks_per_unit},
          {"tokenizers", tokenizers},
          {"units", units}};
}

Plan plan_from_json(const nlohmann::json& j, const std::string& source) {
  try {
    const int version = j.at("schema_version").get<int>();
    if (version == 1)
      throw InputError(source +
                       ": planned by an older infobound (plan schema 1: units per corpus shard with label tables on disk); "
                       "this infobound writes exact per-layer statistics (schema 2). Plan the study into a new --out directory");
    if (version != Plan::kSchemaVersion)
      throw InputError(source + ": plan schema version " + std::to_string(version) + ", this infobound reads version " +
                       std::to_string(Plan::kSchemaVersion) + " (re-plan into a new run directory)");
    Plan plan;
    plan.study = j.at("study").get<std::string>();
    plan.config_file = j.at("config_file").get<std::string>();
    plan.config_hash = j.at("config_hash").get<std::string>();
    plan.infobound_version = j.at("infobound_version").get<std::string>();
    plan.numbers_config = j.at("numbers_config");
    plan.memory_budget_bytes = j.at("memory_budget_bytes").get<int64_t>();
    plan.ranks_per_unit = j.at("ranks_per_unit").get<int64_t>();
    for (const auto& t : j.at("tokenizers")) {
      PlanTokenizer tokenizer{t.at("id").get<std::string>(),
                              t.at("path").get<std::string>(),
                              t.at("sha256").get<std::string>(),
                              t.at("n_sequences").get<int64_t>(),
                              t.at("n_tokens").get<int64_t>(),
                              t.at("n_rows").get<int64_t>(),
                              {}};
      for (const auto& l : t.at("label_sets"))
        tokenizer.label_sets.push_back({l.at("name").get<std::string>(), l.at("key_width").get<int64_t>(),
                                        l.at("labelled_rows").get<int64_t>(), l.at("distinct_keys").get<int64_t>(),
                                        l.at("kept_keys").get<int64_t>(), l.at("max_owner_keys").get<int64_t>()});
      plan.tokenizers.push_back(std::move(tokenizer));
    }
    for (const auto& u : j.at("units")) {
      PlanUnit unit;
      unit.index = u.at("index").get<int64_t>();
      unit.id = u.at("id").get<std::string>();
      unit.model = u.at("model").get<std::string>();
      unit.family = u.at("family").get<std::string>();
      unit.checkpoint = u.at("checkpoint").get<std::string>();
      unit.step = optional_int(u, "step");
      unit.tokens_seen = optional_int(u, "tokens_seen");
      unit.params = optional_int(u, "params");
      unit.reference = u.at("reference").get<std::string>();
      unit.model_dir = u.at("model_dir").get<std::string>();
      unit.tokenizer_id = u.at("tokenizer_id").get<std::string>();
      unit.weights_digest = u.value("weights_digest", "");
      unit.layers = u.at("layers").get<std::vector<int64_t>>();
      unit.layer_group = u.at("layer_group").get<int64_t>();
      unit.n_layer_groups = u.at("n_layer_groups").get<int64_t>();
      unit.planned_memory_bytes = u.at("planned_memory_bytes").get<int64_t>();
      unit.planned_table_bytes = u.at("planned_table_bytes").get<int64_t>();
      if (unit.index != static_cast<int64_t>(plan.units.size())) throw InputError(source + ": units are not in plan order");
      plan.units.push_back(std::move(unit));
    }
    return plan;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(source + ": malformed plan: " + e.what());
  }
}

void write_plan(const fs::path& file, const Plan& plan) { write_file_atomically(file, plan_to_json(plan).dump(2) + "\n"); }

Plan read_plan(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw InputError(file.string() + ": no plan here (run `infobound plan --config FILE --out RUN` first)");
  std::ostringstream text;
  text << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(file.string() + ": malformed plan: " + e.what());
  }
  return plan_from_json(j, file.string());
}

}  // namespace infobound
