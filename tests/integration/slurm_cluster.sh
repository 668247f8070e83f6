#!/usr/bin/env bash
# A real Slurm cluster on localhost: munged, slurmctld and slurmd started from a generated key and
# slurm.conf (as root). pipelines/submit.sh submits a study with a model whose weights are broken;
# one array task is preempted (SIGTERM to its batch script, as --signal=B:TERM sends) in the
# middle of its units; the afterany reduce job then ends FAILED naming the failed units (no hang).
# After the weights are fixed, `submit.sh --resubmit` submits only the tasks with work left (2
# ranks each under the launcher this time), and the chain ends with the metrics of a plain run.
# The daemons are stopped at the end.
source "$(dirname "$0")/common.sh"
for tool in munged mungekey slurmctld slurmd sbatch squeue scontrol; do
  command -v "$tool" > /dev/null || { echo "SKIP: $tool not installed (scripts/install-deps.sh installs slurm-wlm and munge)"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "SKIP: the local test cluster runs its daemons as root"; exit 77; }

cluster=$WORK/cluster
mkdir -p "$cluster"/{munge,state,spool,log}
chmod 700 "$cluster" "$cluster/munge"
host=$(hostname -s)
port=$(( 20000 + RANDOM % 20000 ))
mungekey --create --keyfile="$cluster/munge/munge.key" --force > /dev/null 2>&1 ||
  { dd if=/dev/urandom of="$cluster/munge/munge.key" bs=1024 count=1 status=none; }
chmod 600 "$cluster/munge/munge.key"
socket=$cluster/munge/munge.socket
munged --force --key-file="$cluster/munge/munge.key" --socket="$socket" --pid-file="$cluster/munge/munged.pid" \
  --log-file="$cluster/log/munged.log" --seed-file="$cluster/munge/munged.seed" || { cat "$cluster/log/munged.log" >&2; fail "munged did not start"; }

cat > "$cluster/slurm.conf" <<CONF
ClusterName=infobound-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$cluster/state
SlurmdSpoolDir=$cluster/spool
SlurmctldPidFile=$cluster/slurmctld.pid
SlurmdPidFile=$cluster/slurmd.pid
SlurmctldLogFile=$cluster/log/slurmctld.log
SlurmdLogFile=$cluster/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
PreemptType=preempt/none
KillWait=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$(( $(sed -n "s/^MemTotal: *\([0-9]*\) kB/\1/p" /proc/meminfo) / 1024 / 2 )) State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
export SLURM_CONF=$cluster/slurm.conf
stop_cluster() {
  for daemon in slurmd slurmctld; do
    [ -f "$cluster/$daemon.pid" ] && kill "$(cat "$cluster/$daemon.pid")" 2> /dev/null || true
  done
  munged --stop --socket="$socket" > /dev/null 2>&1 || true
  sleep 1
  cleanup
}
trap stop_cluster EXIT
slurmctld -c -f "$SLURM_CONF" || { cat "$cluster/log/slurmctld.log" >&2; fail "slurmctld did not start"; }
slurmd -f "$SLURM_CONF" || { cat "$cluster/log/slurmd.log" >&2; fail "slurmd did not start"; }
for _ in $(seq 60); do
  sinfo -h -o %T 2> /dev/null | grep -qE '^(idle|mixed|allocated)' && break
  sleep 1
done
sinfo -h -o %T | grep -qE '^(idle|mixed|allocated)' || { sinfo >&2; tail "$cluster/log/slurmctld.log" >&2; fail "the node did not come up"; }
note "cluster up: $(sinfo -h -o '%P %D %T %C')"

command -v jq > /dev/null || { echo "SKIP: jq not installed"; exit 77; }
reference_run
# The study: the test models and a copy with truncated weights (7 units: the broken model, which
# cannot be inspected, stays one unit).
cp -r "$SOURCE_DIR/data/tinystories-656k" "$WORK/broken"
truncate -s 100 "$WORK/broken/model.safetensors"
absolute_config "$WORK/study.yaml"
# Between the two good models, so that its one unit (index 3) falls to array task 1.
sed -i "/^  - name: tinystories-656k-copy$/i\\  - name: broken\\n    family: tinystories\\n    path: $WORK/broken\\n    params: 656000" "$WORK/study.yaml"
# 1 s heartbeats, to see a task inside a unit and preempt it there (the batch size stays: same numbers).
sed -i 's/heartbeat_seconds: 5/heartbeat_seconds: 1/' "$WORK/study.yaml"
run=$WORK/slurm-run
launcher="mpirun --oversubscribe --bind-to none"
srun --mpi=list 2>&1 | grep -q pmix && launcher="srun --mpi=pmix"

