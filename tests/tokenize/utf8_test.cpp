// to_valid_utf8: errors name the document and byte offset; replacement equals Python's
// bytes.decode("utf-8", errors="replace") (one U+FFFD per maximal subpart).
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "infobound/core/error.hpp"
#include "infobound/tokenize/tokenizer.hpp"

namespace infobound::tokenize {
namespace {

std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

const std::string kReplacement = "\xEF\xBF\xBD";

TEST(ValidUtf8, ValidTextIsReturnedUnchanged) {
  const std::string text = "plain ASCII, caf\xC3\xA9, \xE4\xB8\xAD\xE6\x96\x87, \xF0\x9F\x98\x80";
  bool replaced = true;
  EXPECT_EQ(to_valid_utf8(text, InvalidUtf8::error, "doc", &replaced), text);
  EXPECT_FALSE(replaced);
  EXPECT_FALSE(first_invalid_utf8(text).has_value());
}

TEST(ValidUtf8, ErrorNamesDocumentAndByteOffset) {
  const std::string text = "0123456789abc\xE2\x82xyz";
  try {
    to_valid_utf8(text, InvalidUtf8::error, "corpus.jsonl line 7");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "corpus.jsonl line 7: invalid UTF-8 at byte offset 13");
  }
  EXPECT_EQ(first_invalid_utf8(text), 13u);
}

TEST(ValidUtf8, RejectsSurrogatesOverlongsAndOutOfRange) {
  for (const std::string hex : {"eda080", "c0af", "e08080", "f08f8080", "f4908080", "f5", "80", "ff"}) {
    EXPECT_EQ(first_invalid_utf8(from_hex(hex)), 0u) << hex;
  }
  for (const std::string hex : {"c280", "e0a080", "ed9fbf", "efbfbf", "f0908080", "f48fbfbf"}) {
    EXPECT_FALSE(first_invalid_utf8(from_hex(hex)).has_value()) << hex;
  }
}

TEST(ValidUtf8, MaximalSubpartsAreReplacedOnce) {
  bool replaced = false;
  // A truncated 3-byte sequence is one maximal subpart: one U+FFFD, then the next character.
  EXPECT_EQ(to_valid_utf8("a\xE2\x82"
                          "b",
                          InvalidUtf8::replace, "doc", &replaced),
            "a" + kReplacement + "b");
  EXPECT_TRUE(replaced);
  // A surrogate encoding is three ill-formed bytes (ED is only valid with 80..9F after it).
  EXPECT_EQ(to_valid_utf8(from_hex("eda080"), InvalidUtf8::replace, "doc"), kReplacement + kReplacement + kReplacement);
  // An incomplete 4-byte sequence at the end is one subpart.
  EXPECT_EQ(to_valid_utf8(from_hex("41f09f98"), InvalidUtf8::replace, "doc"), "A" + kReplacement);
}

TEST(ValidUtf8, ReplacementEqualsPython) {
  const std::vector<std::pair<std::string, std::string>> cases{
#include "python_replace_cases.inc"
  };
  ASSERT_EQ(cases.size(), 120u);
  for (const auto& [input, expected] : cases) {
    EXPECT_EQ(to_valid_utf8(from_hex(input), InvalidUtf8::replace, "doc"), from_hex(expected)) << input;
  }
}

}  // namespace
}  // namespace infobound::tokenize
