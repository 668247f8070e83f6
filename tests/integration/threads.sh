#!/usr/bin/env bash
# Torch threads per rank come from the CPUs the job has (its affinity mask, SLURM_CPUS_PER_TASK),
# not from the node's core count.
source "$(dirname "$0")/common.sh"
absolute_config "$WORK/config.yaml"
sed -i '/^  threads: 1$/d' "$WORK/config.yaml"   # no fixed thread count: infobound chooses
run=$WORK/run
"$INFOBOUND" plan --config "$WORK/config.yaml" --out "$run" > /dev/null 2>&1 || fail "plan failed"
threads_of() {  # the torch threads extract reports, for one unit (array task 0 of 6)
  rm -rf "$run/units"
  env "$@" "$INFOBOUND" extract --run "$run" --array-task 0 --array-count 6 2>&1 > /dev/null |
    sed -n 's/.*units, \([0-9]*\) torch threads.*/\1/p' | head -1
}
cpus=$(nproc)
[ "$(threads_of)" = "$cpus" ] || fail "without limits: $(threads_of) threads, expected the $cpus CPUs of this process"
[ "$(threads_of taskset -c 0)" = 1 ] || fail "taskset -c 0: expected 1 thread"
[ "$(threads_of SLURM_CPUS_PER_TASK=1)" = 1 ] || fail "SLURM_CPUS_PER_TASK=1: expected 1 thread"
[ "$(threads_of SLURM_CPUS_PER_TASK=64 taskset -c 0)" = 1 ] || fail "SLURM_CPUS_PER_TASK above the affinity mask must be capped by it"
note "threads: $cpus CPUs -> $cpus; taskset -c 0 -> 1; SLURM_CPUS_PER_TASK=1 -> 1"
if [ "$cpus" -ge 2 ]; then
  # Two ranks on the node share its CPUs.
  out=$(mpirun -np 2 --bind-to none "$INFOBOUND" extract --run "$run" 2>&1 > /dev/null) || fail "mpirun extract failed"
  echo "$out" | grep -q "units, $((cpus / 2)) torch threads" || { echo "$out" >&2; fail "2 ranks: expected $((cpus / 2)) threads each"; }
fi
echo "PASS: threads from the affinity mask and SLURM_CPUS_PER_TASK, divided among local ranks"
