#pragma once
// The eval tasks (docs/eval.md), built from a corpus source's documents, deterministic:
// - next_token_accuracy: every document tokenized alone and cut into non-overlapping windows of
//   `window` tokens; each position predicts the next token of its window (top-1 accuracy).
// - next_line_cloze: per document of at least three lines (in a play: the speaker and two lines),
//   the context is every line but the last and the answer is the true last line; the distractor
//   is the last line of another document, the one closest in length (bytes), so that the
//   summed log-likelihood does not favour the shorter choice. Two-way, chance = 0.5.
#include <cstdint>
#include <string>
#include <vector>

#include "infobound/corpus/documents.hpp"
#include "infobound/tokenize/tokenizer.hpp"

namespace infobound::eval {

struct ClozeText {
  std::string document;    // where it comes from (the document's name)
  std::string context;     // the lines before the answer, joined by '\n'
  std::string answer;      // "\n" + the true next line
  std::string distractor;  // "\n" + another document's last line
};

std::vector<ClozeText> next_line_items(const std::vector<corpus::Document>& documents);

struct ClozeTokens {
  std::vector<int64_t> context, answer, distractor;  // context truncated from the left to fit the window
  int64_t answer_bytes = 0, distractor_bytes = 0;
};

// Tokenizes the items; the continuation is tokenized on its own and appended to the context, as
// lm-evaluation-harness does. Items whose continuation alone does not fit the window are dropped.
std::vector<ClozeTokens> tokenize_cloze(const std::vector<ClozeText>& items, const tokenize::Tokenizer& tokenizer,
                                        int64_t window);

// Non-overlapping windows of at most `window` tokens (the last of a document may be shorter; one
// of fewer than two tokens predicts nothing and is dropped).
std::vector<std::vector<int64_t>> next_token_windows(const std::vector<corpus::Document>& documents,
                                                     const tokenize::Tokenizer& tokenizer, int64_t window);

}  // namespace infobound::eval
