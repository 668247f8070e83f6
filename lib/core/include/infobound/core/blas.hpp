#pragma once
// Debian's libtorch runs its matmuls on whatever libblas.so.3 resolves to. The reference BLAS
// is ~20x slower than OpenBLAS, so the tool says so at start-up instead of being silently slow.
#include <string>

namespace infobound {

struct BlasInfo {
  std::string library_path;  // resolved path of the loaded BLAS, empty if none is mapped
  bool optimised = false;    // OpenBLAS, BLIS or MKL
  std::string core;          // OpenBLAS: the kernels it runs (openblas_get_corename), else empty
};

// Reads this process's memory map; call after libtorch is loaded.
BlasInfo detect_blas();
// OpenBLAS chooses its kernels from the CPU's model number. Virtual machines that report a
// generic model ("Intel Xeon Processor") get its SSE3 (Prescott) kernels: float32 GEMM ran at
// 59-65 GFLOP/s on 2 cores of such a VM where the AVX-512 (SkylakeX) kernels reach 305, and a
// Pythia-160M forward 3.5x slower. Returns the core OpenBLAS would choose from the instruction
// sets this CPU does have (SkylakeX for AVX-512 F/CD/BW/DQ/VL, Haswell for AVX2 + FMA) when the
// loaded OpenBLAS chose a core without AVX2; empty otherwise (already fast, not OpenBLAS, not x86).
std::string openblas_core_for_this_cpu();
// Logs a warning with the fix when the loaded BLAS is the slow reference one.
void warn_if_slow_blas();

// OpenBLAS sizes its thread pool from the CPUs this process may use (its affinity mask), and its
// sgemm results depend on that count in the last bits: a rank that mpirun binds to one core then
// computes other hidden states than an unbound process. Fixing the pool at the machine's core
// count, whatever the mask, keeps results identical across ranks, bindings and torch threads on
// one machine. No effect when the BLAS is not OpenBLAS.
void fix_blas_threads_to_machine();

}  // namespace infobound
