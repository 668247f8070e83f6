// Decoding ids back to text: round trips over the fixture texts, special-token skipping.
#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "infobound/tokenize/tokenizer.hpp"
#include "unicode.hpp"

namespace infobound::tokenize {
namespace {

struct RoundTrip {
  std::string name;
  bool nfc;  // the tokenizer's normalizer is NFC: the round trip gives the NFC form
};

class DecodeRoundTrip : public ::testing::TestWithParam<RoundTrip> {};

// Byte-level tokenizers lose nothing: decode(encode(text)) is the (normalized) text itself.
TEST_P(DecodeRoundTrip, ByteLevelGivesTheTextBack) {
  const auto dir = testing::tokenizer_fixture(GetParam().name);
  INFOBOUND_REQUIRE_FIXTURE(dir / "cases.jsonl");
  const Tokenizer tokenizer = testing::cached_tokenizer(GetParam().name);
  int checked = 0;
  for (const auto& c : testing::read_cases(dir / "cases.jsonl")) {
    if (c.add_special_tokens) continue;
    std::string expected = c.text;
    if (GetParam().nfc) unicode::normalize(unicode::NormalForm::nfc, expected);
    EXPECT_EQ(tokenizer.decode(c.ids, false), expected);
    ++checked;
  }
  EXPECT_EQ(checked, 103);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, DecodeRoundTrip,
                         ::testing::Values(RoundTrip{"gpt2", false}, RoundTrip{"pythia", true}, RoundTrip{"smollm2", false},
                                           RoundTrip{"olmo2", false}, RoundTrip{"qwen3", true}),
                         [](const auto& info) { return info.param.name; });

// Mistral: Metaspace + byte fallback; the decoder strips the one space the encoder prepends, so
// texts that do not start with a space come back exactly (those that do lose one space, and a
// literal ▁ comes back as a space, as in the reference).
TEST(DecodeMistral, TextsWithoutLeadingSpaceComeBack) {
  const auto dir = testing::tokenizer_fixture("mistral");
  INFOBOUND_REQUIRE_FIXTURE(dir / "cases.jsonl");
  const Tokenizer tokenizer = Tokenizer::from_file(dir);
  int checked = 0;
  for (const auto& c : testing::read_cases(dir / "cases.jsonl")) {
    if (c.add_special_tokens || c.text.empty() || c.text[0] == ' ' || c.text.find("\xE2\x96\x81") != std::string::npos) {
      continue;
    }
    EXPECT_EQ(tokenizer.decode(c.ids, false), c.text);
    ++checked;
  }
  EXPECT_EQ(checked, 90);
  EXPECT_EQ(tokenizer.decode(tokenizer.encode("  two", false), false), " two");
  // Byte-fallback pieces: characters missing from the vocabulary are spelled as <0xNN> tokens.
  const auto ids = tokenizer.encode("\xF0\x9F\xA6\x9C", false);  // U+1F99C parrot
  EXPECT_GE(ids.size(), 4u);
  EXPECT_EQ(tokenizer.decode(ids), "\xF0\x9F\xA6\x9C");
}

TEST(Decode, SkipsSpecialTokensOnRequest) {
  const auto dir = testing::tokenizer_fixture("mistral");
  INFOBOUND_REQUIRE_FIXTURE(dir / "tokenizer.json");
  const Tokenizer tokenizer = Tokenizer::from_file(dir);
  const auto ids = tokenizer.encode("Hello world</s>", true);
  EXPECT_EQ(ids, (std::vector<int64_t>{1, 22557, 1526, 2}));
  EXPECT_EQ(tokenizer.decode(ids, true), "Hello world");
  EXPECT_EQ(tokenizer.decode(ids, false), "<s> Hello world</s>");
}

TEST(Decode, KnownIdsAndUnknownIds) {
  const auto dir = testing::tokenizer_fixture("gpt2");
  INFOBOUND_REQUIRE_FIXTURE(dir / "tokenizer.json");
  const Tokenizer tokenizer = Tokenizer::from_file(dir);
  EXPECT_EQ(tokenizer.decode(std::vector<int64_t>{15496, 995}), "Hello world");
  // Ids the tokenizer does not know (e.g. padding rows of an embedding) are skipped.
  EXPECT_EQ(tokenizer.decode(std::vector<int64_t>{15496, 60000, -1, 995}), "Hello world");
  // A byte-level token sequence that splits a character decodes with U+FFFD.
  const auto ids = tokenizer.encode("\xF0\x9D\x94\x98", false);  // U+1D518, several byte-level tokens
  ASSERT_GE(ids.size(), 2u);
  EXPECT_EQ(tokenizer.decode(std::vector<int64_t>{ids[0]}), "\xEF\xBF\xBD");
}

TEST(Vocabulary, SizesAndLookups) {
  struct Expected {
    std::string name;
    int64_t vocab_size;
  };
  for (const auto& e : {Expected{"gpt2", 50257}, Expected{"pythia", 50277}, Expected{"smollm2", 49152}, Expected{"olmo2", 100278},
                        Expected{"qwen2.5", 151665}, Expected{"qwen3", 151669}, Expected{"mistral", 32000}}) {
    const auto path = testing::tokenizer_fixture(e.name) / "tokenizer.json";
    if (!std::filesystem::exists(path)) GTEST_SKIP() << "fixture not found: " << path;
    EXPECT_EQ(testing::cached_tokenizer(e.name).vocab_size(), e.vocab_size) << e.name;
  }
  const Tokenizer qwen = testing::cached_tokenizer("qwen3");
  EXPECT_EQ(qwen.token_to_id("<think>"), 151667);
  EXPECT_EQ(qwen.token_to_id("Hello"), 9707);
  EXPECT_EQ(qwen.token_to_id("no such token here"), std::nullopt);
}

}  // namespace
}  // namespace infobound::tokenize
