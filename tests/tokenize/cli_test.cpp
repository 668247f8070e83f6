// `infobound tokenize` end to end: the built binary on a JSON-lines file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "fixtures.hpp"
#include "infobound/testing/cli.hpp"
#include "infobound/testing/scratch_dir.hpp"

namespace infobound::tokenize {
namespace {

using infobound::testing::CliResult;
using infobound::testing::infobound_binary;
using infobound::testing::scratch_dir;

CliResult run(const std::string& arguments) { return infobound::testing::run_cli("tokenize " + arguments); }

std::string quoted(const std::filesystem::path& path) { return infobound::testing::shell_quote(path.string()); }

TEST(TokenizeCli, JsonlGivesTheGoldenIdsInOrder) {
  ASSERT_TRUE(std::filesystem::exists(infobound_binary())) << infobound_binary();
  const auto dir = testing::tokenizer_fixture("mistral");
  INFOBOUND_REQUIRE_FIXTURE(dir / "cases.jsonl");
  const auto cases = testing::read_cases(dir / "cases.jsonl");
  // Every case as {"text", "add_special_tokens"}: both modes, in the fixture's order.
  const auto input = scratch_dir("tokenize_cli") / "input.jsonl";
  {
    std::ofstream out(input, std::ios::binary);
    for (const auto& c : cases)
      out << nlohmann::json{{"text", c.text}, {"add_special_tokens", c.add_special_tokens}}.dump() << "\n";
  }
  const CliResult result = run("--tokenizer " + quoted(dir) + " --jsonl " + quoted(input));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::istringstream lines(result.out);
  std::string line;
  std::size_t i = 0;
  while (std::getline(lines, line)) {
    ASSERT_LT(i, cases.size());
    EXPECT_EQ(nlohmann::json::parse(line).at("ids").get<std::vector<int64_t>>(), cases[i].ids) << "line " << i + 1;
    ++i;
  }
  EXPECT_EQ(i, cases.size());
}

TEST(TokenizeCli, TextAndNoSpecial) {
  ASSERT_TRUE(std::filesystem::exists(infobound_binary())) << infobound_binary();
  const auto file = testing::tokenizer_fixture("mistral") / "tokenizer.json";
  INFOBOUND_REQUIRE_FIXTURE(file);
  EXPECT_EQ(run("--tokenizer " + quoted(file) + " --text 'Hello world'").out, "{\"ids\":[1,22557,1526]}\n");
  EXPECT_EQ(run("--tokenizer " + quoted(file) + " --text 'Hello world' --no-special").out, "{\"ids\":[22557,1526]}\n");
}

TEST(TokenizeCli, InvalidUtf8NamesLineAndOffset) {
  ASSERT_TRUE(std::filesystem::exists(infobound_binary())) << infobound_binary();
  const auto file = testing::tokenizer_fixture("gpt2") / "tokenizer.json";
  INFOBOUND_REQUIRE_FIXTURE(file);
  const auto input = scratch_dir("tokenize_cli") / "infobound_tokenize_cli_bad.jsonl";
  std::ofstream(input, std::ios::binary) << "{\"text\": \"fine\"}\n{\"text\": \"bad \xC3 byte\"}\n";
  const CliResult result = run("--tokenizer " + quoted(file) + " --jsonl " + quoted(input));
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("infobound_tokenize_cli_bad.jsonl line 2: invalid UTF-8 at byte offset 14"), std::string::npos)
      << result.err;
}

TEST(TokenizeCli, UsageErrors) {
  ASSERT_TRUE(std::filesystem::exists(infobound_binary())) << infobound_binary();
  EXPECT_EQ(run("--text x").exit_code, 2);
  const CliResult missing = run("--tokenizer /nonexistent/dir --text x");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("/nonexistent/dir"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace infobound::tokenize
