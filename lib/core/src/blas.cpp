#include "infobound/core/blas.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "infobound/core/log.hpp"

namespace infobound {

BlasInfo detect_blas() {
  BlasInfo info;
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    const auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    const bool fast = path.find("openblas") != std::string::npos || path.find("blis") != std::string::npos ||
                      path.find("libmkl") != std::string::npos;
    const bool blas = fast || path.find("libblas.so") != std::string::npos;
    if (!blas) continue;
    info.library_path = path;
    info.optimised = fast;
    if (fast) break;
  }
  return info;
}

void warn_if_slow_blas() {
  const BlasInfo info = detect_blas();
  if (info.library_path.empty() || info.optimised) return;
  log::warn("libtorch is using the reference BLAS (" + info.library_path +
            "), about 20x slower than OpenBLAS. Install it: apt-get install libopenblas0-pthread "
            "(scripts/install-deps.sh does).");
}

void fix_blas_threads_to_machine() {
  using SetThreads = void (*)(int);
  const auto set_threads = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (!set_threads) return;
  const long cores = sysconf(_SC_NPROCESSORS_ONLN);
  set_threads(static_cast<int>(cores > 0 ? cores : 1));
}

}  // namespace infobound
