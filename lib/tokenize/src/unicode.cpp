#include "unicode.hpp"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>

#include <stdexcept>

#include "utf8.hpp"

namespace infobound::tokenize::unicode {

bool is_white_space(char32_t cp) {
  if (cp <= 0x20) return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D);
  if (cp < 0x85) return false;
  switch (cp) {
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000: return true;
    default: return cp >= 0x2000 && cp <= 0x200A;
  }
}

bool is_numeric(char32_t cp) {
  if (cp < 0x80) return cp >= '0' && cp <= '9';
  const auto type = u_charType(static_cast<UChar32>(cp));
  return type == U_DECIMAL_DIGIT_NUMBER || type == U_LETTER_NUMBER || type == U_OTHER_NUMBER;
}

bool is_word_character(char32_t cp) {
  if (cp < 0x80) return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp == '_';
  const auto c = static_cast<UChar32>(cp);
  if (u_hasBinaryProperty(c, UCHAR_ALPHABETIC) || u_hasBinaryProperty(c, UCHAR_JOIN_CONTROL)) return true;
  const auto type = u_charType(c);
  return type == U_NON_SPACING_MARK || type == U_COMBINING_SPACING_MARK || type == U_ENCLOSING_MARK ||
         type == U_DECIMAL_DIGIT_NUMBER || type == U_CONNECTOR_PUNCTUATION;
}

namespace {
const icu::Normalizer2& normalizer(NormalForm form) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* instance = nullptr;
  switch (form) {
    case NormalForm::nfc: instance = icu::Normalizer2::getNFCInstance(status); break;
    case NormalForm::nfd: instance = icu::Normalizer2::getNFDInstance(status); break;
    case NormalForm::nfkc: instance = icu::Normalizer2::getNFKCInstance(status); break;
    case NormalForm::nfkd: instance = icu::Normalizer2::getNFKDInstance(status); break;
  }
  if (U_FAILURE(status) || instance == nullptr) {
    throw std::runtime_error(std::string("ICU normalizer unavailable: ") + u_errorName(status));
  }
  return *instance;
}

bool is_ascii(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}
}  // namespace

void normalize(NormalForm form, std::string& text) {
  if (is_ascii(text)) return;  // ASCII is invariant under every normalization form
  const icu::Normalizer2& n = normalizer(form);
  UErrorCode status = U_ZERO_ERROR;
  if (n.isNormalizedUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())), status) && U_SUCCESS(status)) {
    return;
  }
  status = U_ZERO_ERROR;
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  icu::StringByteSink<std::string> sink(&out);
  n.normalizeUTF8(0, icu::StringPiece(text.data(), static_cast<int32_t>(text.size())), sink, nullptr, status);
  if (U_FAILURE(status)) throw std::runtime_error(std::string("ICU normalization failed: ") + u_errorName(status));
  text = std::move(out);
}

void lowercase(std::string& text) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    const char32_t cp = utf8::next(text, pos);
    if (cp == 0x130) {
      // The one unconditional multi-character lowercase mapping (SpecialCasing.txt):
      // İ -> i + COMBINING DOT ABOVE. Every other lowercase mapping is one-to-one.
      out += "i\xCC\x87";
    } else {
      utf8::append(out, static_cast<char32_t>(u_tolower(static_cast<UChar32>(cp))));
    }
  }
  text = std::move(out);
}

}  // namespace infobound::tokenize::unicode
