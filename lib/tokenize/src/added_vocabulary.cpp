#include "added_vocabulary.hpp"

#include <algorithm>

#include "unicode.hpp"
#include "utf8.hpp"

namespace infobound::tokenize {

void TokenMatcher::add(std::string_view pattern, uint32_t id) {
  if (pattern.empty()) return;
  uint32_t node = 0;
  for (const char c : pattern) {
    const auto byte = static_cast<unsigned char>(c);
    auto& children = nodes_[node].children;
    const auto it = std::find_if(children.begin(), children.end(), [byte](const auto& e) { return e.first == byte; });
    if (it != children.end()) {
      node = it->second;
    } else {
      const auto next = static_cast<uint32_t>(nodes_.size());
      children.emplace_back(byte, next);
      nodes_.emplace_back();
      node = next;
    }
  }
  if (nodes_[node].id < 0) nodes_[node].id = id;  // the first pattern wins ties
  first_byte_[static_cast<unsigned char>(pattern.front())] = true;
}

std::optional<TokenMatcher::Match> TokenMatcher::find(std::string_view text, std::size_t from) const {
  for (std::size_t start = from; start < text.size(); ++start) {
    if (!first_byte_[static_cast<unsigned char>(text[start])]) continue;
    uint32_t node = 0;
    std::optional<Match> longest;
    for (std::size_t pos = start; pos < text.size(); ++pos) {
      const auto byte = static_cast<unsigned char>(text[pos]);
      const auto& children = nodes_[node].children;
      const auto it = std::find_if(children.begin(), children.end(), [byte](const auto& e) { return e.first == byte; });
      if (it == children.end()) break;
      node = it->second;
      if (nodes_[node].id >= 0) longest = Match{start, pos + 1, static_cast<uint32_t>(nodes_[node].id)};
    }
    if (longest) return longest;
  }
  return std::nullopt;
}

std::vector<AddedToken> parse_added_tokens(const Json& list, const std::string& where) {
  std::vector<AddedToken> tokens;
  if (list.is_null()) return tokens;
  if (!list.is_array()) throw InputError(where + ": \"added_tokens\" must be a list");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string at = where + ": added_tokens[" + std::to_string(i) + "]";
    const Json& entry = list[i];
    if (!entry.is_object()) throw InputError(at + " must be an object");
    AddedToken token;
    token.content = string_field(entry, "content", at);
    token.single_word = bool_field(entry, "single_word", false, at);
    token.lstrip = bool_field(entry, "lstrip", false, at);
    token.rstrip = bool_field(entry, "rstrip", false, at);
    token.normalized = bool_field(entry, "normalized", true, at);
    token.special = bool_field(entry, "special", false, at);
    if (entry.contains("id") && !entry["id"].is_null()) token.declared_id = int_field(entry, "id", at);
    tokens.push_back(std::move(token));
  }
  return tokens;
}

namespace {
bool same_token(const AddedToken& a, const AddedToken& b) {
  return a.content == b.content && a.single_word == b.single_word && a.lstrip == b.lstrip && a.rstrip == b.rstrip &&
         a.normalized == b.normalized && a.special == b.special;
}

// Whether `text` ends (starts) with a word character, as the regexes \w$ and ^\w.
bool ends_with_word(std::string_view text) {
  if (text.empty()) return false;
  std::size_t end = text.size();
  return unicode::is_word_character(utf8::previous(text, end));
}
bool starts_with_word(std::string_view text) {
  if (text.empty()) return false;
  std::size_t pos = 0;
  return unicode::is_word_character(utf8::next(text, pos));
}
// Start of the whitespace run that ends `text` (\s*$).
std::size_t trailing_space_start(std::string_view text) {
  std::size_t end = text.size();
  while (end > 0) {
    std::size_t before = end;
    if (!unicode::is_white_space(utf8::previous(text, before))) break;
    end = before;
  }
  return end;
}
// Length of the whitespace run that starts `text` (^\s*).
std::size_t leading_space_length(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t after = pos;
    if (!unicode::is_white_space(utf8::next(text, after))) break;
    pos = after;
  }
  return pos;
}
}  // namespace

