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
# The suites ctest runs (labels unit, golden, cli, docs; not integration), and their binaries.
(cd "$build" && ctest -LE integration --show-only=json-v1) |
  jq -r '.tests[] | select(.command != null) | [.command[0], (.command[1:] | join(" ")),
         ((.properties[] | select(.name == "WORKING_DIRECTORY") | .value) // ".")] | @tsv' |
  while IFS=$'\t' read -r binary arguments directory; do
    filter=$(sed -n 's/.*--gtest_filter=\([^ ]*\).*/\1/p' <<<"$arguments")
    [ -n "$filter" ] || continue
    "$binary" --gtest_list_tests --gtest_filter="$filter" | awk -v b="$binary" -v d="$directory" '
      /^[^ ]/ { suite = $1 } /^  / { print d "\t" b "\t" suite $1 }'
  done >"$cases"
echo "per-case: $(wc -l <"$cases") cases"
xargs -P 2 -d '\n' -n 1 bash -c 'IFS=$'"'"'\t'"'"' read -r d b c <<<"$0"; cd "$d" && "$b" --gtest_filter="$c" >/dev/null 2>&1 || echo "FAILED $c"' <"$cases" |
  tee /dev/stderr | grep -c FAILED || true
