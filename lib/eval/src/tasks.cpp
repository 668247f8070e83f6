#include "infobound/eval/tasks.hpp"

#include <algorithm>
#include <cstdlib>

namespace infobound::eval {
namespace {

std::vector<std::string> non_empty_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = text.find('\n', start);
    std::string line = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) lines.push_back(line);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

}  // namespace

std::vector<ClozeText> next_line_items(const std::vector<corpus::Document>& documents) {
  std::vector<ClozeText> items;
  for (const auto& document : documents) {
    const auto lines = non_empty_lines(document.text);
    if (lines.size() < 3) continue;
    ClozeText item;
    item.document = document.name;
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) item.context += (i ? "\n" : "") + lines[i];
    item.answer = "\n" + lines.back();
    items.push_back(std::move(item));
  }
  // Distractor: the answer of another item closest in length; ties go to the next item after
  // this one (cyclically), so the choice depends on the documents only.
  const std::size_t n = items.size();
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t best = i;
    long best_gap = 0;
    for (std::size_t step = 1; step < n; ++step) {
      const std::size_t j = (i + step) % n;
      if (items[j].answer == items[i].answer) continue;
      const long gap = std::labs(static_cast<long>(items[j].answer.size()) - static_cast<long>(items[i].answer.size()));
      if (best == i || gap < best_gap) best = j, best_gap = gap;
    }
    items[i].distractor = best == i ? "" : items[best].answer;
  }
  std::erase_if(items, [](const ClozeText& item) { return item.distractor.empty(); });
  return items;
}

std::vector<ClozeTokens> tokenize_cloze(const std::vector<ClozeText>& items, const tokenize::Tokenizer& tokenizer,
                                        int64_t window) {
  std::vector<ClozeTokens> out;
  for (const auto& item : items) {
    ClozeTokens t;
    t.context = tokenizer.encode(item.context, true);
    t.answer = tokenizer.encode(item.answer, false);
    t.distractor = tokenizer.encode(item.distractor, false);
    t.answer_bytes = static_cast<int64_t>(item.answer.size());
    t.distractor_bytes = static_cast<int64_t>(item.distractor.size());
    const auto longest = static_cast<int64_t>(std::max(t.answer.size(), t.distractor.size()));
    if (longest + 1 > window || t.answer.empty() || t.distractor.empty() || t.context.empty()) continue;
    const auto keep = static_cast<std::size_t>(window - longest);
    if (t.context.size() > keep) t.context.erase(t.context.begin(), t.context.end() - static_cast<std::ptrdiff_t>(keep));
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<std::vector<int64_t>> next_token_windows(const std::vector<corpus::Document>& documents,
                                                     const tokenize::Tokenizer& tokenizer, int64_t window) {
  std::vector<std::vector<int64_t>> windows;
  for (const auto& document : documents) {
    const auto ids = tokenizer.encode(document.text, true);
    for (std::size_t start = 0; start < ids.size(); start += static_cast<std::size_t>(window)) {
      const std::size_t end = std::min(ids.size(), start + static_cast<std::size_t>(window));
      if (end - start >= 2)
        windows.emplace_back(ids.begin() + static_cast<std::ptrdiff_t>(start), ids.begin() + static_cast<std::ptrdiff_t>(end));
    }
  }
  return windows;
}

}  // namespace infobound::eval
