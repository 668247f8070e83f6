// Normalizers: Unicode normalization forms, Lowercase, Prepend, Replace and Sequence.
#include <string_view>

#include "components.hpp"
#include "unicode.hpp"

namespace infobound::tokenize {
namespace {

class UnicodeNormalizer final : public Normalizer {
 public:
  explicit UnicodeNormalizer(unicode::NormalForm form) : form_(form) {}
  void normalize(std::string& text) const override { unicode::normalize(form_, text); }

 private:
  unicode::NormalForm form_;
};

class Lowercase final : public Normalizer {
 public:
  void normalize(std::string& text) const override { unicode::lowercase(text); }
};

class Prepend final : public Normalizer {
 public:
  explicit Prepend(std::string prefix) : prefix_(std::move(prefix)) {}
  void normalize(std::string& text) const override {
    if (!text.empty()) text.insert(0, prefix_);
  }

 private:
  std::string prefix_;
};

class Replace final : public Normalizer {
 public:
  Replace(Regex pattern, std::string content) : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void normalize(std::string& text) const override {
    std::vector<Span> matches;
    pattern_.find_all(text, matches);
    if (matches.empty()) return;
    std::string out;
    out.reserve(text.size() + matches.size() * content_.size());
    std::size_t previous = 0;
    for (const Span& m : matches) {
      out.append(text, previous, m.start - previous);
      out += content_;
      previous = m.end;
    }
    out.append(text, previous, std::string::npos);
    text = std::move(out);
  }

 private:
  Regex pattern_;
  std::string content_;
};

class NormalizerSequence final : public Normalizer {
 public:
  explicit NormalizerSequence(std::vector<std::unique_ptr<Normalizer>> steps) : steps_(std::move(steps)) {}
  void normalize(std::string& text) const override {
    for (const auto& step : steps_) step->normalize(text);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

}  // namespace

Regex pattern_from_json(const Json& pattern, const std::string& where) {
  if (pattern.is_object() && pattern.size() == 1) {
    if (pattern.contains("String") && pattern["String"].is_string()) {
      return Regex::literal(pattern["String"].get<std::string>(), where);
    }
    if (pattern.contains("Regex") && pattern["Regex"].is_string()) {
      return Regex(pattern["Regex"].get<std::string>(), where);
    }
  }
  throw InputError(where + ": field \"pattern\" must be {\"String\": ...} or {\"Regex\": ...}");
}

std::unique_ptr<Normalizer> make_normalizer(const Json& config, const std::string& where) {
  const std::string type = component_type(config, where);
  if (type == "NFC") return std::make_unique<UnicodeNormalizer>(unicode::NormalForm::nfc);
  if (type == "NFD") return std::make_unique<UnicodeNormalizer>(unicode::NormalForm::nfd);
  if (type == "NFKC") return std::make_unique<UnicodeNormalizer>(unicode::NormalForm::nfkc);
  if (type == "NFKD") return std::make_unique<UnicodeNormalizer>(unicode::NormalForm::nfkd);
  if (type == "Lowercase") return std::make_unique<Lowercase>();
  if (type == "Prepend") return std::make_unique<Prepend>(string_field(config, "prepend", where));
  if (type == "Replace") {
    return std::make_unique<Replace>(pattern_from_json(require_field(config, "pattern", where), where + " (Replace)"),
                                     string_field(config, "content", where));
  }
  if (type == "Sequence") {
    const Json& list = require_field(config, "normalizers", where);
    if (!list.is_array()) bad_field(where, "normalizers", "a list");
    std::vector<std::unique_ptr<Normalizer>> steps;
    for (std::size_t i = 0; i < list.size(); ++i) {
      steps.push_back(make_normalizer(list[i], where + ".normalizers[" + std::to_string(i) + "]"));
    }
    return std::make_unique<NormalizerSequence>(std::move(steps));
  }
  unsupported_component(where, "normalizer", type, "NFC, NFD, NFKC, NFKD, Lowercase, Prepend, Replace, Sequence");
}

}  // namespace infobound::tokenize
