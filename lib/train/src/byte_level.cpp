#include "infobound/train/byte_level.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <unordered_map>

#include "infobound/core/error.hpp"
#include "infobound/tokenize/byte_level.hpp"

namespace infobound::train {
namespace {

// GPT-2's pre-tokenizer regex (HF ByteLevel with use_regex), compiled once with PCRE2 UTF+UCP.
// \s is spelled out as Unicode's White_Space set because PCRE2's \s also matches U+180E, which
// HF tokenizers' regex engine does not (the gpt2 fixture has a case).
#define INFOBOUND_WS R"(\t\n\x{0B}\f\r \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000})"
constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^)" INFOBOUND_WS R"(\p{L}\p{N}]+|[)" INFOBOUND_WS R"(]+(?![^)" INFOBOUND_WS
    R"(])|[)" INFOBOUND_WS R"(]+)";
#undef INFOBOUND_WS

}  // namespace

const std::string& byte_symbol(uint8_t byte) { return tokenize::byte_level::byte_to_text()[byte]; }

std::vector<uint8_t> alphabet_bytes_by_code_point() {
  std::vector<uint8_t> bytes(256);
  for (int b = 0; b < 256; ++b) bytes[b] = static_cast<uint8_t>(b);
  std::sort(bytes.begin(), bytes.end(), [](uint8_t a, uint8_t b) {
    const auto& code_point = tokenize::byte_level::byte_to_code_point();
    return code_point[a] < code_point[b];
  });
  return bytes;
}

std::string bytes_to_symbols(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  tokenize::byte_level::map_bytes(bytes, out);
  return out;
}

bool symbols_to_bytes(std::string_view symbols_text, std::string& bytes) {
  // Alphabet code points are below U+0800, so one- and two-byte sequences suffice.
  for (std::size_t i = 0; i < symbols_text.size();) {
    const auto lead = static_cast<uint8_t>(symbols_text[i]);
    char32_t cp;
    if (lead < 0x80) {
      cp = lead;
      i += 1;
    } else if ((lead & 0xE0) == 0xC0 && i + 1 < symbols_text.size()) {
      cp = (static_cast<char32_t>(lead & 0x1F) << 6) | (static_cast<uint8_t>(symbols_text[i + 1]) & 0x3F);
      i += 2;
    } else {
      return false;
    }
    const auto byte = tokenize::byte_level::char_to_byte(cp);
    if (!byte) return false;
    bytes += static_cast<char>(*byte);
  }
  return true;
}

struct Gpt2PreTokenizer::Impl {
  pcre2_code* code = nullptr;
  ~Impl() {
    if (code) pcre2_code_free(code);
  }
};

Gpt2PreTokenizer::Gpt2PreTokenizer() : impl_(std::make_unique<Impl>()) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  impl_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(kGpt2Pattern.data()), kGpt2Pattern.size(), PCRE2_UTF | PCRE2_UCP,
                              &error, &offset, nullptr);
  if (!impl_->code) throw std::logic_error("GPT-2 pre-tokenizer regex does not compile");
  pcre2_jit_compile(impl_->code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter if JIT is unavailable
}

Gpt2PreTokenizer::~Gpt2PreTokenizer() = default;

std::vector<std::string_view> Gpt2PreTokenizer::split(std::string_view text, std::string_view document) const {
  std::vector<std::string_view> pieces;
  if (text.empty()) return pieces;
  const auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  pcre2_match_data* match = pcre2_match_data_create_from_pattern(impl_->code, nullptr);
  std::size_t start = 0;
  uint32_t options = 0;  // UTF is checked once, on the first match, for the whole subject
  while (start < text.size()) {
    const int rc = pcre2_match(impl_->code, subject, text.size(), start, options, match, nullptr);
    if (rc < 0) {
      const PCRE2_SIZE bad_offset = pcre2_get_startchar(match);
      pcre2_match_data_free(match);
      if (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21) {
        throw InputError(std::string(document) + ": invalid UTF-8 at byte offset " + std::to_string(bad_offset));
      }
      // The pattern matches every character, so no match means a PCRE2 failure, not bad input.
      throw std::runtime_error("GPT-2 pre-tokenizer: PCRE2 match failed with code " + std::to_string(rc));
    }
    options = PCRE2_NO_UTF_CHECK;
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match);
    pieces.emplace_back(text.substr(ovector[0], ovector[1] - ovector[0]));
    start = ovector[1];
  }
  pcre2_match_data_free(match);
  return pieces;
}

}  // namespace infobound::train