AddedVocabulary::AddedVocabulary(const std::vector<AddedToken>& tokens, const BpeModel& model, const Normalizer* normalizer) {
  // The reference's add_tokens, one token at a time in file order.
  std::vector<AddedToken> special_list;
  std::vector<AddedToken> classic_list;
  for (const AddedToken& token : tokens) {
    if (token.special && !token.content.empty() && !special_contents_.contains(token.content)) {
      special_list.push_back(token);
      special_contents_.insert(token.content);
    }
    if (token.content.empty()) continue;
    const bool duplicate =
        std::any_of(id_to_token_.begin(), id_to_token_.end(), [&](const auto& entry) { return same_token(entry.second, token); });
    if (duplicate) continue;
    uint32_t id;
    if (const auto known = token_to_id(token.content)) {
      id = *known;
    } else if (const auto in_model = model.token_to_id(token.content)) {
      id = *in_model;
    } else if (content_to_id_.empty()) {
      id = static_cast<uint32_t>(model.vocab_size());
    } else {
      const auto model_size = static_cast<uint32_t>(model.vocab_size());
      uint32_t max_id = 0;
      for (const auto& entry : content_to_id_) max_id = std::max(max_id, entry.second);
      id = (max_id >= model_size || model_size == 0) ? max_id + 1 : model_size;
    }
    content_to_id_[token.content] = id;
    id_to_token_[id] = token;
    if (!special_contents_.contains(token.content)) classic_list.push_back(token);
  }
  // Special tokens come first in the matchers, then the others, as in the reference.
  for (const auto* list : {&special_list, &classic_list}) {
    for (const AddedToken& token : *list) {
      const auto id = token_to_id(token.content).value_or(model.token_to_id(token.content).value_or(0));
      if (!token.normalized) {
        raw_matcher_.add(token.content, id);
      } else {
        std::string pattern = token.content;
        if (normalizer) normalizer->normalize(pattern);
        normalized_matcher_.add(pattern, id);
      }
    }
  }
}

void AddedVocabulary::split(const Piece& piece, const TokenMatcher& matcher, std::vector<Segment>& out) const {
  const std::string_view sentence = piece.text;
  const auto emit_text = [&](std::size_t start, std::size_t end) {
    if (end > start) out.push_back({Piece{std::string(sentence.substr(start, end - start)), piece.at_origin && start == 0}, -1});
  };
  std::size_t start_offset = 0;
  std::size_t search_from = 0;
  while (true) {
    const auto match = matcher.empty() ? std::nullopt : matcher.find(sentence, search_from);
    if (!match) break;
    search_from = match->end;
    std::size_t start = match->start;
    std::size_t stop = match->end;
    const AddedToken& token = id_to_token_.at(match->id);
    if (token.single_word) {
      const bool space_before = start == 0 || !ends_with_word(sentence.substr(0, start));
      const bool space_after = stop == sentence.size() || !starts_with_word(sentence.substr(stop));
      if (!space_before || !space_after) continue;
    }
    if (token.lstrip) start = std::max(trailing_space_start(sentence.substr(0, start)), start_offset);
    if (token.rstrip) stop += leading_space_length(sentence.substr(stop));
    if (start_offset < start) emit_text(start_offset, start);
    out.push_back({Piece{std::string(sentence.substr(start, stop - start)), piece.at_origin && start == 0},
                   static_cast<int64_t>(match->id)});
    start_offset = stop;
  }
  if (start_offset < sentence.size()) emit_text(start_offset, sentence.size());
}

void AddedVocabulary::split_raw(std::string_view text, std::vector<Segment>& out) const {
  split(Piece{std::string(text), true}, raw_matcher_, out);
}

void AddedVocabulary::split_normalized(const Piece& piece, std::vector<Segment>& out) const {
  split(piece, normalized_matcher_, out);
}

std::optional<uint32_t> AddedVocabulary::token_to_id(std::string_view content) const {
  const auto it = content_to_id_.find(content);
  if (it == content_to_id_.end()) return std::nullopt;
  return it->second;
}

const std::string* AddedVocabulary::id_to_token(uint32_t id) const {
  const auto it = id_to_token_.find(id);
  return it == id_to_token_.end() ? nullptr : &it->second.content;
}

void AddedVocabulary::check_declared_ids(const std::vector<AddedToken>& tokens, const BpeModel& model,
                                         const std::string& where) const {
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const AddedToken& token = tokens[i];
    if (!token.declared_id || token.content.empty() || model.token_to_id(token.content)) continue;
    const auto id = token_to_id(token.content);
    if (id && static_cast<int64_t>(*id) == *token.declared_id) continue;
    throw InputError(where + ": added_tokens[" + std::to_string(i) + "] '" + token.content + "' declares id " +
                     std::to_string(*token.declared_id) + ", but added tokens outside the model's vocabulary of " +
                     std::to_string(model.vocab_size()) + " take consecutive ids after it (this one would be " +
                     (id ? std::to_string(*id) : std::string("none")) + "); the file is inconsistent");
  }
}

bool AddedVocabulary::is_special(std::string_view content) const { return special_contents_.contains(content); }

std::size_t AddedVocabulary::tokens_outside(const BpeModel& model) const {
  std::size_t count = 0;
  for (const auto& [content, id] : content_to_id_) {
    if (!model.token_to_id(content)) ++count;
  }
  return count;
}

}  // namespace infobound::tokenize
