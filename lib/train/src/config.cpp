#include "infobound/train/config.hpp"

#include <regex>
#include <set>

#include "infobound/core/error.hpp"
#include "yaml_reader.hpp"

namespace infobound::train {
namespace {

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& value) {
  const std::filesystem::path path(value);
  return path.is_absolute() ? path : (base / path).lexically_normal();
}

// Names become directory names and manifest ids.
void check_name(yaml::Map& map, const std::string& name, const std::string& what) {
  static const std::regex pattern("[A-Za-z0-9][A-Za-z0-9._-]*");
  if (!std::regex_match(name, pattern)) {
    map.fail(map.node("name"), what + " name '" + name + "' must be letters, digits, '.', '_' or '-'");
  }
}

TokenizerSpec read_tokenizer(yaml::Map map) {
  TokenizerSpec spec;
  if (map.has("vocab_size")) spec.vocab_size = map.integer("vocab_size", 257);
  if (map.has("min_frequency")) spec.min_frequency = map.integer("min_frequency", 1);
  if (map.has("special_tokens")) spec.special_tokens = map.strings("special_tokens");
  map.reject_unknown_keys("vocab_size, min_frequency, special_tokens");
  return spec;
}

DataSpec read_data(yaml::Map map) {
  DataSpec spec;
  if (map.has("context_length")) spec.context_length = map.integer("context_length", 2);
  if (map.has("heldout_fraction")) {
    spec.heldout_fraction = map.number("heldout_fraction");
    if (!(spec.heldout_fraction > 0 && spec.heldout_fraction < 0.5)) {
      map.fail(map.node("heldout_fraction"), "data.heldout_fraction must be in (0, 0.5)");
    }
  }
  if (map.has("eval_windows")) spec.eval_windows = map.integer("eval_windows", 1);
  map.reject_unknown_keys("context_length, heldout_fraction, eval_windows");
  return spec;
}

OptimizerSpec read_training(yaml::Map map) {
  OptimizerSpec spec;
  if (map.has("seed")) spec.seed = static_cast<uint64_t>(map.integer("seed", 0));
  if (map.has("steps")) spec.steps = map.integer("steps", 1);
  if (map.has("batch_size")) spec.batch_size = map.integer("batch_size", 1);
  if (map.has("warmup_steps")) spec.warmup_steps = map.integer("warmup_steps", 0);
  auto positive = [&](const char* key, double& value, bool allow_zero) {
    if (!map.has(key)) return;
    value = map.number(key);
    if (!(allow_zero ? value >= 0 : value > 0)) {
      map.fail(map.node(key), std::string("training.") + key + (allow_zero ? " must be >= 0" : " must be > 0"));
    }
  };
  positive("learning_rate", spec.learning_rate, false);
  positive("min_learning_rate", spec.min_learning_rate, true);
  positive("weight_decay", spec.weight_decay, true);
  positive("epsilon", spec.epsilon, false);
  positive("grad_clip", spec.grad_clip, true);
  for (const char* key : {"beta1", "beta2"}) {
    double& value = std::string(key) == "beta1" ? spec.beta1 : spec.beta2;
    if (!map.has(key)) continue;
    value = map.number(key);
    if (!(value >= 0 && value < 1)) map.fail(map.node(key), std::string("training.") + key + " must be in [0, 1)");
  }
  if (spec.min_learning_rate > spec.learning_rate) {
    map.fail(map.node("min_learning_rate"), "training.min_learning_rate must not exceed training.learning_rate");
  }
  if (spec.warmup_steps > spec.steps) map.fail(map.node("warmup_steps"), "training.warmup_steps must not exceed training.steps");
  map.reject_unknown_keys(
      "seed, steps, batch_size, learning_rate, min_learning_rate, warmup_steps, weight_decay, beta1, beta2, epsilon, "
      "grad_clip");
  return spec;
}

FamilySpec read_family(yaml::Map map) {
  FamilySpec spec;
  spec.name = map.string("name");
  check_name(map, spec.name, "family");
  spec.model_type = map.string("model_type");
  if (map.has("config")) {
    const YAML::Node node = map.node("config");
    if (!node.IsMap()) map.fail(node, "families." + spec.name + ".config must be a mapping of config.json keys");
    spec.config = yaml::to_json(node, map);
    for (const char* reserved : {"model_type", "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                                 "intermediate_size", "max_position_embeddings"}) {
      if (spec.config.contains(reserved)) {
        map.fail(node, std::string("families.") + spec.name + ".config must not set '" + reserved +
                           "' (it comes from the family, the sizes, the tokenizer or data.context_length)");
      }
    }
  }
  map.reject_unknown_keys("name, model_type, config");
  return spec;
}

SizeSpec read_size(yaml::Map map) {
  SizeSpec spec;
  spec.name = map.string("name");
  check_name(map, spec.name, "size");
  spec.hidden_size = map.integer("hidden_size", 1);
  spec.num_hidden_layers = map.integer("num_hidden_layers", 1);
  spec.num_attention_heads = map.integer("num_attention_heads", 1);
  spec.intermediate_size = map.integer("intermediate_size", 1);
  if (map.has("num_key_value_heads")) spec.num_key_value_heads = map.integer("num_key_value_heads", 1);
  if (spec.hidden_size % spec.num_attention_heads != 0) {
    map.fail(map.node("num_attention_heads"), "sizes." + spec.name + ": hidden_size " + std::to_string(spec.hidden_size) +
                                                  " is not divisible by num_attention_heads " +
                                                  std::to_string(spec.num_attention_heads));
  }
  if (spec.num_key_value_heads && spec.num_attention_heads % *spec.num_key_value_heads != 0) {
    map.fail(map.node("num_key_value_heads"),
             "sizes." + spec.name + ": num_attention_heads must be a multiple of num_key_value_heads");
  }
  map.reject_unknown_keys("name, hidden_size, num_hidden_layers, num_attention_heads, intermediate_size, num_key_value_heads");
  return spec;
}

template <typename Spec, typename Read>
std::vector<Spec> read_list(yaml::Map& root, const std::string& key, Read read) {
  const YAML::Node node = root.node(key);
  if (!node) root.fail(YAML::Node(), "the config lacks '" + key + "'");
  if (!node.IsSequence() || node.size() == 0) root.fail(node, key + " must be a non-empty list");
  std::vector<Spec> out;
  std::set<std::string> names;
  for (std::size_t i = 0; i < node.size(); ++i) {
    out.push_back(read(yaml::Map(node[i], root.file(), key + "[" + std::to_string(i) + "]")));
    if (!names.insert(out.back().name).second) root.fail(node[i], key + ": the name '" + out.back().name + "' is used twice");
  }
  return out;
}

}  // namespace

TrainConfig TrainConfig::load(const std::filesystem::path& path) {
  YAML::Node document;
  try {
    document = YAML::LoadFile(path.string());
  } catch (const YAML::BadFile&) {
    throw InputError(path.string() + ": cannot open the training config");
  } catch (const YAML::Exception& e) {
    throw InputError(path.string() + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
  }
  yaml::Map root(document, path.string(), "the training config");
  const auto base = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  TrainConfig config;
  config.source = path;
  config.corpus = resolve(base, root.string("corpus"));
  config.output = resolve(base, root.string("output"));
  config.manifest = resolve(base, root.string("manifest"));
  if (root.has("threads")) config.threads = static_cast<int>(root.integer("threads", 0));
  if (root.has("tokenizer")) config.tokenizer = read_tokenizer(root.map("tokenizer"));
  if (root.has("data")) config.data = read_data(root.map("data"));
  if (root.has("training")) config.optimizer = read_training(root.map("training"));
  config.families = read_list<FamilySpec>(root, "families", read_family);
  config.sizes = read_list<SizeSpec>(root, "sizes", read_size);
  root.reject_unknown_keys("corpus, output, manifest, threads, tokenizer, data, training, families, sizes");
  return config;
}

std::vector<ModelSpec> model_specs(const TrainConfig& config) {
  std::vector<ModelSpec> specs;
  for (const auto& family : config.families) {
    for (const auto& size : config.sizes) specs.push_back({family.name + "-" + size.name, family, size});
  }
  return specs;
}

}  // namespace infobound::train
