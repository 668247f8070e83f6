#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds infobound and runs the bundled mini study.
# Usage: bash scripts/run-mini.sh [extra `infobound run` options]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)" --target infobound
build/apps/infobound/infobound run --config configs/mini.yaml --out runs/mini "$@"
echo "results: runs/mini/metrics.csv, runs/mini/results.h5"
