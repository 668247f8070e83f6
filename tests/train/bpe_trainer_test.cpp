#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include <unistd.h>

#include "infobound/core/error.hpp"
#include "infobound/io/json_file.hpp"
#include "infobound/testing/scratch_dir.hpp"
#include "infobound/train/bpe_trainer.hpp"
#include "infobound/train/byte_level.hpp"

using infobound::train::BpeTrainerOptions;
using infobound::train::ByteLevelBpe;

namespace {
const std::string kCorpus =
    "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n"
    "First Citizen:\nYou are all resolved rather to die than to famish?\n\nAll:\nResolved. resolved.\n\n"
    "First Citizen:\nFirst, you know Caius Marcius is chief enemy to the people.\n";

std::string shakespeare() {
  const std::filesystem::path path = INFOBOUND_SOURCE_DIR "/data/corpus/tinyshakespeare.txt";
  return infobound::io::read_file_bytes(path);
}
}  // namespace

TEST(ByteLevel, AlphabetIsGpt2s) {
  EXPECT_EQ(infobound::train::byte_symbol(' '), "\xC4\xA0");   // Ġ
  EXPECT_EQ(infobound::train::byte_symbol('\n'), "\xC4\x8A");  // Ċ
  EXPECT_EQ(infobound::train::byte_symbol('a'), "a");
  const auto order = infobound::train::alphabet_bytes_by_code_point();
  EXPECT_EQ(order.front(), '!');  // GPT-2's vocabulary starts "!" = 0
  EXPECT_EQ(std::set<uint8_t>(order.begin(), order.end()).size(), 256u);
  std::string bytes;
  for (int b = 0; b < 256; ++b) bytes += static_cast<char>(b);
  std::string back;
  ASSERT_TRUE(infobound::train::symbols_to_bytes(infobound::train::bytes_to_symbols(bytes), back));
  EXPECT_EQ(back, bytes);
}

TEST(ByteLevel, PreTokenizerSplitsAsGpt2) {
  const infobound::train::Gpt2PreTokenizer pre;
  const auto pieces = pre.split("Hello world's  end!!\n\n 42x");
  const std::vector<std::string_view> expected{"Hello", " world", "'s", " ", " end", "!!", "\n\n", " 42", "x"};
  EXPECT_EQ(pieces, expected);
  EXPECT_THROW(pre.split("ok \xff bad", "doc.txt"), infobound::InputError);
}

TEST(BpeTrainer, LearnsFrequentMergesAndRoundTrips) {
  const auto bpe = ByteLevelBpe::train(kCorpus, {.vocab_size = 290, .min_frequency = 2, .special_tokens = {"<|endoftext|>"}});
  EXPECT_EQ(bpe.vocab_size(), 290);
  EXPECT_EQ(bpe.tokens()[0], "<|endoftext|>");
  // " Citizen" occurs three times and is the most repeated long word: it ends up one token.
  const auto ids = bpe.encode("First Citizen:");
  EXPECT_LT(ids.size(), 6u);
  for (const std::string& text :
       {kCorpus, std::string("unseen words \xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80 \t\r\n end"), std::string("a<|endoftext|>b")}) {
    const auto encoded = bpe.encode(text);
    EXPECT_EQ(bpe.decode(encoded, false), text);
  }
  const auto with_special = bpe.encode("a<|endoftext|>b");
  ASSERT_EQ(with_special.size(), 3u);
  EXPECT_EQ(with_special[1], 0);
  EXPECT_EQ(bpe.decode(with_special, true), "ab");
}

TEST(BpeTrainer, IsDeterministic) {
  const BpeTrainerOptions options{.vocab_size = 400};
  const auto a = ByteLevelBpe::train(kCorpus, options);
  const auto b = ByteLevelBpe::train(kCorpus, options);
  EXPECT_EQ(a.tokens(), b.tokens());
  EXPECT_EQ(a.to_tokenizer_json().dump(), b.to_tokenizer_json().dump());
}

