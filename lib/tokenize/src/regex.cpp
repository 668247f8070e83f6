#include "regex.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cctype>

#include "infobound/core/error.hpp"
#include "utf8.hpp"

namespace infobound::tokenize {
namespace {

// Oniguruma's \s is exactly Unicode White_Space; PCRE2's \s (with UCP) leaves out U+0085.
constexpr std::string_view kWhiteSpaceItems =
    "\\t-\\r\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}";
// Oniguruma's \w with Unicode: Letter, Mark, Decimal_Number, Connector_Punctuation.
constexpr std::string_view kWordItems = "\\p{L}\\p{M}\\p{Nd}\\p{Pc}";
// Oniguruma (Ruby syntax): \h is a hexadecimal digit, not horizontal space as in PCRE2.
constexpr std::string_view kHexItems = "0-9a-fA-F";

[[noreturn]] void unsupported(const std::string& where, std::string_view pattern, std::string_view what) {
  throw InputError(where + ": regex \"" + std::string(pattern) + "\" uses " + std::string(what) +
                   ", which infobound cannot translate to PCRE2 exactly");
}

std::string pcre2_error_text(int code) {
  PCRE2_UCHAR buffer[256];
  pcre2_get_error_message(code, buffer, sizeof buffer);
  return reinterpret_cast<const char*>(buffer);
}

// Per-thread resources for matching: a JIT stack large enough for long whitespace runs.
struct MatchResources {
  pcre2_match_context* context = nullptr;
  pcre2_jit_stack* jit_stack = nullptr;
  pcre2_match_data* match_data = nullptr;
  MatchResources() {
    context = pcre2_match_context_create(nullptr);
    jit_stack = pcre2_jit_stack_create(64 * 1024, 64 * 1024 * 1024, nullptr);
    if (context && jit_stack) pcre2_jit_stack_assign(context, nullptr, jit_stack);
    match_data = pcre2_match_data_create(1, nullptr);
  }
  ~MatchResources() {
    pcre2_match_data_free(match_data);
    pcre2_jit_stack_free(jit_stack);
    pcre2_match_context_free(context);
  }
  MatchResources(const MatchResources&) = delete;
  MatchResources& operator=(const MatchResources&) = delete;
};

MatchResources& match_resources() {
  thread_local MatchResources resources;
  return resources;
}

}  // namespace

std::string oniguruma_to_pcre2(std::string_view pattern, const std::string& where) {
  std::string out;
  out.reserve(pattern.size() + 64);
  bool in_class = false;
  std::size_t i = 0;
  const auto class_item = [&](std::string_view items, bool negated, std::string_view name) {
    if (!in_class) {
      out += negated ? "[^" : "[";
      out += items;
      out += "]";
    } else if (negated) {
      unsupported(where, pattern, std::string(name) + " inside a character class");
    } else {
      out += items;
    }
  };
  while (i < pattern.size()) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      const char e = pattern[i + 1];
      switch (e) {
        case 's':
          class_item(kWhiteSpaceItems, false, "\\s");
          i += 2;
          continue;
        case 'S':
          class_item(kWhiteSpaceItems, true, "\\S");
          i += 2;
          continue;
        case 'w':
          class_item(kWordItems, false, "\\w");
          i += 2;
          continue;
        case 'W':
          class_item(kWordItems, true, "\\W");
          i += 2;
          continue;
        case 'h':
          class_item(kHexItems, false, "\\h");
          i += 2;
          continue;
        case 'H':
          class_item(kHexItems, true, "\\H");
          i += 2;
          continue;
        case 'b':
        case 'B':
          if (!in_class) unsupported(where, pattern, "a word boundary (\\b, \\B)");
          break;
        case 'u': {
          std::size_t n = 0;
          while (n < 4 && i + 2 + n < pattern.size() && std::isxdigit(static_cast<unsigned char>(pattern[i + 2 + n]))) ++n;
          if (n == 4) {
            out += "\\x{";
            out += pattern.substr(i + 2, 4);
            out += "}";
            i += 6;
            continue;
          }
          unsupported(where, pattern, "\\u without four hexadecimal digits");
        }
        case 'p':
        case 'P':
          if (i + 2 < pattern.size() && pattern[i + 2] == '{') {
            const auto close = pattern.find('}', i + 2);
            if (close == std::string_view::npos) unsupported(where, pattern, "an unterminated \\p{");
            out += pattern.substr(i, close + 1 - i);
            i = close + 1;
            continue;
          }
          break;
        default: break;
      }
      // Everything else (\r, \n, \t, \x{..}, \d, \p, escaped punctuation, ...) means the same in both.
      out += pattern.substr(i, 2);
      i += 2;
      continue;
    }
    if (in_class) {
      if (c == '[') {
        if (i + 1 < pattern.size() && pattern[i + 1] == ':') {
          const auto close = pattern.find(":]", i + 2);
          if (close == std::string_view::npos) unsupported(where, pattern, "an unterminated POSIX class");
          out += pattern.substr(i, close + 2 - i);
          i = close + 2;
          continue;
        }
        unsupported(where, pattern, "a nested character class");
      }
      if (c == '&' && i + 1 < pattern.size() && pattern[i + 1] == '&') {
        unsupported(where, pattern, "character class intersection (&&)");
      }
      if (c == ']') in_class = false;
      out += c;
      ++i;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
      ++i;
      if (i < pattern.size() && pattern[i] == '^') out += pattern[i++];
      if (i < pattern.size() && pattern[i] == ']') out += pattern[i++];  // a leading ] is literal
      continue;
    }
    if (c == '(' && i + 2 < pattern.size() && pattern[i + 1] == '?') {
      // Inline options: Ruby's (?m) is PCRE2's (?s); refuse it rather than change its meaning.
      std::size_t j = i + 2;
      while (j < pattern.size() && (std::isalpha(static_cast<unsigned char>(pattern[j])) || pattern[j] == '-')) {
        if (pattern[j] == 'm') unsupported(where, pattern, "the inline option m");
        ++j;
      }
    }
    out += c;
    ++i;
  }
  return out;
}

