// `infobound version`: the version and the environment numbers depend on.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "command.hpp"
#include "infobound/core/blas.hpp"
#include "infobound/core/version.hpp"

namespace infobound::cli {
namespace {
int run_version(int, char**) {
  const BlasInfo blas = detect_blas();
  std::printf("infobound %s\nblas: %s%s\n", kVersion, blas.library_path.empty() ? "(not loaded)" : blas.library_path.c_str(),
              (blas.library_path.empty() || blas.optimised) ? "" : " (reference BLAS: slow)");
  if (!blas.core.empty()) {
    const char* chosen = std::getenv("OPENBLAS_CORETYPE");
    std::printf("openblas kernels: %s%s\n", blas.core.c_str(),
                chosen ? (std::string(" (OPENBLAS_CORETYPE=") + chosen + ")").c_str() : "");
  }
  const char* wait_policy = std::getenv("OMP_WAIT_POLICY");
  std::printf("openmp wait policy: %s\n", wait_policy ? wait_policy : "(default)");
  const char* blas_timeout = std::getenv("OPENBLAS_THREAD_TIMEOUT");
  std::printf("openblas thread timeout: %s\n", blas_timeout ? blas_timeout : "(default)");
  return 0;
}
const Register registered{{"version", "print the version and the BLAS in use", run_version}};
}  // namespace
}  // namespace infobound::cli
