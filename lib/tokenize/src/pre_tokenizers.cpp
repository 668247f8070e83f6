// Pre-tokenizers: ByteLevel, Split, Digits, Metaspace and Sequence.
#include <functional>

#include "components.hpp"
#include "infobound/tokenize/byte_level.hpp"
#include "unicode.hpp"
#include "utf8.hpp"

namespace infobound::tokenize {
namespace {

// Regex matches and the gaps between them, covering the text (the reference's Pattern::find_matches).
std::vector<MarkedSpan> regex_spans(const Regex& regex, std::string_view text, bool invert) {
  if (text.empty()) return {{0, 0, invert}};
  std::vector<Span> matches;
  regex.find_all(text, matches);
  std::vector<MarkedSpan> spans;
  spans.reserve(matches.size() * 2 + 1);
  std::size_t previous = 0;
  for (const Span& m : matches) {
    if (previous != m.start) spans.push_back({previous, m.start, invert});
    spans.push_back({m.start, m.end, !invert});
    previous = m.end;
  }
  if (previous != text.size()) spans.push_back({previous, text.size(), invert});
  return spans;
}

// Every character for which `is_delimiter` holds is a match of its own.
std::vector<MarkedSpan> char_spans(std::string_view text, const std::function<bool(char32_t)>& is_delimiter) {
  if (text.empty()) return {{0, 0, false}};
  std::vector<MarkedSpan> spans;
  std::size_t last = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t start = pos;
    const char32_t cp = utf8::next(text, pos);
    if (is_delimiter(cp)) {
      if (last < start) spans.push_back({last, start, false});
      spans.push_back({start, pos, true});
      last = pos;
    }
  }
  if (last < text.size()) spans.push_back({last, text.size(), false});
  return spans;
}

SplitBehavior parse_behavior(const std::string& name, const std::string& where) {
  if (name == "Removed") return SplitBehavior::removed;
  if (name == "Isolated") return SplitBehavior::isolated;
  if (name == "MergedWithPrevious") return SplitBehavior::merged_with_previous;
  if (name == "MergedWithNext") return SplitBehavior::merged_with_next;
  if (name == "Contiguous") return SplitBehavior::contiguous;
  throw InputError(where + ": unknown split behavior \"" + name +
                   "\" (expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous)");
}

class ByteLevel final : public PreTokenizer {
 public:
  ByteLevel(bool add_prefix_space, bool use_regex, const std::string& where) : add_prefix_space_(add_prefix_space) {
    if (use_regex) regex_.emplace(byte_level::kGpt2Pattern, where);
  }
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    std::vector<Piece> out;
    out.reserve(pieces.size() * 4);
    std::vector<Span> matches;
    for (Piece& piece : pieces) {
      if (add_prefix_space_ && (piece.text.empty() || piece.text.front() != ' ')) piece.text.insert(0, 1, ' ');
      if (!regex_) {
        out.push_back(mapped(piece.text, piece.at_origin));
        continue;
      }
      // Isolated: the matches and the gaps between them, each a piece.
      matches.clear();
      regex_->find_all(piece.text, matches);
      std::size_t previous = 0;
      const std::string_view text = piece.text;
      for (const Span& m : matches) {
        if (previous < m.start)
          out.push_back(mapped(text.substr(previous, m.start - previous), piece.at_origin && previous == 0));
        if (m.start < m.end) out.push_back(mapped(text.substr(m.start, m.end - m.start), piece.at_origin && m.start == 0));
        previous = m.end;
      }
      if (previous < text.size()) out.push_back(mapped(text.substr(previous), piece.at_origin && previous == 0));
    }
    pieces = std::move(out);
  }

 private:
  static Piece mapped(std::string_view text, bool at_origin) {
    Piece piece;
    piece.at_origin = at_origin;
    piece.text.reserve(text.size() + 4);
    byte_level::map_bytes(text, piece.text);
    return piece;
  }
  bool add_prefix_space_;
  std::optional<Regex> regex_;
};

class SplitPreTokenizer final : public PreTokenizer {
 public:
  SplitPreTokenizer(Regex pattern, SplitBehavior behavior, bool invert)
      : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    std::vector<Piece> out;
    out.reserve(pieces.size() * 4);
    for (const Piece& piece : pieces) split_piece(piece, regex_spans(pattern_, piece.text, invert_), behavior_, out);
    pieces = std::move(out);
  }

 private:
  Regex pattern_;
  SplitBehavior behavior_;
  bool invert_;
};

