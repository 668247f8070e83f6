#!/usr/bin/env bash
# `infobound status` while an extract runs (a worker's heartbeat, its unit running), after a
# SIGTERM (interrupted), on a finished run (complete), and with a worker that went silent (stale).
source "$(dirname "$0")/common.sh"
absolute_config "$WORK/config.yaml"
sed -i 's/heartbeat_seconds: 5/heartbeat_seconds: 1/; s/batch_size: 8/batch_size: 2/; s/max_documents: 900/max_documents: 600/' "$WORK/config.yaml"
run=$WORK/run
"$INFOBOUND" plan --config "$WORK/config.yaml" --out "$run" > /dev/null 2>&1 || fail "plan failed"
[ "$(status_field "$run" '.pending')" -eq 6 ] || fail "a planned run should show 6 pending units"
"$INFOBOUND" extract --run "$run" > "$WORK/extract.out" 2> "$WORK/extract.err" &
pid=$!
# status is a snapshot: between two units the worker briefly runs none, so the text and JSON views
# are taken together, with the worker stopped (SIGSTOP) so that it can neither finish nor move on
# between them, and retaken until one pair catches a unit in flight. A fast machine would otherwise
# finish the whole extract between two polls.
seen_running=false
for _ in $(seq 300); do
  kill -STOP "$pid" 2> /dev/null || break
  if "$INFOBOUND" status --run "$run" --json > "$WORK/running.json" 2> /dev/null; then
    "$INFOBOUND" status --run "$run" > "$WORK/running.txt" 2> /dev/null || { kill -CONT "$pid"; fail "status on a running run failed"; }
    if [ "$(jq '.running' "$WORK/running.json")" -eq 1 ] && [ "$(jq -r '.workers[0].state' "$WORK/running.json")" = running ] &&
      grep -q " 1 running, " "$WORK/running.txt" && grep -q "rank-0 .* unit tinystories-656k__" "$WORK/running.txt"; then
      seen_running=true
      break  # still stopped: the SIGTERM below reaches it mid-unit
    fi
  fi
  kill -CONT "$pid"
  sleep 0.2
done
[ "$seen_running" = true ] || { cat "$WORK/running.txt" >&2; fail "status never showed the unit being computed as running"; }
kill -0 "$pid" 2> /dev/null || fail "extract finished before status could see it running (too fast to test)"
[ "$(jq -r '.workers[0].stale' "$WORK/running.json")" = false ] || fail "a live worker is reported stale"
grep -q "rank-0 .* running .* units, 0 failed, .* tok/s, ETA .*, heartbeat .* ago, unit tinystories-656k__" "$WORK/running.txt" ||
  { kill -CONT "$pid"; cat "$WORK/running.txt" >&2; fail "the text status lacks the worker's line"; }
note "running: $(grep 'rank-0' "$WORK/running.txt")"
kill -TERM "$pid"
kill -CONT "$pid"
wait "$pid" && code=0 || code=$?
[ "$code" -eq 3 ] || fail "SIGTERM: exit $code, expected 3"
[ "$(status_field "$run" '.workers[0].state')" = interrupted ] || fail "the heartbeat of an interrupted worker does not say so"
[ "$(status_field "$run" '.running')" -eq 0 ] || fail "an interrupted worker's unit is still shown running"

"$INFOBOUND" extract --run "$run" > /dev/null 2>&1 || fail "extract after SIGTERM failed"
"$INFOBOUND" status --run "$run" > "$WORK/finished.txt"
grep -q "6 units: 6 done, 0 failed, 0 running, 0 pending (complete" "$WORK/finished.txt" || { cat "$WORK/finished.txt" >&2; fail "finished run not shown complete"; }
[ "$(status_field "$run" '.workers[0].state')" = finished ] || fail "the finished worker's heartbeat does not say finished"
[ "$(status_field "$run" '.checkpoints[0].done')" -eq 3 ] || fail "per-checkpoint counts wrong (3 layer-group units per checkpoint)"

# A worker that stopped writing its heartbeat mid-unit (killed with its node): stale, and its unit
# is pending again (not running).
unit=$(jq -r '.units[2].id' "$run/plan.json")
rm "$run/units/$unit.h5"
old=$(( $(date +%s) - 600 ))
jq -n --arg unit "$unit" --argjson epoch "$old" '{worker: "task-1-rank-0", host: "gone", pid: 1, state: "running", current_unit: $unit,
  units_owned: 3, units_done: 1, units_failed: 0, tokens_per_second: 1000, eta_seconds: 60, interval_seconds: 60, time: "then", epoch: $epoch}' \
  > "$run/heartbeats/task-1-rank-0.json"
"$INFOBOUND" status --run "$run" > "$WORK/stale.txt"
grep -q "task-1-rank-0 .* STALE .*the worker is probably dead" "$WORK/stale.txt" || { cat "$WORK/stale.txt" >&2; fail "a silent worker is not shown stale"; }
[ "$(status_field "$run" '.stale_units[0]')" = "$unit" ] || fail "the stale worker's unit is not listed"
[ "$(status_field "$run" '.pending')" -eq 1 ] && [ "$(status_field "$run" '.running')" -eq 0 ] || fail "a stale worker's unit should count as pending"
note "stale: $(grep 'task-1-rank-0' "$WORK/stale.txt" | cut -c1-160)"
echo "PASS: status shows a running worker and unit, an interrupted and a finished worker, and a stale one"
