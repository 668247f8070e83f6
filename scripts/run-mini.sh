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
# Training is cached (runs/train-mini/); the first time, the two large models train side by side
# on two cores (each process uses one thread), after the small neox model has trained the
# tokenizer. The last call trains nothing new and writes the model manifest.
ib=build/apps/infobound/infobound
if [ "$(nproc)" -ge 2 ]; then
  $ib train --config configs/train-mini.yaml --only mini-neox-s
  $ib train --config configs/train-mini.yaml --only mini-neox-m & neox_m=$!
  $ib train --config configs/train-mini.yaml --only mini-llama-m mini-llama-s
  wait "$neox_m"
fi
$ib train --config configs/train-mini.yaml
echo "training (or its cache check) took ${SECONDS} s"
mpirun --oversubscribe -np "$ranks" $ib run --config configs/mini.yaml --out runs/mini
echo "mini study finished in ${SECONDS} s: runs/mini/report.md (also report.html, metrics.csv, figures/)"
