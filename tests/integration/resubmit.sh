#!/usr/bin/env bash
# The unit -> array task map (RUN/tasks.json) is fixed at plan time: array tasks find their units
# in it whatever SLURM_ARRAY_TASK_COUNT a resubmission has, status lists the tasks with work
# left, another task count is refused, and submit.sh sizes the jobs from the plan's estimates.
source "$(dirname "$0")/common.sh"
reference_run
absolute_config "$WORK/config.yaml"
run=$WORK/run
"$INFOBOUND" plan --config "$WORK/config.yaml" --out "$run" --tasks 3 --ranks-per-task 1 > /dev/null 2>&1 || fail "plan --tasks failed"
[ "$(jq '.tasks' "$run/tasks.json")" -eq 3 ] || fail "tasks.json does not hold 3 tasks"
units_of_task() { jq -r --argjson t "$1" '.units[] | select(.task == $t) | .unit' "$run/tasks.json" | sort; }
done_units() { find "$run/units" -name '*.h5' -printf '%f\n' 2> /dev/null | sed 's/\.h5$//' | sort; }
# The first submission: tasks 0 and 2 of --array=0-2 run, task 1 is lost (preempted, node failure).
for task in 0 2; do
  SLURM_ARRAY_TASK_ID=$task SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_COUNT=3 "$INFOBOUND" extract --run "$run" > /dev/null 2>&1 ||
    fail "array task $task failed"
done
diff <(done_units) <(sort <(units_of_task 0) <(units_of_task 2)) > /dev/null || fail "tasks 0 and 2 did not compute exactly their mapped units"
[ "$("$INFOBOUND" status --run "$run" --tasks-with-work)" = 1 ] || fail "status does not name task 1 as the one with work left"
# The resubmission (--array=1): SLURM_ARRAY_TASK_COUNT=1 and MIN=1 must not remap nor abort.
SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=1 SLURM_ARRAY_TASK_COUNT=1 "$INFOBOUND" extract --run "$run" > "$WORK/task1.out" 2>&1 ||
  { cat "$WORK/task1.out" >&2; fail "resubmitted task 1 failed"; }
grep -q "^extract: 2 units computed (0 replaced an unusable file), 0 already complete" "$WORK/task1.out" ||
  { cat "$WORK/task1.out" >&2; fail "resubmitted task 1 did not compute exactly its 2 units"; }
[ -z "$("$INFOBOUND" status --run "$run" --tasks-with-work)" ] || fail "tasks with work left after the resubmission"
"$INFOBOUND" reduce --run "$run" > /dev/null 2>&1 || fail "reduce failed"
cmp "$WORK/reference/metrics.csv" "$run/metrics.csv" || fail "metrics differ from a plain run"
# A task id outside the map, and another task count for the same run, are refused.
SLURM_ARRAY_TASK_ID=5 SLURM_ARRAY_TASK_COUNT=6 "$INFOBOUND" extract --run "$run" > /dev/null 2> "$WORK/outside.err" && fail "task 5 of a 3-task map accepted"
grep -q "outside the run's task map 0..2" "$WORK/outside.err" || { cat "$WORK/outside.err" >&2; fail "no message for a task outside the map"; }
"$INFOBOUND" plan --config "$WORK/config.yaml" --out "$run" --tasks 2 > /dev/null 2> "$WORK/remap.err" && fail "a new task count remapped the run"
grep -q "already mapped to 3 tasks" "$WORK/remap.err" || { cat "$WORK/remap.err" >&2; fail "no message when refusing to remap"; }
note "task map kept; resubmitted task 1 computed its own 2 units; metrics identical"

# submit.sh (no Slurm needed with --no-submit): job scripts sized from the plan's estimates.
sub=$WORK/submitted
INFOBOUND=$INFOBOUND bash "$SOURCE_DIR/pipelines/submit.sh" "$WORK/config.yaml" "$sub" --tasks 3 --throttle 2 --cpus-per-rank 1 --no-submit \
  > "$WORK/submit.out" 2>&1 || { cat "$WORK/submit.out" >&2; fail "submit.sh --no-submit failed"; }
script=$sub/slurm/extract.sbatch
grep -q '^#SBATCH --array=0-2%2$' "$script" || fail "no throttled array line"
grep -q '^#SBATCH --signal=B:TERM@300$' "$script" || fail "no --signal line"
grep -Eq '^#SBATCH --time=00:[0-9]{2}:[0-9]{2}$' "$script" || fail "no --time line from the estimate"
grep -Eq '^#SBATCH --mem-per-cpu=[0-9]+M$' "$script" || fail "no --mem-per-cpu line from the estimate"
grep -Eq '^#SBATCH --mem=[0-9]+M$' "$sub/slurm/reduce.sbatch" || fail "reduce job not sized"
grep -q 'reduce --run' "$sub/slurm/reduce.sbatch" && grep -q 'report --run' "$sub/slurm/reduce.sbatch" || fail "reduce job lacks reduce/report"
INFOBOUND=$INFOBOUND bash "$SOURCE_DIR/pipelines/submit.sh" "$WORK/config.yaml" "$sub" --tasks 3 --time 02:00:00 --mem-per-rank 3000 --no-submit > /dev/null 2>&1
grep -q '^#SBATCH --time=02:00:00$' "$script" && grep -q '^#SBATCH --mem-per-cpu=1500M$' "$script" || fail "--time/--mem-per-rank do not override"
INFOBOUND=$INFOBOUND bash "$SOURCE_DIR/pipelines/submit.sh" --resubmit "$sub" --no-submit > "$WORK/resubmit.out" 2>&1 || { cat "$WORK/resubmit.out" >&2; fail "--resubmit failed"; }
grep -q "array tasks with work left: 0,1,2" "$WORK/resubmit.out" || { cat "$WORK/resubmit.out" >&2; fail "--resubmit did not find the tasks"; }
note "$(grep '^submit.sh: 3 array' "$WORK/submit.out")"
echo "PASS: task map fixed at plan time, resubmitted task ids keep their units, submit.sh sizes and resubmits"
