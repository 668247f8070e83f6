#!/usr/bin/env bash
# clang-tidy (.clang-tidy) on the given files, or on the C++ files changed since main.
# Needs build/compile_commands.json (any configured build). Usage: bash scripts/tidy.sh [FILE...]
set -euo pipefail
cd "$(dirname "$0")/.."
files=("$@")
if ((${#files[@]} == 0)); then
  mapfile -t files < <(git diff --name-only --diff-filter=AM main -- 'lib/*.cpp' 'apps/*.cpp' 'tests/*.cpp' 'fuzz/*.cpp')
fi
((${#files[@]})) || { echo "tidy: no changed C++ files"; exit 0; }
clang-tidy -p build --quiet "${files[@]}"