TEST(BpeTrainer, MergeProducesTokenFromItsParts) {
  const auto bpe = ByteLevelBpe::train(shakespeare(), {.vocab_size = 1024});
  ASSERT_EQ(bpe.vocab_size(), 1024);
  for (const auto& merge : bpe.merges()) {
    EXPECT_EQ(bpe.tokens()[merge.merged], bpe.tokens()[merge.left] + bpe.tokens()[merge.right]);
  }
  const std::string text = shakespeare();
  const auto ids = bpe.encode(text);
  // A 1024-token BPE compresses English to well under half of its bytes.
  EXPECT_LT(static_cast<double>(ids.size()), 0.45 * static_cast<double>(text.size()));
  EXPECT_EQ(bpe.decode(ids), text);
}

TEST(BpeTrainer, WritesHuggingFaceTokenizerJson) {
  const auto bpe = ByteLevelBpe::train(kCorpus, {.vocab_size = 290});
  const auto path = infobound::testing::scratch_dir("bpe_tokenizer") / "tokenizer.json";
  bpe.save(path);
  const auto json = infobound::io::read_json_file(path);
  EXPECT_EQ(json["model"]["type"], "BPE");
  EXPECT_EQ(json["pre_tokenizer"]["type"], "ByteLevel");
  EXPECT_EQ(json["pre_tokenizer"]["add_prefix_space"], false);
  EXPECT_EQ(json["decoder"]["type"], "ByteLevel");
  EXPECT_EQ(json["post_processor"]["type"], "ByteLevel");
  ASSERT_EQ(json["added_tokens"].size(), 1u);
  EXPECT_EQ(json["added_tokens"][0]["content"], "<|endoftext|>");
  EXPECT_EQ(json["added_tokens"][0]["special"], true);
  const auto& vocab = json["model"]["vocab"];
  EXPECT_EQ(vocab.size(), 290u);
  // Every merge names two vocabulary tokens whose concatenation is in the vocabulary too.
  for (const auto& merge : json["model"]["merges"]) {
    const std::string text = merge;
    const auto space = text.find(' ');
    ASSERT_NE(space, std::string::npos);
    const auto left = text.substr(0, space), right = text.substr(space + 1);
    EXPECT_TRUE(vocab.contains(left) && vocab.contains(right) && vocab.contains(left + right)) << text;
  }
  std::filesystem::remove(path);
}

TEST(BpeTrainer, RejectsBadOptions) {
  EXPECT_THROW(ByteLevelBpe::train(kCorpus, {.vocab_size = 100}), infobound::InputError);
  EXPECT_THROW(ByteLevelBpe::train("", {.vocab_size = 300}), infobound::InputError);
  EXPECT_THROW(ByteLevelBpe::train(kCorpus, {.vocab_size = 300, .special_tokens = {"<s>", "<s>"}}), infobound::InputError);
}

// Our encoder applied to GPT-2's real tokenizer.json must give the ids of HF tokenizers
// (the fixture's cases.jsonl): this checks the pre-tokenizer regex and the merge order.
TEST(BpeEncoder, MatchesHuggingFaceOnGpt2Fixture) {
  const std::filesystem::path dir = INFOBOUND_SHARED_DIR "/fixtures/tokenizers/gpt2";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no fixtures at " << dir;
  const auto bpe = ByteLevelBpe::load(dir / "tokenizer.json");
  std::ifstream cases(dir / "cases.jsonl");
  std::string line;
  int checked = 0;
  while (std::getline(cases, line)) {
    const auto record = nlohmann::json::parse(line);
    const std::string text = record["text"];
    const auto expected = record["ids"].get<std::vector<int64_t>>();
    const auto ids = bpe.encode(text);
    const auto mismatch = std::mismatch(ids.begin(), ids.end(), expected.begin(), expected.end());
    EXPECT_TRUE(ids == expected) << "text: " << text << "\nfirst difference at token " << (mismatch.first - ids.begin());
    ++checked;
  }
  EXPECT_EQ(checked, 206);
}

TEST(BpeEncoder, RefusesOtherTokenizerKinds) {
  const std::filesystem::path path = INFOBOUND_SHARED_DIR "/fixtures/tokenizers/mistral/tokenizer.json";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no fixtures at " << path;
  EXPECT_THROW(ByteLevelBpe::load(path), infobound::InputError);
}
