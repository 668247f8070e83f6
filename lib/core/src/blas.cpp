#include "infobound/core/blas.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <string>

#include "infobound/core/log.hpp"

namespace infobound {

namespace {

std::string openblas_core_name() {
  using CoreName = char* (*)();
  const auto core_name = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  const char* name = core_name ? core_name() : nullptr;
  return name ? name : "";
}

}  // namespace

std::string openblas_core_for_this_cpu() {
#if defined(__x86_64__) || defined(__i386__)
  std::string chosen = openblas_core_name();
  if (chosen.empty()) return "";
  std::transform(chosen.begin(), chosen.end(), chosen.begin(), [](unsigned char c) { return std::tolower(c); });
  // OpenBLAS's x86 cores older than Haswell: none of them uses AVX2 or FMA.
  constexpr std::array kPreAvx2{"katmai",     "coppermine", "northwood", "prescott", "banias",      "core2",
                                "penryn",     "dunnington", "nehalem",   "atom",     "sandybridge", "bulldozer",
                                "piledriver", "barcelona",  "opteron",   "athlon"};
  if (std::find(kPreAvx2.begin(), kPreAvx2.end(), chosen) == kPreAvx2.end()) return "";
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
  return "";
}

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
  info.core = openblas_core_name();
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
