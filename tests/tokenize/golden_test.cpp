// Every cases.jsonl of every fixture tokenizer must give exactly the ids of the Hugging Face
// `tokenizers` library, with and without special tokens; so must the real TinyStories model.
#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "infobound/tokenize/tokenizer.hpp"

namespace infobound::tokenize {
namespace {

using testing::GoldenCase;

std::string describe(const std::vector<int64_t>& ids) {
  std::string out = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(ids[i]);
  }
  return out + "]";
}

class GoldenCases : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenCases, IdsMatchTheReferenceLibrary) {
  const auto dir = testing::tokenizer_fixture(GetParam());
  INFOBOUND_REQUIRE_FIXTURE(dir / "cases.jsonl");
  const Tokenizer tokenizer = testing::cached_tokenizer(GetParam());
  const std::vector<GoldenCase> cases = testing::read_cases(dir / "cases.jsonl");
  ASSERT_EQ(cases.size(), 206u);
  int with_special = 0, without_special = 0, mismatches = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const GoldenCase& c = cases[i];
    (c.add_special_tokens ? with_special : without_special)++;
    const auto ids = tokenizer.encode(c.text, c.add_special_tokens);
    if (ids != c.ids && ++mismatches <= 5) {
      ADD_FAILURE() << GetParam() << " line " << i + 1 << " add_special_tokens=" << c.add_special_tokens
                    << "\n text: " << nlohmann::json(c.text).dump() << "\n want: " << describe(c.ids)
                    << "\n got:  " << describe(ids);
    }
  }
  EXPECT_EQ(mismatches, 0) << GetParam();
  EXPECT_EQ(with_special, 103);
  EXPECT_EQ(without_special, 103);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, GoldenCases, ::testing::ValuesIn(testing::fixture_tokenizers()), [](const auto& info) {
  std::string name = info.param;
  for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
});

TEST(GoldenTinyStories, IdsMatchTheReferenceLibrary) {
  const auto dir = testing::fixtures_dir() / "real" / "tinystories-656k";
  INFOBOUND_REQUIRE_FIXTURE(dir / "golden_texts.jsonl");
  // The directory form of the path: a model directory holding tokenizer.json.
  const Tokenizer tokenizer = Tokenizer::from_file(dir);
  const std::vector<GoldenCase> cases = testing::read_cases(dir / "golden_texts.jsonl");
  ASSERT_EQ(cases.size(), 6u);
  for (const GoldenCase& c : cases) {
    EXPECT_EQ(describe(tokenizer.encode(c.text, true)), describe(c.ids)) << c.text;
    // Decoding without special tokens gives the text back (the fixture README's check).
    EXPECT_EQ(tokenizer.decode(c.ids, true), c.text);
  }
  EXPECT_EQ(tokenizer.vocab_size(), 2048);
}

}  // namespace
}  // namespace infobound::tokenize
