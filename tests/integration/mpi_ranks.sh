#!/usr/bin/env bash
# 1, 2 and 3 MPI ranks (and no MPI) give bit-identical metrics.csv and results.h5 metrics; the
# 3-rank run also goes on to bound and report, as `infobound run` does by default. Then ranks that
# share one unit (ranks_per_unit 2 and 3), one layer group instead of one per hidden state, and
# 2 torch threads give the same bytes too.
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
[ "$rows" -eq 6 ] || fail "expected 6 rows (2 models x layers 0..2), got $rows"

# Variants of the config, written with absolute data paths.
variant() {  # name, then sed expressions
  local name=$1; shift
  sed -e "s|\.\./\.\./data|$SOURCE_DIR/data|g" "$@" "$CONFIG" > "$WORK/$name.yaml"
}
check_variant() {  # name, ranks, [extra args]
  local name=$1 ranks=$2; shift 2
  note "$name on $ranks rank(s)"
  mpirun -np "$ranks" "$INFOBOUND" run --no-analysis --config "$WORK/$name.yaml" --out "$WORK/$name" "$@" > "$WORK/$name.out" 2> "$WORK/$name.err" ||
    { tail -20 "$WORK/$name.err" >&2; fail "$name failed"; }
  cmp "$WORK/reference/metrics.csv" "$WORK/$name/metrics.csv" || fail "metrics.csv of $name differs from the reference"
  h5dump -g /metrics "$WORK/$name/results.h5" | sed "s|$WORK/$name|$WORK/reference|" | diff -q - "$WORK/reference.metrics.txt" >/dev/null ||
    fail "results.h5 metrics of $name differ"
}
variant team2 -e 's/^  max_layers_per_unit: 1$/  max_layers_per_unit: 1\n  ranks_per_unit: 2/'
check_variant team2 2
variant team3 -e 's/^  max_layers_per_unit: 1$/  max_layers_per_unit: 1\n  ranks_per_unit: 3/'
check_variant team3 3
variant one-group -e '/^  max_layers_per_unit: 1$/d'
check_variant one-group 1
[ "$(grep -c '"index":' "$WORK/one-group/plan.json")" -eq 2 ] || fail "one-group plan should have 2 units"
variant threads -e 's/^  threads: 1$/  threads: 2/'
check_variant threads 1
echo "PASS: metrics bit-identical for 1 process; 1, 2, 3 MPI ranks; ranks_per_unit 2 and 3; one layer group or three; 1 or 2 threads ($rows rows)"
