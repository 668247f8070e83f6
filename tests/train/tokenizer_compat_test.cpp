// The tokenizer.json our BPE trainer writes, read by lib/tokenize (which reproduces HF tokenizers
// exactly), gives the ids of the trainer's own encoder.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "infobound/io/json_file.hpp"
#include "infobound/testing/scratch_dir.hpp"
#include "infobound/tokenize/tokenizer.hpp"
#include "infobound/train/bpe_trainer.hpp"

using infobound::train::ByteLevelBpe;

TEST(TokenizerCompat, TokenizeLibraryGivesTheTrainersIds) {
  const std::string corpus = infobound::io::read_file_bytes(INFOBOUND_SOURCE_DIR "/data/corpus/tinyshakespeare.txt");
  const auto bpe = ByteLevelBpe::train(corpus, {.vocab_size = 1024});
  const auto path = infobound::testing::scratch_dir("compat_tokenizer") / "tokenizer.json";
  bpe.save(path);
  const auto tokenizer = infobound::tokenize::Tokenizer::from_file(path);
  EXPECT_EQ(tokenizer.vocab_size(), bpe.vocab_size());
  EXPECT_EQ(tokenizer.token_to_id("<|endoftext|>"), 0);

  std::vector<std::string> texts{corpus.substr(0, 200000), "a<|endoftext|>b", "", " ", "\n\n\n  x  "};
  // The varied Unicode of the tokenizer fixtures (scripts, emoji, odd whitespace, specials).
  const std::filesystem::path cases = INFOBOUND_SHARED_DIR "/fixtures/tokenizers/gpt2/cases.jsonl";
  if (std::filesystem::exists(cases)) {
    std::ifstream in(cases);
    for (std::string line; std::getline(in, line);) texts.push_back(nlohmann::json::parse(line)["text"]);
  }
  for (const auto& text : texts) {
    const auto ours = bpe.encode(text);
    EXPECT_EQ(tokenizer.encode(text, true), ours) << text.substr(0, 80);
    EXPECT_EQ(tokenizer.encode(text, false), ours) << text.substr(0, 80);
    EXPECT_EQ(tokenizer.decode(ours, false), bpe.decode(ours, false)) << text.substr(0, 80);
  }
  std::filesystem::remove(path);
}
