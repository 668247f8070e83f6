#!/usr/bin/env bash
# Submits a study to Slurm: plans it here, then an extract job array and a reduce job that waits
# for it (--dependency=afterok). Usage:
#   pipelines/submit.sh CONFIG RUN [--tasks N] [--ranks-per-task R] [--cpus-per-rank C]
#                       [--time HH:MM:SS] [--reduce-time HH:MM:SS] [--partition P] [--gpus-per-task G]
#                       [--launcher "srun --mpi=pmix"] [--sbatch-arg ARG]... [--no-submit]
# Environment: INFOBOUND (the binary; default: infobound on PATH, else build/apps/infobound/infobound).
set -euo pipefail

usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 2 ] || usage
config=$1 run=$2
shift 2
tasks="" ranks=1 cpus=2 time="24:00:00" reduce_time="02:00:00" partition="" gpus="" launcher="srun --mpi=pmix" submit=1
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tasks) tasks=$2; shift 2 ;;
    --ranks-per-task) ranks=$2; shift 2 ;;
    --cpus-per-rank) cpus=$2; shift 2 ;;
    --time) time=$2; shift 2 ;;
    --reduce-time) reduce_time=$2; shift 2 ;;
    --partition) partition=$2; shift 2 ;;
    --gpus-per-task) gpus=$2; shift 2 ;;
    --launcher) launcher=$2; shift 2 ;;
    --sbatch-arg) extra+=("$2"); shift 2 ;;
    --no-submit) submit=0; shift ;;
    *) echo "submit.sh: unknown option $1" >&2; usage ;;
  esac
done

here=$(cd "$(dirname "$0")/.." && pwd)
infobound=${INFOBOUND:-$(command -v infobound || echo "$here/build/apps/infobound/infobound")}
[ -x "$infobound" ] || { echo "submit.sh: infobound binary not found ($infobound); build it or set INFOBOUND" >&2; exit 2; }
infobound=$(cd "$(dirname "$infobound")" && pwd)/$(basename "$infobound")
mkdir -p "$run"
run=$(cd "$run" && pwd)

# Plan on this node: resolves models, tokenizes the corpus once per tokenizer, writes plan.json.
"$infobound" plan --config "$config" --out "$run"
units=$(grep -c '"index":' "$run/plan.json")
[ -n "$tasks" ] || tasks=$(( units < 64 ? units : 64 ))
(( tasks > units )) && tasks=$units

sbatch_lines=""
reduce_lines=""
[ -n "$partition" ] && sbatch_lines+="#SBATCH --partition=$partition"$'\n' && reduce_lines+="#SBATCH --partition=$partition"$'\n'
[ -n "$gpus" ] && sbatch_lines+="#SBATCH --gpus-per-task=$gpus"$'\n'
for arg in "${extra[@]+"${extra[@]}"}"; do sbatch_lines+="#SBATCH $arg"$'\n'; reduce_lines+="#SBATCH $arg"$'\n'; done

mkdir -p "$run/slurm" "$run/logs"
fill() {
  local template=$1 out=$2
  awk -v job="$(basename "$run")" -v last=$((tasks - 1)) -v ranks="$ranks" -v cpus="$cpus" -v time="$time" \
      -v rtime="$reduce_time" -v run="$run" -v bin="$infobound" -v launcher="$launcher" \
      -v extra="$sbatch_lines" -v rextra="$reduce_lines" '{
    gsub(/@JOB_NAME@/, job); gsub(/@LAST_TASK@/, last); gsub(/@RANKS_PER_TASK@/, ranks); gsub(/@CPUS_PER_RANK@/, cpus);
    gsub(/@TIME@/, time); gsub(/@REDUCE_TIME@/, rtime); gsub(/@RUN@/, run); gsub(/@INFOBOUND@/, bin); gsub(/@LAUNCHER@/, launcher);
    if ($0 == "@EXTRA_SBATCH@") { printf "%s", extra; next }
    if ($0 == "@EXTRA_SBATCH_REDUCE@") { printf "%s", rextra; next }
    print }' "$template" > "$out"
}
fill "$here/slurm/extract.sbatch.in" "$run/slurm/extract.sbatch"
fill "$here/slurm/reduce.sbatch.in" "$run/slurm/reduce.sbatch"
echo "submit.sh: $units units over $tasks array tasks x $ranks ranks; job scripts in $run/slurm/"
[ "$submit" -eq 1 ] || exit 0

extract_job=$(sbatch --parsable "$run/slurm/extract.sbatch")
extract_job=${extract_job%%;*}
reduce_job=$(sbatch --parsable --dependency="afterok:$extract_job" "$run/slurm/reduce.sbatch")
reduce_job=${reduce_job%%;*}
echo "$extract_job" > "$run/slurm/extract.jobid"
echo "$reduce_job" > "$run/slurm/reduce.jobid"
echo "submit.sh: extract array job $extract_job, reduce job $reduce_job (afterok). Watch: squeue -j $extract_job,$reduce_job"
