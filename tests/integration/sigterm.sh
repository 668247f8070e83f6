#!/usr/bin/env bash
# SIGTERM (Slurm preemption) stops at a batch boundary with exit code 3 and a message, leaves no
# partial unit marked complete, and the rerun finishes with the uninterrupted run's metrics.
source "$(dirname "$0")/common.sh"
reference_run
run=$WORK/term
"$INFOBOUND" plan --config "$CONFIG" --out "$run" > /dev/null 2>&1
"$INFOBOUND" extract --run "$run" > "$run.out" 2> "$run.err" &
pid=$!
sleep 1.5
kill -TERM "$pid"
wait "$pid" && status=0 || status=$?
[ "$status" -eq 3 ] || { cat "$run.err" >&2; fail "SIGTERM: exit status $status, expected 3"; }
grep -q "interrupted: received SIGTERM" "$run.err" || fail "SIGTERM: no message"
for f in "$run"/units/*.h5; do
  [ -e "$f" ] || continue
  "$INFOBOUND" reduce --run "$run" > /dev/null 2>&1 && fail "reduce must refuse an unfinished run"
  break
done
"$INFOBOUND" extract --run "$run" > "$run.second.out" 2>&1 || fail "rerun after SIGTERM failed"
"$INFOBOUND" reduce --run "$run" > /dev/null 2>&1 || fail "reduce after rerun failed"
cmp "$WORK/reference/metrics.csv" "$run/metrics.csv" || fail "metrics after SIGTERM + rerun differ"
echo "PASS: SIGTERM exits 3 at a batch boundary; rerun completes with identical metrics"
