#pragma once
// The text between added tokens, as it moves through normalization and pre-tokenization.
#include <string>
#include <string_view>
#include <vector>

namespace infobound::tokenize {

struct Piece {
  std::string text;
  // Whether the piece begins at byte 0 of the original input (Metaspace's prepend_scheme "first").
  bool at_origin = false;
};

// A split of a text into consecutive spans, each flagged as a pattern match or not; the spans
// cover the text.
struct MarkedSpan {
  std::size_t start;
  std::size_t end;
  bool is_match;
};

// How a pre-tokenizer treats the delimiters it finds (tokenizers' SplitDelimiterBehavior).
enum class SplitBehavior { removed, isolated, merged_with_previous, merged_with_next, contiguous };

// Appends the sub-pieces of `piece` that `behavior` makes of `spans`, leaving out empty ones.
void split_piece(const Piece& piece, const std::vector<MarkedSpan>& spans, SplitBehavior behavior, std::vector<Piece>& out);

}  // namespace infobound::tokenize
