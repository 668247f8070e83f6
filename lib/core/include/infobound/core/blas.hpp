#pragma once
// Debian's libtorch runs its matmuls on whatever libblas.so.3 resolves to. The reference BLAS
// is ~20x slower than OpenBLAS, so the tool says so at start-up instead of being silently slow.
#include <string>

namespace infobound {

struct BlasInfo {
  std::string library_path;  // resolved path of the loaded BLAS, empty if none is mapped
  bool optimised = false;    // OpenBLAS, BLIS or MKL
};

// Reads this process's memory map; call after libtorch is loaded.
BlasInfo detect_blas();
// Logs a warning with the fix when the loaded BLAS is the slow reference one.
void warn_if_slow_blas();

}  // namespace infobound
