#pragma once
// libgomp reads OMP_WAIT_POLICY once, when it is loaded. Its default spinning workers starve
// OpenBLAS's own threads on small machines: the elementwise work after each GEMM ran ~6x slower
// on 2 cores (bench/estimate). Call first thing in main(): unless the user chose a policy, the
// program re-executes itself once with OMP_WAIT_POLICY=passive.
namespace infobound {

void reexec_with_passive_openmp_wait(char** argv);

}  // namespace infobound
