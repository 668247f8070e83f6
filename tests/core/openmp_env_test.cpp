#include <gtest/gtest.h>

#include <string>

#include "infobound/testing/cli.hpp"

namespace {
std::string output_of(const std::string& environment) { return infobound::testing::run_cli("version", environment).both(); }
}  // namespace

// Spinning OpenMP workers starve OpenBLAS's threads, so the CLI re-executes itself passive.
TEST(OpenmpEnv, CliRunsWithPassiveWaitPolicyByDefault) {
  EXPECT_NE(output_of("env -u OMP_WAIT_POLICY").find("openmp wait policy: passive"), std::string::npos);
}

TEST(OpenmpEnv, UsersChoiceIsKept) {
  EXPECT_NE(output_of("OMP_WAIT_POLICY=active").find("openmp wait policy: active"), std::string::npos);
}
