// Post-processors: TemplateProcessing (special tokens around the sequence), ByteLevel (no
// effect on ids) and Sequence.
#include <map>

#include "components.hpp"

namespace infobound::tokenize {
namespace {

// One element of a template: the sequence itself, or the ids of a special token.
struct TemplateItem {
  bool is_sequence = false;
  std::vector<int64_t> ids;
};

class TemplateProcessing final : public PostProcessor {
 public:
  explicit TemplateProcessing(std::vector<TemplateItem> single) : single_(std::move(single)) {}
  void process(std::vector<int64_t>& ids, bool add_special_tokens) const override {
    if (!add_special_tokens) return;
    std::vector<int64_t> out;
    out.reserve(ids.size() + 4);
    for (const auto& item : single_) {
      if (item.is_sequence) {
        out.insert(out.end(), ids.begin(), ids.end());
      } else {
        out.insert(out.end(), item.ids.begin(), item.ids.end());
      }
    }
    ids = std::move(out);
  }

 private:
  std::vector<TemplateItem> single_;
};

class IdsUnchanged final : public PostProcessor {
 public:
  void process(std::vector<int64_t>&, bool) const override {}
};

class PostProcessorSequence final : public PostProcessor {
 public:
  explicit PostProcessorSequence(std::vector<std::unique_ptr<PostProcessor>> steps) : steps_(std::move(steps)) {}
  void process(std::vector<int64_t>& ids, bool add_special_tokens) const override {
    for (const auto& step : steps_) step->process(ids, add_special_tokens);
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> steps_;
};

std::unique_ptr<PostProcessor> make_template(const Json& config, const std::string& where) {
  const Json& special = require_field(config, "special_tokens", where);
  if (!special.is_object()) bad_field(where, "special_tokens", "an object");
  std::map<std::string, std::vector<int64_t>> special_ids;
  for (const auto& [name, entry] : special.items()) {
    const std::string at = where + ".special_tokens[\"" + name + "\"]";
    const Json& ids = require_field(entry, "ids", at);
    if (!ids.is_array()) bad_field(at, "ids", "a list of ids");
    for (const Json& id : ids) {
      if (!id.is_number_integer() || id.get<int64_t>() < 0) bad_field(at, "ids", "a list of non-negative ids");
      special_ids[name].push_back(id.get<int64_t>());
    }
  }
  const Json& single = require_field(config, "single", where);
  if (!single.is_array()) bad_field(where, "single", "a list of template pieces");
  std::vector<TemplateItem> items;
  for (std::size_t i = 0; i < single.size(); ++i) {
    const std::string at = where + ".single[" + std::to_string(i) + "]";
    const Json& piece = single[i];
    if (piece.is_object() && piece.contains("Sequence")) {
      const std::string id = string_field(piece["Sequence"], "id", at);
      if (id != "A") throw InputError(at + ": a single-sequence template can only hold sequence A, not " + id);
      items.push_back({true, {}});
    } else if (piece.is_object() && piece.contains("SpecialToken")) {
      const std::string id = string_field(piece["SpecialToken"], "id", at);
      const auto it = special_ids.find(id);
      if (it == special_ids.end()) throw InputError(at + ": special token \"" + id + "\" is not in special_tokens");
      items.push_back({false, it->second});
    } else {
      throw InputError(at + " must be {\"Sequence\": ...} or {\"SpecialToken\": ...}");
    }
  }
  return std::make_unique<TemplateProcessing>(std::move(items));
}

}  // namespace

std::unique_ptr<PostProcessor> make_post_processor(const Json& config, const std::string& where) {
  const std::string type = component_type(config, where);
  if (type == "TemplateProcessing") return make_template(config, where);
  if (type == "ByteLevel") return std::make_unique<IdsUnchanged>();  // it only trims offsets
  if (type == "Sequence") {
    const Json& list = require_field(config, "processors", where);
    if (!list.is_array()) bad_field(where, "processors", "a list");
    std::vector<std::unique_ptr<PostProcessor>> steps;
    for (std::size_t i = 0; i < list.size(); ++i) {
      steps.push_back(make_post_processor(list[i], where + ".processors[" + std::to_string(i) + "]"));
    }
    return std::make_unique<PostProcessorSequence>(std::move(steps));
  }
  unsupported_component(where, "post_processor", type, "TemplateProcessing, ByteLevel, Sequence");
}

}  // namespace infobound::tokenize
