#!/usr/bin/env bash
# 1, 2 and 3 MPI ranks (and no MPI) give bit-identical metrics.csv and results.h5 metrics; the
# 3-rank run also goes on to bound and report, as `infobound run` does by default.
source "$(dirname "$0")/common.sh"
reference_run
h5dump -g /metrics "$WORK/reference/results.h5" > "$WORK/reference.metrics.txt"
for ranks in 1 2 3; do
  note "mpirun -np $ranks"
  analysis=--no-analysis
  [ "$ranks" -eq 3 ] && analysis=""
  mpirun -np "$ranks" "$INFOBOUND" run $analysis --config "$CONFIG" --out "$WORK/np$ranks" > "$WORK/np$ranks.out" 2> "$WORK/np$ranks.err" ||
    { tail -20 "$WORK/np$ranks.err" >&2; fail "mpirun -np $ranks failed"; }
  grep -q "units computed" "$WORK/np$ranks.out" || fail "no extract summary for $ranks ranks"
  if [ -z "$analysis" ]; then
    [ -s "$WORK/np$ranks/bound.csv" ] && [ -s "$WORK/np$ranks/report.md" ] || fail "run did not go on to bound and report"
    cut -d, -f1-36 "$WORK/np$ranks/metrics.csv" | cmp - "$WORK/reference/metrics.csv" || fail "metrics.csv with $ranks ranks differs from one process"
  else
    cmp "$WORK/reference/metrics.csv" "$WORK/np$ranks/metrics.csv" || fail "metrics.csv with $ranks ranks differs from one process"
  fi
  h5dump -g /metrics "$WORK/np$ranks/results.h5" | sed "s|$WORK/np$ranks|$WORK/reference|" | diff -q - "$WORK/reference.metrics.txt" >/dev/null ||
    fail "results.h5 metrics with $ranks ranks differ"
done
rows=$(($(wc -l < "$WORK/reference/metrics.csv") - 1))
[ "$rows" -eq 3 ] || fail "expected 3 rows (layers 0..2), got $rows"
echo "PASS: metrics bit-identical for 1 process and 1, 2, 3 MPI ranks ($rows rows)"
