#!/usr/bin/env bash
# Submits a study to Slurm: plans it here (units mapped to array tasks in RUN/tasks.json), sizes
# the jobs from `infobound plan --dry-run --json`, then submits an extract job array and a job
# that runs reduce, bound, regress (when the study names benchmarks) and report once the array has
# ended (--dependency=afterany; a run with failed units ends that job non-zero, naming them).
# Usage:
#   pipelines/submit.sh CONFIG RUN [options]     plan, size and submit
#   pipelines/submit.sh --resubmit RUN [options] submit again only the array tasks with work left
#                                                (same task ids, same units), then the reduce job
# Options (sizes default to the plan's estimates x --margin; each can be forced):
#   --tasks N  --ranks-per-task R  --cpus-per-rank C  --gpus-per-rank G  --throttle N (array %N)
#   --time HH:MM:SS  --mem-per-rank MiB  --margin F (default 1.5)  --signal-seconds S (default 300)
#   --reduce-time HH:MM:SS  --reduce-mem MiB  --partition P  --launcher "srun --mpi=pmix"
#   --sbatch-arg ARG (repeatable)  --no-submit (write the job scripts only)
# Environment: INFOBOUND (the binary; default: infobound on PATH, else build/apps/infobound/infobound).
set -euo pipefail

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
die() { echo "submit.sh: $*" >&2; exit 2; }
[ $# -ge 2 ] || usage
resubmit=0
if [ "$1" = --resubmit ]; then resubmit=1 config="" run=$2; else config=$1 run=$2; fi
shift 2
command -v jq > /dev/null || die "jq is needed to read the plan's estimates (apt-get install jq)"

here=$(cd "$(dirname "$0")/.." && pwd)
infobound=${INFOBOUND:-$(command -v infobound || echo "$here/build/apps/infobound/infobound")}
[ -x "$infobound" ] || die "infobound binary not found ($infobound); build it or set INFOBOUND"
infobound=$(cd "$(dirname "$infobound")" && pwd)/$(basename "$infobound")
mkdir -p "$run"
run=$(cd "$run" && pwd)
settings=$run/slurm/submit.env

# Defaults; a resubmission starts from the first submission's settings.
tasks="" ranks="" cpus=2 gpus="" throttle="" time="" mem_per_rank="" margin=1.5 signal_seconds=300
reduce_time="" reduce_mem="" partition="" launcher="srun --mpi=pmix" submit=1
extra=()
if [ "$resubmit" -eq 1 ]; then
  [ -f "$settings" ] || die "$settings not found: was $run submitted with pipelines/submit.sh?"
  # shellcheck source=/dev/null
  source "$settings"
fi
while [ $# -gt 0 ]; do
  case "$1" in
    --tasks) tasks=$2; shift 2 ;;
    --ranks-per-task) ranks=$2; shift 2 ;;
    --cpus-per-rank) cpus=$2; shift 2 ;;
    --gpus-per-rank|--gpus-per-task) gpus=$2; shift 2 ;;
    --throttle) throttle=$2; shift 2 ;;
    --time) time=$2; shift 2 ;;
    --mem-per-rank) mem_per_rank=$2; shift 2 ;;
    --margin) margin=$2; shift 2 ;;
    --signal-seconds) signal_seconds=$2; shift 2 ;;
    --reduce-time) reduce_time=$2; shift 2 ;;
    --reduce-mem) reduce_mem=$2; shift 2 ;;
    --partition) partition=$2; shift 2 ;;
    --launcher) launcher=$2; shift 2 ;;
    --sbatch-arg) extra+=("$2"); shift 2 ;;
    --no-submit) submit=0; shift ;;
    *) echo "submit.sh: unknown option $1" >&2; usage ;;
  esac
done
mkdir -p "$run/slurm" "$run/logs"
estimate=$run/slurm/estimate.json

if [ "$resubmit" -eq 0 ]; then
  # The estimates first (nothing written), then the plan with its task map.
  "$infobound" plan --config "$config" --dry-run --json > "$estimate" || die "infobound plan --dry-run failed"
  units=$(jq '.units | length' "$estimate")
  [ -n "$ranks" ] || ranks=1
  [ -n "$tasks" ] || tasks=$(( units < 64 ? units : 64 ))
  (( tasks > units )) && tasks=$units
  "$infobound" plan --config "$config" --out "$run" --tasks "$tasks" --ranks-per-task "$ranks" || die "infobound plan failed"
