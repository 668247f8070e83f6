#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <vector>

#include "infobound/core/runtime_env.hpp"
#include "infobound/testing/cli.hpp"
#include "infobound/testing/scratch_dir.hpp"

namespace {

std::string output_of(const std::string& environment) { return infobound::testing::run_cli("version", environment).both(); }

// The kernels OpenBLAS runs in the CLI, from `infobound version`; empty if it does not say.
std::string openblas_kernels(const std::string& environment) {
  std::smatch match;
  const std::string out = output_of(environment);
  return std::regex_search(out, match, std::regex("openblas kernels: ([A-Za-z0-9]+)")) ? match[1].str() : "";
}

bool cpu_has_avx2_and_fma() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line))
    if (line.rfind("flags", 0) == 0) return line.find(" avx2") != std::string::npos && line.find(" fma") != std::string::npos;
  return false;
}

}  // namespace

// Spinning OpenMP workers starve OpenBLAS's threads, so the CLI re-executes itself passive.
TEST(RuntimeEnv, CliRunsWithPassiveWaitPolicyByDefault) {
  EXPECT_NE(output_of("env -u OMP_WAIT_POLICY").find("openmp wait policy: passive"), std::string::npos);
}

// OpenBLAS's idle workers spin ~0.1 s after each GEMM unless told otherwise (runtime_env.hpp).
TEST(RuntimeEnv, CliShortensOpenblasSpinningByDefault) {
  EXPECT_NE(output_of("env -u OPENBLAS_THREAD_TIMEOUT").find("openblas thread timeout: 16"), std::string::npos);
}

TEST(RuntimeEnv, UsersChoiceIsKept) {
  EXPECT_NE(output_of("OMP_WAIT_POLICY=active").find("openmp wait policy: active"), std::string::npos);
  EXPECT_NE(output_of("OPENBLAS_THREAD_TIMEOUT=28").find("openblas thread timeout: 28"), std::string::npos);
}

// On a VM that reports a generic CPU model OpenBLAS would run SSE3 kernels (3.5x slower forward
// here); the CLI runs the kernels of the instruction sets the CPU has.
TEST(RuntimeEnv, CliRunsOpenblasKernelsOfTheCpusVectorUnits) {
  const std::string kernels = openblas_kernels("env -u OPENBLAS_CORETYPE");
  if (kernels.empty()) GTEST_SKIP() << "libtorch does not use OpenBLAS here";
  if (!cpu_has_avx2_and_fma()) GTEST_SKIP() << "no AVX2 + FMA on this CPU";
  for (const char* old : {"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Sandybridge", "Atom"})
    EXPECT_NE(kernels, old) << "OpenBLAS runs pre-AVX2 kernels on a CPU with AVX2 + FMA";
}

// The launcher sets the variables before the program is loaded; the program started directly
// (infobound-main, as a job script might) re-executes itself with them.
TEST(RuntimeEnv, TheProgramStartedWithoutTheLauncherSetsThemItself) {
  const auto program = infobound::testing::infobound_binary().parent_path() / "infobound-main";
  const std::string out = infobound::testing::scratch_dir("runtime-env").string() + "/version.txt";
  const std::string command = "env -u OMP_WAIT_POLICY -u OPENBLAS_CORETYPE -u OPENBLAS_THREAD_TIMEOUT " + infobound::testing::shell_quote(program.string()) +
                              " version > " + infobound::testing::shell_quote(out);
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  std::ifstream in(out);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("openmp wait policy: passive"), std::string::npos) << text;
  EXPECT_NE(text.find("openblas thread timeout: 16"), std::string::npos) << text;
}

TEST(RuntimeEnv, UsersOpenblasCoreIsKept) {
  if (openblas_kernels("env -u OPENBLAS_CORETYPE").empty()) GTEST_SKIP() << "libtorch does not use OpenBLAS here";
  EXPECT_EQ(openblas_kernels("OPENBLAS_CORETYPE=Prescott"), "Prescott");
}

// The IB bound runs no BLAS, and its three parallel regions per iteration pay for waking
// sleeping workers: `bound` alone spins; every other command stays passive.
TEST(RuntimeEnv, OnlyBoundSpins) {
  using infobound::ThreadWaits;
  auto waits = [](std::vector<std::string> words) {
    std::vector<char*> argv;
    for (auto& word : words) argv.push_back(word.data());
    argv.push_back(nullptr);
    return infobound::thread_waits_for_command(argv.data());
  };
  EXPECT_EQ(waits({"infobound", "bound", "--run", "r"}), ThreadWaits::spinning);
  for (const char* command : {"run", "extract", "reduce", "version"})
    EXPECT_EQ(waits({"infobound", command}), ThreadWaits::passive) << command;
  EXPECT_EQ(waits({"infobound"}), ThreadWaits::passive);
}
