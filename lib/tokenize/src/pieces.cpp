#include "pieces.hpp"

#include <algorithm>

namespace infobound::tokenize {
namespace {

struct Kept {
  std::size_t start;
  std::size_t end;
  bool keep;
};

// The behaviours as the reference defines them (NormalizedString::split): matches are either
// removed, kept alone, glued to a neighbour, or runs of equal kind are fused.
std::vector<Kept> apply_behavior(const std::vector<MarkedSpan>& spans, SplitBehavior behavior) {
  std::vector<Kept> result;
  result.reserve(spans.size());
  switch (behavior) {
    case SplitBehavior::removed:
      for (const auto& s : spans) result.push_back({s.start, s.end, !s.is_match});
      break;
    case SplitBehavior::isolated:
      for (const auto& s : spans) result.push_back({s.start, s.end, true});
      break;
    case SplitBehavior::contiguous: {
      bool previous_match = false;
      for (const auto& s : spans) {
        if (s.is_match == previous_match && !result.empty()) {
          result.back().end = s.end;
        } else {
          result.push_back({s.start, s.end, true});
        }
        previous_match = s.is_match;
      }
      break;
    }
    case SplitBehavior::merged_with_previous: {
      bool previous_match = false;
      for (const auto& s : spans) {
        if (s.is_match && !previous_match && !result.empty()) {
          result.back().end = s.end;
        } else {
          result.push_back({s.start, s.end, true});
        }
        previous_match = s.is_match;
      }
      break;
    }
    case SplitBehavior::merged_with_next: {
      bool previous_match = false;
      for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
        if (it->is_match && !previous_match && !result.empty()) {
          result.back().start = it->start;
        } else {
          result.push_back({it->start, it->end, true});
        }
        previous_match = it->is_match;
      }
      std::reverse(result.begin(), result.end());
      break;
    }
  }
  return result;
}

}  // namespace

void split_piece(const Piece& piece, const std::vector<MarkedSpan>& spans, SplitBehavior behavior, std::vector<Piece>& out) {
  for (const auto& kept : apply_behavior(spans, behavior)) {
    if (!kept.keep || kept.end <= kept.start) continue;
    out.push_back({piece.text.substr(kept.start, kept.end - kept.start), piece.at_origin && kept.start == 0});
  }
}

}  // namespace infobound::tokenize
