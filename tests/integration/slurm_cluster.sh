#!/usr/bin/env bash
# A real Slurm cluster on localhost: munged, slurmctld and slurmd started from a generated key and
# slurm.conf (as root), pipelines/submit.sh submits the extract array and the dependent reduce,
# and the metrics equal those of `infobound run`. The daemons are stopped at the end.
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
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=1000 State=UNKNOWN
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

reference_run
# Two array tasks of two ranks each, launched with mpirun inside the allocation (srun --mpi=pmix
# when this Slurm has the pmix plugin).
launcher="mpirun --oversubscribe"
srun --mpi=list 2>&1 | grep -q pmix && launcher="srun --mpi=pmix"
INFOBOUND=$INFOBOUND bash "$SOURCE_DIR/pipelines/submit.sh" "$CONFIG" "$WORK/slurm-run" --tasks 2 --ranks-per-task 2 --cpus-per-rank 1 \
  --time 00:20:00 --reduce-time 00:10:00 --launcher "$launcher" \
  > "$WORK/submit.out" 2>&1 ||
  { cat "$WORK/submit.out" >&2; fail "submit.sh failed"; }
cat "$WORK/submit.out"
# sbatch exports this environment (OMPI_* from common.sh) to the jobs.
reduce_job=$(cat "$WORK/slurm-run/slurm/reduce.jobid")
extract_job=$(cat "$WORK/slurm-run/slurm/extract.jobid")
for _ in $(seq 600); do
  state=$(scontrol show job "$reduce_job" 2> /dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
  case "$state" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY) break ;; esac
  # A failed extract leaves the reduce pending forever (afterok never satisfied).
  scontrol show job "$reduce_job" 2> /dev/null | grep -q DependencyNeverSatisfied && { state=DEPENDENCY_NEVER_SATISFIED; break; }
  sleep 1
done
[ "$state" = COMPLETED ] || {
  scontrol show job "$extract_job" >&2 || true
  cat "$WORK"/slurm-run/logs/* >&2 || true
  tail -20 "$cluster/log/slurmctld.log" >&2
  fail "reduce job ended in state '$state'"
}
ls "$WORK"/slurm-run/logs/extract-*_0.log "$WORK"/slurm-run/logs/extract-*_1.log > /dev/null || fail "no logs of both array tasks"
cmp "$WORK/reference/metrics.csv" "$WORK/slurm-run/metrics.csv" || fail "Slurm metrics differ from infobound run"
echo "PASS: Slurm array ($launcher, 2 tasks x 2 ranks) + afterok reduce give the metrics of infobound run"
