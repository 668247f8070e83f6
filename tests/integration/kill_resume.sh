#!/usr/bin/env bash
# kill -9 one of two ranks at a random moment (several seeds); rerunning the same command
# recomputes exactly the unfinished units and gives the uninterrupted run's metrics.
source "$(dirname "$0")/common.sh"
reference_run
total=$(grep -c '"index":' "$WORK/reference/plan.json")
# Time an uninterrupted 2-rank extract to pick kill moments inside it.
"$INFOBOUND" plan --config "$CONFIG" --out "$WORK/timing" > /dev/null 2>&1
start=$(date +%s%N)
mpirun -np 2 "$INFOBOUND" extract --run "$WORK/timing" > /dev/null 2>&1 || fail "timing extract failed"
duration_ms=$(( ($(date +%s%N) - start) / 1000000 ))
note "2-rank extract takes ${duration_ms} ms"
for seed in 1 2 3 4; do
  RANDOM=$seed
  run=$WORK/kill$seed
  "$INFOBOUND" plan --config "$CONFIG" --out "$run" > /dev/null 2>&1
  delay_ms=$(( 300 + RANDOM % (duration_ms > 600 ? duration_ms - 300 : 300) ))
  victim_rank=$(( RANDOM % 2 ))
  mpirun -np 2 "$INFOBOUND" extract --run "$run" > "$run.first.out" 2> "$run.first.err" &
  launcher=$!
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  # The ranks are the launcher's children; pick one by its rank variable.
  victim=""
  for pid in $(ps -o pid= --ppid "$launcher"); do
    if tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$victim_rank"; then victim=$pid; fi
  done
  if [ -n "$victim" ]; then kill -9 "$victim" 2>/dev/null || true; fi
  wait "$launcher" && first_status=0 || first_status=$?
  done_before=$(complete_units "$run")
  note "seed $seed: killed rank $victim_rank (pid ${victim:-none, already finished}) after ${delay_ms} ms; exit $first_status; $done_before/$total units complete"
  mpirun -np 2 "$INFOBOUND" extract --run "$run" > "$run.second.out" 2> "$run.second.err" || { tail "$run.second.err" >&2; fail "rerun failed"; }
  computed=$(sed -n 's/^extract: \([0-9]*\) units computed.*/\1/p' "$run.second.out")
  skipped=$(sed -n 's/.*), \([0-9]*\) already complete.*/\1/p' "$run.second.out")
  [ "$computed" -eq $((total - done_before)) ] || fail "seed $seed: rerun computed $computed units, expected $((total - done_before))"
  [ "$skipped" -eq "$done_before" ] || fail "seed $seed: rerun skipped $skipped units, expected $done_before"
  "$INFOBOUND" reduce --run "$run" > /dev/null 2> "$run.reduce.err" || { cat "$run.reduce.err" >&2; fail "reduce failed"; }
  cmp "$WORK/reference/metrics.csv" "$run/metrics.csv" || fail "seed $seed: metrics differ from the uninterrupted run"
  find "$run/units" -name '*.tmp.*' | grep -q . && fail "seed $seed: temporary files left behind"
  note "seed $seed: rerun recomputed $computed units (the unfinished ones), metrics identical"
done
echo "PASS: kill -9 at random moments, resume recomputes exactly the unfinished units, identical metrics"
