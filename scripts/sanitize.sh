#!/usr/bin/env bash
# The sanitizer job of CI (scripts/test.sh runs it):
#  1. build-sanitize/: a Debug build with AddressSanitizer and UndefinedBehaviorSanitizer (GCC, as
#     the Release build) that runs the unit and golden tests;
#  2. build-fuzz/: the libFuzzer targets (clang), each run for a bounded time (scripts/fuzz.sh).
# Usage: bash scripts/sanitize.sh [seconds per fuzz target, default 30]
set -euo pipefail
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fuzz_seconds="${1:-30}"
start=$SECONDS
phase() { echo "== sanitize.sh: $1 done after $((SECONDS - start)) s"; }

cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=Debug -DINFOBOUND_SANITIZE=ON -DINFOBOUND_WERROR=ON \
  -DINFOBOUND_BUILD_BENCH=OFF
cmake --build build-sanitize -j"$(nproc)"
phase "sanitizer build"

# detect_leaks=0: libtorch, OpenBLAS and Open MPI keep allocations alive until exit by design
# (operator registries, thread pools, MPI_Init); LeakSanitizer reports those, not ours, in every
# process. Out-of-bounds access, use after free and undefined behaviour still fail the test.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# Unit and golden suites; the cli suites and integration scripts run processes, covered by the Release job.
(cd build-sanitize && ctest --output-on-failure --timeout 1800 -j"$(nproc)" -L "unit|golden" -LE "cli|integration")
phase "sanitizer tests"

# clang 14 only for libFuzzer; the targets build only what they fuzz (fuzz/CMakeLists.txt).
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DINFOBOUND_BUILD_FUZZ=ON -DINFOBOUND_BUILD_TESTS=OFF -DINFOBOUND_BUILD_BENCH=OFF -DINFOBOUND_WERROR=ON
cmake --build build-fuzz -j"$(nproc)" --target fuzzers
phase "fuzz build"
bash scripts/fuzz.sh build-fuzz "$fuzz_seconds"
phase "fuzzing"
