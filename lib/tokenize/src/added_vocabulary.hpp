#pragma once
// Added tokens (the "added_tokens" list): cut out of the text before the model runs, the
// non-normalized ones from the raw text and the normalized ones from the normalized text.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "bpe_model.hpp"
#include "components.hpp"

namespace infobound::tokenize {

struct AddedToken {
  std::string content;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = true;
  bool special = false;
  std::optional<int64_t> declared_id;  // the file's "id"; checked against the id the token gets
};

// Leftmost-longest matching of a set of strings (the reference uses Aho-Corasick with
// MatchKind::LeftmostLongest; among equal matches the pattern given first wins).
class TokenMatcher {
 public:
  struct Match {
    std::size_t start;
    std::size_t end;
    uint32_t id;
  };
  void add(std::string_view pattern, uint32_t id);
  std::optional<Match> find(std::string_view text, std::size_t from) const;
  bool empty() const { return nodes_.size() <= 1; }

 private:
  struct Node {
    std::vector<std::pair<unsigned char, uint32_t>> children;
    int64_t id = -1;
  };
  std::vector<Node> nodes_{1};
  bool first_byte_[256] = {};
};

// A stretch of the input: either text still to be tokenized or one added token.
struct Segment {
  Piece piece;
  int64_t added_id = -1;
};

class AddedVocabulary {
 public:
  // Tokens in file order; ids are assigned as the reference does (the model's id when the
  // model knows the string, otherwise the next free id).
  AddedVocabulary(const std::vector<AddedToken>& tokens, const BpeModel& model, const Normalizer* normalizer);
  // Refuses a token outside the model's vocabulary whose declared id is not the one it gets:
  // ids of added tokens are consecutive after the vocabulary (transformers refuses such a file
  // with "Non-consecutive added token"), and renumbering would give every later id another meaning.
  void check_declared_ids(const std::vector<AddedToken>& tokens, const BpeModel& model, const std::string& where) const;

  // Splits `text` (the whole input) on non-normalized added tokens.
  void split_raw(std::string_view text, std::vector<Segment>& out) const;
  // Splits a normalized text piece on normalized added tokens.
  void split_normalized(const Piece& piece, std::vector<Segment>& out) const;

  std::optional<uint32_t> token_to_id(std::string_view content) const;
  const std::string* id_to_token(uint32_t id) const;
  bool is_special(std::string_view content) const;
  // Added strings the model vocabulary does not hold.
  std::size_t tokens_outside(const BpeModel& model) const;

 private:
  void split(const Piece& piece, const TokenMatcher& matcher, std::vector<Segment>& out) const;

  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> content_to_id_;
  std::unordered_map<uint32_t, AddedToken> id_to_token_;
  std::unordered_set<std::string, StringHash, std::equal_to<>> special_contents_;
  TokenMatcher raw_matcher_;
  TokenMatcher normalized_matcher_;
};

// Parses the "added_tokens" list.
std::vector<AddedToken> parse_added_tokens(const Json& list, const std::string& where);

}  // namespace infobound::tokenize
