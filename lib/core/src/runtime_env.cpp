#include "infobound/core/runtime_env.hpp"

#include <unistd.h>

#include <cstdlib>
#include <string>

#include "infobound/core/blas.hpp"

namespace infobound {
namespace {
constexpr const char* kOpenblasThreadTimeout = "16";  // log2 of the cycles (runtime_env.hpp)
}  // namespace

ThreadWaits thread_waits_for_command(char** argv) {
  return argv[0] != nullptr && argv[1] != nullptr && std::string(argv[1]) == "bound" ? ThreadWaits::spinning
                                                                                     : ThreadWaits::passive;
}

bool set_runtime_env(ThreadWaits waits) {
  bool changed = false;
  if (std::getenv("OMP_WAIT_POLICY") == nullptr) {
    setenv("OMP_WAIT_POLICY", waits == ThreadWaits::spinning ? "active" : "passive", 1);
    changed = true;
  }
  if (std::getenv("OPENBLAS_THREAD_TIMEOUT") == nullptr) {
    setenv("OPENBLAS_THREAD_TIMEOUT", kOpenblasThreadTimeout, 1);
    changed = true;
  }
  if (std::getenv("OPENBLAS_CORETYPE") == nullptr) {
    const std::string core = openblas_core_for_this_cpu();
    if (!core.empty()) {
      setenv("OPENBLAS_CORETYPE", core.c_str(), 1);
      changed = true;
    }
  }
  return changed;
}

void reexec_with_runtime_env(char** argv, ThreadWaits waits) {
  if (!set_runtime_env(waits)) return;
  execv("/proc/self/exe", argv);
  // exec failed (no /proc): carry on with the libraries' defaults, only slower.
}

}  // namespace infobound