Regex::Regex(std::string_view oniguruma_pattern, const std::string& where)
    : pcre2_pattern_(oniguruma_to_pcre2(oniguruma_pattern, where)) {
  compile(where);
}

Regex Regex::literal(std::string_view literal, const std::string& where) {
  Regex regex;
  regex.pcre2_pattern_ = "\\Q" + std::string(literal) + "\\E";
  if (literal.find("\\E") != std::string_view::npos) {
    // \Q..\E cannot hold \E; quote every character instead.
    regex.pcre2_pattern_.clear();
    for (const char c : literal) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) < 0x80) regex.pcre2_pattern_ += '\\';
      regex.pcre2_pattern_ += c;
    }
  }
  regex.compile(where);
  return regex;
}

void Regex::compile(const std::string& where) {
  pcre2_compile_context* context = pcre2_compile_context_create(nullptr);
  pcre2_set_newline(context, PCRE2_NEWLINE_LF);
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pcre2_pattern_.data()), pcre2_pattern_.size(),
                                   PCRE2_UTF | PCRE2_UCP | PCRE2_MULTILINE, &error_code, &error_offset, context);
  pcre2_compile_context_free(context);
  if (code == nullptr) {
    throw InputError(where + ": invalid regex \"" + pcre2_pattern_ + "\" at offset " + std::to_string(error_offset) + ": " +
                     pcre2_error_text(error_code));
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter when JIT is unavailable
  code_ = std::shared_ptr<void>(code, [](void* p) { pcre2_code_free(static_cast<pcre2_code*>(p)); });
}

void Regex::find_all(std::string_view text, std::vector<Span>& out) const {
  auto* code = static_cast<pcre2_code*>(code_.get());
  MatchResources& resources = match_resources();
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  std::size_t search_from = 0;
  bool has_last_match = false;
  std::size_t last_match_end = 0;
  while (search_from <= text.size()) {
    const int rc =
        pcre2_match(code, subject, text.size(), search_from, PCRE2_NO_UTF_CHECK, resources.match_data, resources.context);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      throw InputError("regex \"" + pcre2_pattern_ + "\" failed on a text of " + std::to_string(text.size()) +
                       " bytes: " + pcre2_error_text(rc));
    }
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(resources.match_data);
    const std::size_t start = ovector[0];
    const std::size_t end = ovector[1];
    if (start == end && has_last_match && last_match_end == end) {
      search_from += search_from < text.size() ? utf8::char_length(static_cast<unsigned char>(text[search_from])) : 1;
      continue;
    }
    search_from = end;
    has_last_match = true;
    last_match_end = end;
    out.push_back({start, end});
  }
}

}  // namespace infobound::tokenize
