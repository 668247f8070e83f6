#pragma once
// The regexes of tokenizer.json files are written for Oniguruma (Ruby syntax, Unicode). We run
// them with PCRE2 (UTF + UCP, JIT) after rewriting the few constructs whose meaning differs.
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace infobound::tokenize {

struct Span {
  std::size_t start;
  std::size_t end;
};

class Regex {
 public:
  // Throws InputError naming `where` when the pattern is not valid or uses an unsupported construct.
  Regex(std::string_view oniguruma_pattern, const std::string& where);
  // A pattern that matches `literal` exactly (tokenizer.json {"String": ...} patterns).
  static Regex literal(std::string_view literal, const std::string& where);

  // Non-overlapping matches from left to right; an empty match directly after the previous
  // match is skipped, as the Rust `onig` crate's find_iter does. `text` must be valid UTF-8.
  void find_all(std::string_view text, std::vector<Span>& out) const;

  const std::string& pcre2_pattern() const { return pcre2_pattern_; }

 private:
  Regex() = default;
  void compile(const std::string& where);
  std::string pcre2_pattern_;
  std::shared_ptr<void> code_;  // pcre2_code_8
};

// Rewrites an Oniguruma pattern into an equivalent PCRE2 pattern (exposed for tests).
std::string oniguruma_to_pcre2(std::string_view pattern, const std::string& where);

}  // namespace infobound::tokenize
