// The test support library: scratch folders, the CLI runner and the error matchers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>

#include "infobound/core/error.hpp"
#include "infobound/testing/cli.hpp"
#include "infobound/testing/matchers.hpp"
#include "infobound/testing/scratch_dir.hpp"

namespace infobound::testing {
namespace {

using ::testing::Not;

TEST(ScratchDir, EveryCallGetsAFreshEmptyFolder) {
  const auto first = scratch_dir("support");
  const auto second = scratch_dir("support");
  EXPECT_NE(first, second);
  EXPECT_TRUE(std::filesystem::is_directory(first));
  EXPECT_TRUE(std::filesystem::is_empty(second));
  EXPECT_NE(first.filename().string().find("infobound_support_"), std::string::npos);
}

TEST(ShellQuote, SurvivesQuotesAndSpaces) {
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
}

TEST(RunCli, CapturesExitCodeAndBothStreamsApart) {
  if (!std::filesystem::exists(infobound_binary())) GTEST_SKIP() << "binary not built: " << infobound_binary();
  const auto version = run_cli("version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.out, ::testing::HasSubstr("infobound"));
  const auto unknown = run_cli("no-such-command");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_TRUE(unknown.out.empty()) << unknown.out;
  EXPECT_THAT(unknown.err, HasAllOf({"unknown command", "no-such-command"}));
}

TEST(Matchers, NameEveryPhraseAndTheErrorType) {
  const auto bad_input = [] { throw InputError("data.csv:3: expected a number"); };
  EXPECT_THAT(bad_input, ThrowsInputError({"data.csv:3", "expected a number"}));
  EXPECT_THAT(bad_input, Not(ThrowsInputError({"data.csv:4"})));
  EXPECT_THAT([] { throw std::runtime_error("data.csv:3"); }, Not(ThrowsInputError({"data.csv:3"})));
  EXPECT_THAT([] { throw UsageError("--order must be 1..8"); }, ThrowsUsageError({"--order"}));
}

}  // namespace
}  // namespace infobound::testing
