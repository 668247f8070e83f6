#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine and runs the bundled mini study: trains the mini model
# families (cached: skipped when their checkpoints exist), then scores every checkpoint with two
# MPI ranks and writes runs/mini/report.md. Usage: bash scripts/run-mini.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target infobound
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ranks=$(nproc); [ "$ranks" -gt 2 ] || ranks=2
SECONDS=0
build/apps/infobound/infobound train --config configs/train-mini.yaml
mpirun --oversubscribe -np "$ranks" build/apps/infobound/infobound run --config configs/mini.yaml --out runs/mini
echo "mini study finished in ${SECONDS} s: runs/mini/report.md (also report.html, metrics.csv, figures/)"
