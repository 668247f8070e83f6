#pragma once
// Settings that libraries read once, when they are loaded, so the program re-executes itself
// with them. Call first thing in main(); the user's own values always win.
// - OMP_WAIT_POLICY=passive: libgomp's default spinning workers starve OpenBLAS's own threads on
//   small machines (the elementwise work after each GEMM ran ~6x slower on 2 cores, bench/estimate).
// - OPENBLAS_CORETYPE: OpenBLAS picks its kernels from the CPU model, and on virtual machines that
//   report a generic model it falls back to SSE3 (Prescott) kernels (blas.hpp, openblas_core_for_this_cpu).
namespace infobound {

void reexec_with_runtime_env(char** argv);

}  // namespace infobound