class Digits final : public PreTokenizer {
 public:
  explicit Digits(bool individual_digits) : individual_digits_(individual_digits) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    std::vector<Piece> out;
    out.reserve(pieces.size() * 2);
    const auto behavior = individual_digits_ ? SplitBehavior::isolated : SplitBehavior::contiguous;
    for (const Piece& piece : pieces) split_piece(piece, char_spans(piece.text, unicode::is_numeric), behavior, out);
    pieces = std::move(out);
  }

 private:
  bool individual_digits_;
};

class Metaspace final : public PreTokenizer {
 public:
  Metaspace(std::string replacement, PrependScheme scheme, bool split)
      : replacement_(std::move(replacement)), scheme_(scheme), split_(split) {
    replacement_code_point_ = utf8::single_code_point(replacement_);
  }
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    std::vector<Piece> out;
    out.reserve(pieces.size());
    for (Piece& piece : pieces) {
      std::string text;
      text.reserve(piece.text.size() + replacement_.size());
      for (const char c : piece.text) {
        if (c == ' ') {
          text += replacement_;
        } else {
          text.push_back(c);
        }
      }
      const bool starts_with_replacement = text.starts_with(replacement_);
      if (!starts_with_replacement &&
          (scheme_ == PrependScheme::always || (scheme_ == PrependScheme::first && piece.at_origin))) {
        text.insert(0, replacement_);
      }
      Piece replaced{std::move(text), piece.at_origin};
      if (split_) {
        const char32_t delimiter = replacement_code_point_;
        split_piece(replaced, char_spans(replaced.text, [delimiter](char32_t cp) { return cp == delimiter; }),
                    SplitBehavior::merged_with_next, out);
      } else if (!replaced.text.empty()) {
        out.push_back(std::move(replaced));
      }
    }
    pieces = std::move(out);
  }

 private:
  std::string replacement_;
  char32_t replacement_code_point_;
  PrependScheme scheme_;
  bool split_;
};

class PreTokenizerSequence final : public PreTokenizer {
 public:
  explicit PreTokenizerSequence(std::vector<std::unique_ptr<PreTokenizer>> steps) : steps_(std::move(steps)) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    for (const auto& step : steps_) step->pre_tokenize(pieces);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

}  // namespace

PrependScheme parse_prepend_scheme(const Json& config, const std::string& where) {
  if (has_value(config, "prepend_scheme")) {
    const std::string scheme = string_field(config, "prepend_scheme", where);
    if (scheme == "always") return PrependScheme::always;
    if (scheme == "first") return PrependScheme::first;
    if (scheme == "never") return PrependScheme::never;
    bad_field(where, "prepend_scheme", "\"always\", \"first\" or \"never\"");
  }
  // Files written before prepend_scheme existed say add_prefix_space instead.
  return bool_field(config, "add_prefix_space", true, where) ? PrependScheme::always : PrependScheme::never;
}

std::string metaspace_replacement(const Json& config, const std::string& where) {
  const std::string replacement = string_field(config, "replacement", where);
  if (utf8::single_code_point(replacement) == 0xFFFFFFFF) bad_field(where, "replacement", "a single character");
  return replacement;
}

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const Json& config, const std::string& where) {
  const std::string type = component_type(config, where);
  if (type == "ByteLevel") {
    return std::make_unique<ByteLevel>(bool_field(config, "add_prefix_space", true, where),
                                       bool_field(config, "use_regex", true, where), where + " (ByteLevel)");
  }
  if (type == "Split") {
    return std::make_unique<SplitPreTokenizer>(pattern_from_json(require_field(config, "pattern", where), where + " (Split)"),
                                               parse_behavior(string_field(config, "behavior", where), where),
                                               bool_field(config, "invert", false, where));
  }
  if (type == "Digits") return std::make_unique<Digits>(bool_field(config, "individual_digits", false, where));
  if (type == "Metaspace") {
    return std::make_unique<Metaspace>(metaspace_replacement(config, where), parse_prepend_scheme(config, where),
                                       bool_field(config, "split", true, where));
  }
  if (type == "Sequence") {
    const Json& list = require_field(config, "pretokenizers", where);
    if (!list.is_array()) bad_field(where, "pretokenizers", "a list");
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    for (std::size_t i = 0; i < list.size(); ++i) {
      steps.push_back(make_pre_tokenizer(list[i], where + ".pretokenizers[" + std::to_string(i) + "]"));
    }
    return std::make_unique<PreTokenizerSequence>(std::move(steps));
  }
  unsupported_component(where, "pre_tokenizer", type, "ByteLevel, Split, Digits, Metaspace, Sequence");
}

}  // namespace infobound::tokenize
