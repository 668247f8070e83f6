#include "infobound/stats/hub_identity.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "infobound/core/error.hpp"
#include "infobound/core/hf_cache.hpp"

namespace infobound::stats {
namespace {

struct Rename {
  const char* old_prefix;  // normalised, matched at the start of the id
  const char* new_prefix;
};

// Repositories the Hub renamed (the old id still redirects, and older benchmark exports use it).
constexpr std::array kRenames{
    Rename{"gpt2", "openai-community/gpt2"},  // gpt2, gpt2-medium, -large, -xl
    Rename{"distilgpt2", "distilbert/distilgpt2"},
    Rename{"eleutherai/pythia-v1.1-", "eleutherai/pythia-"},        // Pythia v1.1 became the plain names (v0 got -v0)
    Rename{"meta-llama/meta-llama-3.1-", "meta-llama/llama-3.1-"},  // Meta dropped the "Meta-" prefix of 3.1
};

}  // namespace

std::string normalised_hub_id(const std::string& id) {
  std::string s = id;
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  while (!s.empty() && (s.back() == '/' || std::isspace(static_cast<unsigned char>(s.back())))) s.pop_back();
  return s;
}

std::string current_hub_id(const std::string& id) {
  std::string s = normalised_hub_id(id);
  for (const auto& rename : kRenames) {
    const std::string old_prefix = rename.old_prefix;
    if (s.rfind(old_prefix, 0) != 0) continue;
    // "gpt2" must not turn "gpt2-something/x" (an organisation) into a rename: only ids without
    // an organisation, or with the one named, are renamed.
    if (old_prefix.find('/') == std::string::npos && s.find('/') != std::string::npos) continue;
    s = rename.new_prefix + s.substr(old_prefix.size());
  }
  return s;
}

CheckpointSources checkpoint_sources(const StudyConfig& config) {
  CheckpointSources sources;
  for (const auto& model : config.models)
    for (const auto& checkpoint : model.checkpoints) {
      CheckpointSource s;
      if (checkpoint.path.empty()) {
        s.hub = model.hub;
        s.repo = hub_repo_of(model, checkpoint);
        s.revision = checkpoint.revision;
      }
      sources[{model.name, checkpoint.name}] = s;
    }
  return sources;
}

CheckpointSources checkpoint_sources(const Plan& plan) {
  CheckpointSources sources;
  std::map<std::string, std::string> model_hub;
  for (const auto& unit : plan.units) {
    if (unit.layer_group != 0) continue;  // once per checkpoint
    CheckpointSource s;
    // Hub checkpoints are planned as ORG/NAME@revision; anything else is a directory.
    if (unit.reference.find('@') != std::string::npos) try {
        const HubReference reference = parse_hub_reference(unit.reference);
        s.repo = reference.repo;
        s.revision = reference.revision;
      } catch (const InputError&) {
        // A directory whose name holds '@': a local model without a hub identity.
      }
    if (!s.repo.empty() && (!model_hub.count(unit.model) || s.revision == "main")) model_hub[unit.model] = s.repo;
    sources[{unit.model, unit.checkpoint}] = s;
  }
  for (auto& [key, s] : sources)
    if (!s.repo.empty()) s.hub = model_hub[key.first];
  return sources;
}

}  // namespace infobound::stats
