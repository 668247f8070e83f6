#!/usr/bin/env bash
# 1, 2 and 3 MPI ranks (and no MPI) give bit-identical metrics.csv and results.h5 metrics.
source "$(dirname "$0")/common.sh"
reference_run
h5dump -g /metrics "$WORK/reference/results.h5" > "$WORK/reference.metrics.txt"
for ranks in 1 2 3; do
  note "mpirun -np $ranks"
  mpirun -np "$ranks" "$INFOBOUND" run --config "$CONFIG" --out "$WORK/np$ranks" > "$WORK/np$ranks.out" 2> "$WORK/np$ranks.err" ||
    { tail -20 "$WORK/np$ranks.err" >&2; fail "mpirun -np $ranks failed"; }
  grep -q "units computed" "$WORK/np$ranks.out" || fail "no extract summary for $ranks ranks"
  cmp "$WORK/reference/metrics.csv" "$WORK/np$ranks/metrics.csv" || fail "metrics.csv with $ranks ranks differs from one process"
  h5dump -g /metrics "$WORK/np$ranks/results.h5" | sed "s|$WORK/np$ranks|$WORK/reference|" | diff -q - "$WORK/reference.metrics.txt" >/dev/null ||
    fail "results.h5 metrics with $ranks ranks differ"
done
rows=$(($(wc -l < "$WORK/reference/metrics.csv") - 1))
[ "$rows" -eq 3 ] || fail "expected 3 rows (layers 0..2), got $rows"
echo "PASS: metrics bit-identical for 1 process and 1, 2, 3 MPI ranks ($rows rows)"