else
  [ -f "$run/tasks.json" ] || die "$run/tasks.json not found: the run was not planned for a job array"
  [ -f "$estimate" ] || die "$estimate not found"
  tasks=$(jq '.tasks' "$run/tasks.json")
  # The map fixes each unit's task; the ranks a task runs with may change (they split its units).
  [ -n "$ranks" ] || ranks=$(jq '.ranks_per_task' "$run/tasks.json")
fi
[ -n "$gpus" ] || { [[ "$(jq -r '.device' "$estimate")" == cuda* ]] && gpus=1 || gpus=0; }

# Sizing: an array task needs the time of its heaviest task (units x FLOPs at runtime.gpu_tflops,
# shared by its ranks) and the memory of its largest unit, times the margin, plus start-up.
read -r task_seconds peak_bytes unknown < <(jq -r --slurpfile map "$run/tasks.json" '
  (.gpu_tflops * 1e12) as $rate
  | (reduce .units[] as $u ({}; .[$u.unit] = $u)) as $est
  | ($map[0].units | group_by(.task)
     | map([.[] | $est[.unit] | (.forward_flops + .estimator_flops)] | add) | max) as $flops
  | [($flops / $rate / $map[0].ranks_per_task),
     ([.units[].peak_memory_bytes] | max),
     ([.units[] | select(.model_known | not)] | length)] | @tsv' "$estimate")
[ "$unknown" -eq 0 ] || echo "submit.sh: warning: $unknown units have no size estimate (model not available here); give --time and --mem-per-rank" >&2
hms() { local s=$1; printf '%02d:%02d:%02d' $((s / 3600)) $((s % 3600 / 60)) $((s % 60)); }
ceil() { awk -v x="$1" 'BEGIN { printf "%d", (x == int(x)) ? x : int(x) + 1 }'; }
# Start-up (libtorch, model load, token cache) and the SIGTERM lead time come on top.
[ -n "$time" ] || time=$(hms "$(ceil "$(awk -v s="$task_seconds" -v m="$margin" -v lead="$signal_seconds" 'BEGIN { t = s * m + 600 + lead; print (t < 900 ? 900 : t) }')")")
[ -n "$mem_per_rank" ] || mem_per_rank=$(ceil "$(awk -v b="$peak_bytes" -v m="$margin" 'BEGIN { print b * m / 1048576 + 768 }')")
mem_per_cpu=$(ceil "$(awk -v r="$mem_per_rank" -v c="$cpus" 'BEGIN { print r / c }')")
# Reduce merges one unit at a time into a (model, checkpoint)'s sums; bound and report are light.
read -r max_disk n_units < <(jq -r '[([.units[].disk_bytes] | max), (.units | length)] | @tsv' "$estimate")
[ -n "$reduce_mem" ] || reduce_mem=$(ceil "$(awk -v d="$max_disk" -v m="$margin" 'BEGIN { print 3 * d * m / 1048576 + 2048 }')")
[ -n "$reduce_time" ] || reduce_time=$(hms "$(ceil "$(awk -v n="$n_units" -v m="$margin" 'BEGIN { t = (n * 5 + 1200) * m; print t }')")")

# What a resubmission reuses.
{
  printf 'cpus=%q gpus=%q throttle=%q time=%q mem_per_rank=%q margin=%q signal_seconds=%q\n' "$cpus" "$gpus" "$throttle" "$time" "$mem_per_rank" "$margin" "$signal_seconds"
  printf 'reduce_time=%q reduce_mem=%q partition=%q launcher=%q\n' "$reduce_time" "$reduce_mem" "$partition" "$launcher"
  printf 'extra=(%s)\n' "$(for a in "${extra[@]+"${extra[@]}"}"; do printf '%q ' "$a"; done)"
} > "$settings"

sbatch_lines="" reduce_lines=""
[ -n "$partition" ] && sbatch_lines+="#SBATCH --partition=$partition"$'\n' && reduce_lines+="#SBATCH --partition=$partition"$'\n'
[ "$gpus" != 0 ] && sbatch_lines+="#SBATCH --gpus-per-task=$gpus"$'\n'
for arg in "${extra[@]+"${extra[@]}"}"; do sbatch_lines+="#SBATCH $arg"$'\n'; reduce_lines+="#SBATCH $arg"$'\n'; done
regress=""
while IFS=$'\t' read -r name path; do
  [ -n "$name" ] && regress+="\"$infobound\" regress --run \"$run\" --benchmarks \"$path\"   # $name"$'\n'
done < <(jq -r '.benchmarks[] | [.name, .path] | @tsv' "$estimate")
bound=$(jq -r 'if .bound_enabled then 1 else 0 end' "$estimate")
bound_args=$(jq -r '.bound_args // ""' "$estimate")   # the study's bound section, as `infobound run` applies it

fill() {
  local template=$1 out=$2
  awk -v job="$(basename "$run")" -v last=$((tasks - 1)) -v throttle="${throttle:+%$throttle}" -v ranks="$ranks" -v cpus="$cpus" \
      -v mem="${mem_per_cpu}M" -v time="$time" -v signal="$signal_seconds" -v rtime="$reduce_time" -v rmem="${reduce_mem}M" -v run="$run" \
      -v bin="$infobound" -v launcher="$launcher" -v bound="$bound" -v bound_args="$bound_args" -v regress="$regress" -v extra="$sbatch_lines" -v rextra="$reduce_lines" '{
    gsub(/@JOB_NAME@/, job); gsub(/@LAST_TASK@/, last); gsub(/@THROTTLE@/, throttle); gsub(/@RANKS_PER_TASK@/, ranks);
    gsub(/@CPUS_PER_RANK@/, cpus); gsub(/@MEM_PER_CPU@/, mem); gsub(/@TIME@/, time); gsub(/@SIGNAL_SECONDS@/, signal);
    gsub(/@REDUCE_TIME@/, rtime); gsub(/@REDUCE_MEM@/, rmem); gsub(/@REDUCE_CPUS@/, 1); gsub(/@RUN@/, run); gsub(/@INFOBOUND@/, bin);
    gsub(/@LAUNCHER@/, launcher); gsub(/@BOUND@/, bound); gsub(/@BOUND_ARGS@/, bound_args);
    if ($0 == "@EXTRA_SBATCH@") { printf "%s", extra; next }
    if ($0 == "@EXTRA_SBATCH_REDUCE@") { printf "%s", rextra; next }
    if ($0 == "@REGRESS@") { printf "%s", regress; next }
    print }' "$template" > "$out"
}
fill "$here/slurm/extract.sbatch.in" "$run/slurm/extract.sbatch"
fill "$here/slurm/reduce.sbatch.in" "$run/slurm/reduce.sbatch"

