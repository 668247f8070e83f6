#include "infobound/core/openmp_env.hpp"

#include <unistd.h>

#include <cstdlib>

namespace infobound {

void reexec_with_passive_openmp_wait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  setenv("OMP_WAIT_POLICY", "passive", 1);
  execv("/proc/self/exe", argv);
  // exec failed (no /proc): carry on with the default policy, only slower.
}

}  // namespace infobound
