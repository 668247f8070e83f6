#!/usr/bin/env bash
# Runs every non-integration gtest case as its own process, two at a time: how ctest ran the
# suite before tests were registered one entry per suite (gtest_discover_tests, ~340 processes).
# It measures, on the same binaries and in the same hour, what the per-suite registration saves:
#   time bash scripts/ctest-per-case.sh build         # the old way
#   time (cd build && ctest -LE integration -j2)      # today's
# Prints the number of cases and of failures. Usage: bash scripts/ctest-per-case.sh BUILD_DIR
set -euo pipefail
build="$(cd "$1" && pwd)"
cases=$(mktemp)
trap 'rm -f "$cases"' EXIT
# The test binaries ctest runs (labels unit, golden, cli, docs; not integration): every case of
# each, which are the cases of the suites ctest registers.
(cd "$build" && ctest -LE integration --show-only=json-v1) |
  jq -r '.tests[] | select(.command != null) | select(any(.command[]; startswith("--gtest_filter"))) |
         [.command[0], ((.properties[] | select(.name == "WORKING_DIRECTORY") | .value) // ".")] | @tsv' |
  sort -u |
  while IFS=$'\t' read -r binary directory; do
    "$binary" --gtest_list_tests | awk -v b="$binary" -v d="$directory" '
      /^[^ ]/ { suite = $1 } /^  / { print d "\t" b "\t" suite $1 }'
  done >"$cases"
echo "per-case: $(wc -l <"$cases") cases"
failures=$(mktemp)
trap 'rm -f "$cases" "$failures"' EXIT
xargs -P 2 -d '\n' -n 1 bash -c 'IFS=$'"'"'\t'"'"' read -r d b c <<<"$0"; cd "$d" && "$b" --gtest_filter="$c" >/dev/null 2>&1 || echo "FAILED $c"' \
  <"$cases" >"$failures" || true
cat "$failures"
echo "per-case: $(wc -l <"$failures") failed"
