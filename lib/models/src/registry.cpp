// model_type -> family. Adding a family is one line here plus its own file (docs/adding-a-model.md).
#include <algorithm>
#include <map>

#include "architecture.hpp"

namespace infobound::models::detail {
namespace {

const std::map<std::string, Factory, std::less<>>& registry() {
  static const std::map<std::string, Factory, std::less<>> families{
      {"gemma", make_gemma},        // Gemma 1
      {"gemma2", make_gemma2},      // Gemma 2
      {"gpt2", make_gpt2},          // GPT-2
      {"gpt_neox", make_gpt_neox},  // Pythia, GPT-NeoX
      {"llama", make_llama},        // Llama 2/3.x, SmolLM2, TinyStories
      {"olmo2", make_olmo2},        // OLMo 2
      {"qwen2", make_qwen2},        // Qwen2, Qwen2.5
  };
  return families;
}

}  // namespace

bool Architecture::is_stale_buffer(std::string_view) const { return false; }

Factory find_family(std::string_view model_type) {
  const auto it = registry().find(model_type);
  return it == registry().end() ? nullptr : it->second;
}

std::vector<std::string> family_names() {
  std::vector<std::string> names;
  for (const auto& [name, _] : registry()) names.push_back(name);
  return names;
}

}  // namespace infobound::models::detail
