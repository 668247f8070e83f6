#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace {
std::string output_of(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  char buffer[512];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  pclose(pipe);
  return out;
}
const std::string kBinary = std::string(INFOBOUND_BINARY_DIR) + "/apps/infobound/infobound";
}  // namespace

// Spinning OpenMP workers starve OpenBLAS's threads, so the CLI re-executes itself passive.
TEST(OpenmpEnv, CliRunsWithPassiveWaitPolicyByDefault) {
  EXPECT_NE(output_of("env -u OMP_WAIT_POLICY " + kBinary + " version").find("openmp wait policy: passive"), std::string::npos);
}

TEST(OpenmpEnv, UsersChoiceIsKept) {
  EXPECT_NE(output_of("OMP_WAIT_POLICY=active " + kBinary + " version").find("openmp wait policy: active"), std::string::npos);
}
