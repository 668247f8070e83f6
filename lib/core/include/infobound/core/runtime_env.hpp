#pragma once
// Settings that libraries read once, when they are loaded. The user's own values always win.
// - OMP_WAIT_POLICY=passive: libgomp's default spinning workers starve OpenBLAS's own threads on
//   small machines (the elementwise work after each GEMM ran ~6x slower on 2 cores, bench/estimate).
//   The IB bound uses no BLAS and enters three parallel regions per iteration, where waking
//   sleeping workers cost a quarter of the second thread's gain, so `bound` spins (active).
// - OPENBLAS_THREAD_TIMEOUT=16: OpenBLAS's idle workers call sched_yield for 2^28 cycles (~0.1 s)
//   after every GEMM, so the softmax and the estimator's scatter that follow each GEMM share the
//   cores with a spinning thread: the scatter's pass over the rows ran 1.0-1.3x faster on two
//   threads than on one, 1.5-2.0x with 2^16 cycles (bench/estimate, 2 cores). 2^16 cycles (~30 us)
//   still covers the gap between back-to-back GEMMs of a forward pass.
// - OPENBLAS_CORETYPE: OpenBLAS picks its kernels from the CPU model, and on virtual machines that
//   report a generic model it falls back to SSE3 (Prescott) kernels (blas.hpp, openblas_core_for_this_cpu).
// The `infobound` launcher (apps/infobound/launcher.cpp) sets them before the program, which links
// libtorch, is loaded; a program started some other way re-executes itself once with them.
namespace infobound {

enum class ThreadWaits { passive, spinning };
// What `infobound` with these arguments wants: spinning for `bound`, which runs no BLAS.
ThreadWaits thread_waits_for_command(char** argv);

// Sets the variables above that the user left unset; true when it set one. OPENBLAS_CORETYPE needs
// OpenBLAS loaded in this process (it is asked which kernels it chose).
bool set_runtime_env(ThreadWaits waits = ThreadWaits::passive);

// Call first thing in main(): when set_runtime_env() changed anything, runs this program again.
void reexec_with_runtime_env(char** argv, ThreadWaits waits = ThreadWaits::passive);

}  // namespace infobound
