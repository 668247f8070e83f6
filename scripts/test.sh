#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine and runs every test: the Release build with warnings as errors
# and all tests, then the sanitizer job (scripts/sanitize.sh: an ASan + UBSan Debug build that runs
# the unit and golden tests, and each fuzz target for FUZZ_SECONDS). CI runs exactly this.
# Usage: bash scripts/test.sh
#   INFOBOUND_SANITIZE=0  skip the sanitizer job (a quick local run)
#   FUZZ_SECONDS=N        seconds per fuzz target (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
phase() { echo "== test.sh: $1 done after $((SECONDS - start)) s"; }
bash scripts/install-deps.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DINFOBOUND_WERROR=ON
cmake --build build -j"$(nproc)"
phase "release build"
(cd build && ctest --output-on-failure --timeout 1200 -j"$(nproc)")
phase "release tests"
if [ "${INFOBOUND_SANITIZE:-1}" != 0 ]; then
  bash scripts/sanitize.sh "${FUZZ_SECONDS:-30}"
  phase "sanitizer build, tests and fuzzing"
fi