array="0-$((tasks - 1))"
if [ "$resubmit" -eq 1 ]; then
  array=$("$infobound" status --run "$run" --tasks-with-work)
  echo "submit.sh: array tasks with work left: ${array:-none}"
fi
echo "submit.sh: $tasks array tasks x $ranks ranks x $cpus CPUs${gpus:+ x $gpus GPUs}; per task $time, ${mem_per_rank} MiB per rank" \
     "(plan estimate x $margin; SIGTERM ${signal_seconds} s before the limit); reduce job $reduce_time, ${reduce_mem} MiB; scripts in $run/slurm/"
[ "$submit" -eq 1 ] || exit 0

dependency=()
if [ -n "$array" ]; then
  extract_job=$(sbatch --parsable --array="$array${throttle:+%$throttle}" "$run/slurm/extract.sbatch")
  extract_job=${extract_job%%;*}
  echo "$extract_job" > "$run/slurm/extract.jobid"
  dependency=(--dependency="afterany:$extract_job")
fi
reduce_job=$(sbatch --parsable "${dependency[@]+"${dependency[@]}"}" "$run/slurm/reduce.sbatch")
reduce_job=${reduce_job%%;*}
echo "$reduce_job" > "$run/slurm/reduce.jobid"
echo "submit.sh: extract array job ${extract_job:-none} (tasks $array), then reduce job $reduce_job (afterany)." \
     "Watch: infobound status --run $run"