job_state() { scontrol show job "$1" 2> /dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -1; }
wait_for_end() {  # job id -> its final state; "HUNG" if it waits on a dependency that can never be met
  local state=""
  for _ in $(seq 2400); do
    state=$(job_state "$1")
    case "$state" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY) echo "$state"; return ;; esac
    scontrol show job "$1" 2> /dev/null | grep -q DependencyNeverSatisfied && { echo HUNG; return; }
    sleep 1
  done
  echo "TIMEOUT_WAITING($state)"
}
dump_logs() { scontrol show job "$1" >&2 || true; tail -n 30 "$run"/logs/* >&2 || true; tail -20 "$cluster/log/slurmctld.log" >&2; }

# 1. Two array tasks of one rank each; units split between them (task t gets units t, t+2, ...).
INFOBOUND=$INFOBOUND bash "$SOURCE_DIR/pipelines/submit.sh" "$WORK/study.yaml" "$run" --tasks 2 --ranks-per-task 1 --cpus-per-rank 1 \
  --launcher "$launcher" > "$WORK/submit.out" 2>&1 || { cat "$WORK/submit.out" >&2; fail "submit.sh failed"; }
cat "$WORK/submit.out"
extract_job=$(cat "$run/slurm/extract.jobid")
reduce_job=$(cat "$run/slurm/reduce.jobid")
# Preempt task 0 once it has finished a unit and is inside the next one.
preempted=0
for _ in $(seq 300); do
  beat=$run/heartbeats/task-0-rank-0.json
  if [ -f "$beat" ] && [ "$(jq -r .state "$beat")" = running ] && [ "$(jq -r .units_done "$beat")" -ge 1 ] && [ -n "$(jq -r .current_unit "$beat")" ]; then
    note "preempting task 0 in unit $(jq -r .current_unit "$beat") after $(jq -r .units_done "$beat") units: scancel --batch --signal=TERM ${extract_job}_0"
    "$INFOBOUND" status --run "$run" | sed 's/^/    /'
    scancel --batch --signal=TERM "${extract_job}_0"
    preempted=1
    break
  fi
  sleep 0.5
done
[ "$preempted" = 1 ] || { dump_logs "$extract_job"; fail "task 0 never showed a running unit to preempt"; }
state=$(wait_for_end "$reduce_job")
[ "$state" = FAILED ] || { dump_logs "$reduce_job"; fail "the reduce job after a failing array ended '$state', expected FAILED"; }
log0=$(ls "$run"/logs/extract-*_0.log)
grep -q "extract task: SIGTERM, forwarded" "$log0" && grep -q "interrupted: received SIGTERM" "$log0" && grep -q "extract task 0: exit 3" "$log0" ||
  { cat "$log0" >&2; fail "task 0 did not stop on SIGTERM with exit 3"; }
grep -q "extract task 1: exit 4" "$run"/logs/extract-*_1.log || { cat "$run"/logs/extract-*_1.log >&2; fail "task 1 did not exit 4 (failed units)"; }
reduce_log=$(ls "$run"/logs/reduce-*.log)
grep -q "units are not finished or not usable" "$reduce_log" && grep -q "broken__.*(failed: input" "$reduce_log" ||
  { cat "$reduce_log" >&2; fail "the reduce job did not name the failed units"; }
status_json=$("$INFOBOUND" status --run "$run" --json)
note "after the first submission: $(echo "$status_json" | jq -c '{done, failed, pending, tasks_with_work}')"
[ "$(echo "$status_json" | jq '.failed')" -ge 1 ] || fail "status should show the broken model's unit failed"
[ "$(echo "$status_json" | jq '.pending')" -ge 1 ] || fail "the preempted task should have left units pending"

# 2. Fix the weights; resubmit only the tasks with work left, with 2 ranks each this time.
cp "$SOURCE_DIR/data/tinystories-656k/model.safetensors" "$WORK/broken/model.safetensors"
expected_tasks=$(echo "$status_json" | jq -r '.tasks_with_work | map(tostring) | join(",")')
before=$(find "$run/units" -name '*.h5' -newer "$run/tasks.json" -printf '%f %T@\n' | sort)
INFOBOUND=$INFOBOUND bash "$SOURCE_DIR/pipelines/submit.sh" --resubmit "$run" --ranks-per-task 2 > "$WORK/resubmit.out" 2>&1 ||
  { cat "$WORK/resubmit.out" >&2; fail "submit.sh --resubmit failed"; }
cat "$WORK/resubmit.out"
grep -q "array tasks with work left: $expected_tasks\$" "$WORK/resubmit.out" || fail "--resubmit did not pick tasks $expected_tasks"
reduce_job=$(cat "$run/slurm/reduce.jobid")
state=$(wait_for_end "$reduce_job")
[ "$state" = COMPLETED ] || { dump_logs "$reduce_job"; fail "the reduce job after the resubmission ended '$state'"; }
# Units finished in the first submission were kept, not recomputed.
while read -r name stamp; do
  [ "$(find "$run/units/$name" -printf '%T@')" = "$stamp" ] || fail "$name was recomputed by the resubmission"
done <<< "$before"
[ -z "$(ls -A "$run/failures")" ] || fail "failure records left after a complete run"
[ -s "$run/report.md" ] && [ -s "$run/bound.csv" ] || fail "the dependent job did not run bound and report"
# The plain run's metrics for the good model, and the same numbers for the repaired copy.
{ head -n 1 "$WORK/reference/metrics.csv"; grep '^tinystories-656k,' "$WORK/reference/metrics.csv"
  grep '^tinystories-656k,' "$WORK/reference/metrics.csv" | sed 's/^tinystories-656k,/broken,/'
  grep '^tinystories-656k-copy,' "$WORK/reference/metrics.csv"; } > "$WORK/expected.csv"
cut -d, -f1-36 "$run/metrics.csv" | cmp - "$WORK/expected.csv" || fail "metrics after failure, preemption and resubmission differ from a plain run"
echo "PASS: Slurm ($launcher): failed units recorded, preempted task exits 3, afterany reduce fails naming them;" \
     "--resubmit of tasks $expected_tasks completes the run with a plain run's metrics"
