#pragma once
// From documents to the token sequences the models read (their file, the token cache, is
// token_cache.hpp).
//
// Sequences (soft_h's convention by default): each document is encoded with special tokens and
// truncated to max_length. `packed`: the encoded documents are concatenated and cut into windows
// of max_length (the last window may be shorter).
//
// Preference pairs give two sequences, chosen then rejected. The prompt is the longest common
// prefix of the two texts, cut back to the end of the last response_marker inside it when the
// marker occurs there. A token is a response token when it sits at or after the first position
// where the encoding of the full text differs from the encoding of the prompt alone (a token that
// straddles the boundary counts as response). Response tokens are labelled 1 in the chosen
// sequence and 0 in the rejected one; prompt tokens -1.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "infobound/core/config.hpp"
#include "infobound/corpus/documents.hpp"

namespace infobound::corpus {

using Encoder = std::function<std::vector<int64_t>(std::string_view text, bool add_special_tokens)>;

struct TokenizedCorpus {
  std::vector<int64_t> ids;
  std::vector<int64_t> offsets{0};         // sequence s is ids[offsets[s], offsets[s+1])
  std::vector<int8_t> preference;          // per token
  std::vector<int64_t> sequence_document;  // document index of each sequence (first one for packed windows)
  int64_t n_documents = 0;
  int64_t n_replaced = 0;
  int64_t n_skipped_empty = 0;

  int64_t n_sequences() const { return static_cast<int64_t>(offsets.size()) - 1; }
  std::span<const int64_t> sequence(int64_t s) const {
    return std::span<const int64_t>(ids).subspan(static_cast<std::size_t>(offsets[s]),
                                                 static_cast<std::size_t>(offsets[s + 1] - offsets[s]));
  }
  std::span<const int8_t> sequence_preference(int64_t s) const {
    return std::span<const int8_t>(preference)
        .subspan(static_cast<std::size_t>(offsets[s]), static_cast<std::size_t>(offsets[s + 1] - offsets[s]));
  }
};

// The prompt (shared part) of a preference pair by the rule above.
std::string preference_prompt(std::string_view chosen, std::string_view rejected, std::string_view response_marker);

// Reads every source and encodes it. Throws InputError "corpus is empty" when no sequence results.
TokenizedCorpus tokenize_corpus(const CorpusSpec& spec, const Encoder& encode, const Utf8Repair& repair = to_valid_utf8);

}  // namespace infobound::corpus
