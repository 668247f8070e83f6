// `infobound tokenize` end to end: the built binary on a JSON-lines file.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "fixtures.hpp"

namespace infobound::tokenize {
namespace {

const std::filesystem::path kBinary = std::filesystem::path(INFOBOUND_BINARY_DIR) / "apps" / "infobound" / "infobound";

struct Result {
  int exit_code;
  std::string out;
  std::string err;
};

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

Result run(const std::string& arguments) {
  // ctest may run these tests in parallel processes: one output file pair per process.
  const auto dir = std::filesystem::temp_directory_path();
  const std::string stem = "infobound_tokenize_cli_" + std::to_string(::getpid());
  const auto out = dir / (stem + ".out");
  const auto err = dir / (stem + ".err");
  const std::string command = kBinary.string() + " tokenize " + arguments + " >" + out.string() + " 2>" + err.string();
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_all(out), read_all(err)};
}

std::string quoted(const std::filesystem::path& path) {
  std::string out = "'";
  out += path.string();
  out += '\'';
  return out;
}

TEST(TokenizeCli, JsonlGivesTheGoldenIdsInOrder) {
  ASSERT_TRUE(std::filesystem::exists(kBinary)) << kBinary;
  const auto dir = testing::tokenizer_fixture("mistral");
  INFOBOUND_REQUIRE_FIXTURE(dir / "cases.jsonl");
  const auto cases = testing::read_cases(dir / "cases.jsonl");
  // Every case as {"text", "add_special_tokens"}: both modes, in the fixture's order.
  const auto input = std::filesystem::temp_directory_path() / "infobound_tokenize_cli_input.jsonl";
  {
    std::ofstream out(input, std::ios::binary);
    for (const auto& c : cases) out << nlohmann::json{{"text", c.text}, {"add_special_tokens", c.add_special_tokens}}.dump() << "\n";
  }
  const Result result = run("--tokenizer " + quoted(dir) + " --jsonl " + quoted(input));
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
  ASSERT_TRUE(std::filesystem::exists(kBinary)) << kBinary;
  const auto file = testing::tokenizer_fixture("mistral") / "tokenizer.json";
  INFOBOUND_REQUIRE_FIXTURE(file);
  EXPECT_EQ(run("--tokenizer " + quoted(file) + " --text 'Hello world'").out, "{\"ids\":[1,22557,1526]}\n");
  EXPECT_EQ(run("--tokenizer " + quoted(file) + " --text 'Hello world' --no-special").out, "{\"ids\":[22557,1526]}\n");
}

TEST(TokenizeCli, InvalidUtf8NamesLineAndOffset) {
  ASSERT_TRUE(std::filesystem::exists(kBinary)) << kBinary;
  const auto file = testing::tokenizer_fixture("gpt2") / "tokenizer.json";
  INFOBOUND_REQUIRE_FIXTURE(file);
  const auto input = std::filesystem::temp_directory_path() / "infobound_tokenize_cli_bad.jsonl";
  std::ofstream(input, std::ios::binary) << "{\"text\": \"fine\"}\n{\"text\": \"bad \xC3 byte\"}\n";
  const Result result = run("--tokenizer " + quoted(file) + " --jsonl " + quoted(input));
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("infobound_tokenize_cli_bad.jsonl line 2: invalid UTF-8 at byte offset 14"), std::string::npos)
      << result.err;
}

TEST(TokenizeCli, UsageErrors) {
  ASSERT_TRUE(std::filesystem::exists(kBinary)) << kBinary;
  EXPECT_EQ(run("--text x").exit_code, 2);
  const Result missing = run("--tokenizer /nonexistent/dir --text x");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("/nonexistent/dir"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace infobound::tokenize
