#!/usr/bin/env bash
# Builds infobound against a CUDA-enabled libtorch and compares its CUDA path with its CPU path
# (docs/cuda.md). Made for one run on a borrowed GPU machine that lacks some of our -dev packages:
# those come from a kit of Debian 12 .deb files in .devicekit/ (scripts/cuda-kit.sh fetches it),
# unpacked with dpkg -x into a private prefix, never into /.
#
# usage: OUT=DIR bash scripts/cuda-check.sh
#   INFOBOUND_CHECK_DEVICE=cuda   (default) libtorch from `python3 -c 'import torch'`, checks on cuda vs cpu
#   INFOBOUND_CHECK_DEVICE=cpu    Debian's libtorch, checks on cpu vs cpu (tests this script without a GPU)
#   INFOBOUND_CHECK_BUILD=DIR     build directory (default /tmp/build-cudacheck)
#   INFOBOUND_CHECK_SKIP_BUILD=1  reuse the binaries already in that directory (no configure, no build)
#   INFOBOUND_CHECK_KIT=0         use the machine's own -dev packages instead of the kit
#   JOBS=N                        build parallelism (default: nproc)
# Writes to $OUT (at most 9 files): summary.txt (PASS/FAIL per check with figures), console.log,
# build.log, golden.log, hidden-states.log, study.log, ranks.log, bench.log. Exit status 0 when every check passed.
set -uo pipefail
main() {  # the whole script is one function, read before it runs: editing the file mid-run is safe
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-/tmp/cuda-check-out}
DEVICE=${INFOBOUND_CHECK_DEVICE:-cuda}
BUILD=${INFOBOUND_CHECK_BUILD:-/tmp/build-cudacheck}
KIT_DEBS=$ROOT/.devicekit/debs
KIT=/tmp/infobound-kit            # the unpacked kit (a private prefix)
WORK=/tmp/infobound-cudacheck     # inputs, outputs and runs of the checks
JOBS=${JOBS:-$(nproc)}
PY=$(command -v python3)
mkdir -p "$OUT" "$WORK"
exec > >(tee -a "$OUT/console.log") 2>&1
SUMMARY=$OUT/summary.txt
: > "$SUMMARY"
start=$SECONDS
note() { echo "== [$((SECONDS - start)) s] $*"; }
result() { echo "$*" | tee -a "$SUMMARY"; }   # one line per check: NAME PASS|FAIL|SKIP figures
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_plm_rsh_agent=false

note "machine"
uname -a; nproc; free -g | head -2
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
command -v nvcc >/dev/null && nvcc --version | tail -2
cmake --version | head -1; ninja --version; ${CXX:-c++} --version | head -1
"$PY" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())' 2>&1 | tail -1

# ---- 1. the kit: PCRE2 and ICU 72 headers, Boost 1.74 headers + program_options, pkgconf -----------
CMAKE_KIT_ARGS=()
if [ "${INFOBOUND_CHECK_KIT:-1}" != 0 ] && [ -d "$KIT_DEBS" ]; then
  note "unpacking the kit into $KIT"
  rm -rf "$KIT"; mkdir -p "$KIT"
  for deb in "$KIT_DEBS"/*.deb; do
    if command -v dpkg >/dev/null; then dpkg -x "$deb" "$KIT"
    else (cd "$WORK" && rm -rf deb && mkdir deb && cd deb && ar x "$deb" && tar -xf data.tar.* -C "$KIT"); fi
  done
  KLIB=$KIT/usr/lib/x86_64-linux-gnu
  # PCRE2: the .so symlinks point at the runtime package, not in the kit: link the kit's static
  # library instead (no dependencies, and exactly the headers' version).
  rm -f "$KLIB"/libpcre2-*.so
  mkdir -p "$KIT/pkgconfig"
  for pc in "$KLIB"/pkgconfig/*.pc; do sed "s|^prefix=.*|prefix=$KIT/usr|" "$pc" > "$KIT/pkgconfig/$(basename "$pc")"; done
  export PKG_CONFIG_PATH=$KIT/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
  export LD_LIBRARY_PATH=$KLIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}   # ICU 72, Boost 1.74 at run time
  # FindICU's ICU_ROOT does not look in lib/x86_64-linux-gnu: name the files (the machine's own
  # ICU may be another version, whose symbols carry another suffix).
  CMAKE_KIT_ARGS+=(-DICU_ROOT="$KIT/usr" -DICU_INCLUDE_DIR="$KIT/usr/include"
                   -DICU_UC_LIBRARY_RELEASE="$KLIB/libicuuc.so"
                   -DBoost_DIR="$KLIB/cmake/Boost-1.74.0" -DBoost_NO_SYSTEM_PATHS=ON)
  if ! command -v pkg-config >/dev/null; then
    CMAKE_KIT_ARGS+=(-DPKG_CONFIG_EXECUTABLE="$KIT/usr/bin/pkgconf")
  fi
  du -sh "$KIT"
fi
FIXTURES=$ROOT/.devicekit/shared
[ -d "$FIXTURES/fixtures/models" ] || FIXTURES=$ROOT/../shared

# ---- 2. configure and build --------------------------------------------------------------------
configure() {  # configure DIR EXTRA_ARGS...
  local dir=$1; shift
  cmake -S "$ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DINFOBOUND_WERROR=OFF \
    -DINFOBOUND_BUILD_BENCH=ON -DINFOBOUND_SHARED_DIR="$FIXTURES" "${CMAKE_KIT_ARGS[@]}" "$@"
}
TORCH_ARGS=()
if [ "$DEVICE" = cuda ]; then
  TORCH_PREFIX=$("$PY" -c 'import os, torch; print(os.path.dirname(torch.__file__))')
  TORCH_CMAKE=$("$PY" -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')
  TORCH_ABI=$("$PY" -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
  NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
  CUDA_ROOT=$(dirname "$(dirname "$(readlink -f "$NVCC")")")
  NVTX=$(find "$CUDA_ROOT" /usr/local/cuda/ -maxdepth 4 -type d -name nvtx3 -path '*include*' 2>/dev/null | head -1)
  export TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-9.0} CUDAToolkit_ROOT=$CUDA_ROOT CUDA_HOME=$CUDA_ROOT
  TORCH_ARGS=(-DCMAKE_PREFIX_PATH="$TORCH_CMAKE" -DCMAKE_CUDA_COMPILER="$NVCC"
              -DCUDAToolkit_ROOT="$CUDA_ROOT" -DCMAKE_POLICY_VERSION_MINIMUM=3.5 ${NVTX:+-Dnvtx3_dir=$(dirname "$NVTX")})
  echo "torch prefix $TORCH_PREFIX (cxx11 abi $TORCH_ABI), cmake $TORCH_CMAKE, CUDA $CUDA_ROOT, nvtx3 ${NVTX:-none}"
fi
configured=1
if [ "${INFOBOUND_CHECK_SKIP_BUILD:-0}" != 1 ]; then
  note "configure $BUILD (torch's CMake package)"
  rm -rf "$BUILD"
  if ! configure "$BUILD" "${TORCH_ARGS[@]}" > "$WORK/configure.log" 2>&1; then
    tail -40 "$WORK/configure.log"
    configured=0
    if [ "$DEVICE" = cuda ]; then
      note "torch's CMake package failed: configure again with -DINFOBOUND_TORCH_PREFIX=$TORCH_PREFIX"
      rm -rf "$BUILD"
      configure "$BUILD" -DINFOBOUND_TORCH_PREFIX="$TORCH_PREFIX" -DINFOBOUND_TORCH_CXX11_ABI="$TORCH_ABI" \
        >> "$WORK/configure.log" 2>&1 && configured=1
    fi
  fi
  grep -E "ICU|Boost|PCRE2|libtorch|Torch|CUDA|MPI|HDF5|Found" "$WORK/configure.log" | head -40
  if [ "$configured" = 1 ]; then
    grep -E "^(ICU_INCLUDE_DIR|ICU_UC_LIBRARY_RELEASE|Boost_DIR|boost_program_options_DIR|PCRE2_INCLUDEDIR|PCRE2_LINK_LIBRARIES|Torch_DIR|INFOBOUND_TORCH_PREFIX|OpenMP_CXX_FLAGS|MPI_CXX_COMPILER)[:=]" "$BUILD/CMakeCache.txt"
    # What the checks need first (a compile error elsewhere must not stop them), then everything.
    note "build: infobound, infobound-main, models_tests, bench_models_forward (ninja -k 0 -j$JOBS)"
    nice ninja -C "$BUILD" -k 0 -j"$JOBS" infobound infobound-main models_tests bench_models_forward > "$WORK/build.log" 2>&1
    echo "essential targets: ninja exit $?"
  fi
fi
INFOBOUND=$BUILD/apps/infobound/infobound
[ -x "$BUILD/apps/infobound/infobound-main" ] || INFOBOUND=""
result "configure: $([ "$configured" = 1 ] && echo PASS || echo FAIL)$(grep -q INFOBOUND_TORCH_PREFIX:PATH=/ "$BUILD/CMakeCache.txt" 2>/dev/null && echo ' (fallback INFOBOUND_TORCH_PREFIX)')"
result "build infobound + models_tests: $([ -n "$INFOBOUND" ] && [ -x "$BUILD/tests/models/models_tests" ] && echo PASS || echo FAIL) ($(grep -c 'error:' "$WORK/build.log" 2>/dev/null || true) 'error:' lines in build.log)"
ldd "$BUILD/apps/infobound/infobound-main" 2>/dev/null | grep -E "torch|c10|icu|boost|pcre|cuda|gomp" | sed 's/ (0x.*//'

# ---- 3a. the model goldens (HF transformers' hidden states) with the model on $DEVICE ----------------
note "check a: golden tests on $DEVICE"
if [ -x "$BUILD/tests/models/models_tests" ]; then
  INFOBOUND_TEST_DEVICE=$DEVICE timeout 300 "$BUILD/tests/models/models_tests" \
    --gtest_filter='Fixtures/ModelGolden.*:ModelGoldenBfloat16.*' > "$OUT/golden.log" 2>&1
  rc=$?
  passed=$(grep -oP '\[  PASSED  \] \K[0-9]+' "$OUT/golden.log" || echo 0)
  skipped=$(grep -oP '\[  SKIPPED \] \K[0-9]+' "$OUT/golden.log" || echo 0)
  failed=$(grep -oP '\[  FAILED  \] \K[0-9]+(?= test)' "$OUT/golden.log" || echo 0)
  worst=$(grep -oP 'device \S+, hidden \K\S+(?=, logits)' "$OUT/golden.log" | sort -g | tail -1)
  worst_logits=$(grep -oP 'device \S+, hidden \S+, logits \K\S+' "$OUT/golden.log" | sort -g | tail -1)
  devices=$(grep -oP 'device \K[^,]+' "$OUT/golden.log" | sort -u | tr '\n' ' ')
  verdict=FAIL; [ "$rc" = 0 ] && [ "$passed" -gt 0 ] && [ "$skipped" = 0 ] && verdict=PASS
  result "a golden ($DEVICE): $verdict passed $passed, skipped $skipped, failed $failed; max|diff| vs transformers: hidden ${worst:-?}, logits ${worst_logits:-?} (tolerance 1e-4; ran on: ${devices:-?})"
  grep -E "FAILED|SKIPPED|Failure|error" "$OUT/golden.log" | head -20
else
  result "a golden ($DEVICE): FAIL models_tests not built"
fi

# ---- 3b. hidden-states on $DEVICE vs cpu -------------------------------------------------------
note "check b: infobound hidden-states --device $DEVICE vs --device cpu"
if [ -n "$INFOBOUND" ]; then
  {
    "$PY" "$ROOT/scripts/cuda_check_compare.py" make-input "$WORK/ts-input.safetensors" 16 256 2048 7
    ok=1; figures=""
    for spec in "tinystories-656k:$ROOT/data/tinystories-656k:$WORK/ts-input.safetensors" \
                "gemma2:$FIXTURES/fixtures/models/gemma2:$FIXTURES/fixtures/models/gemma2/golden_leftpad.safetensors" \
                "gpt_neox:$FIXTURES/fixtures/models/gpt_neox:$FIXTURES/fixtures/models/gpt_neox/golden.safetensors"; do
      IFS=: read -r name dir input <<< "$spec"
      [ -e "$input" ] || { echo "$name: no input $input"; continue; }
      # ref: cpu on one thread; dev: $DEVICE (on cpu: all threads, so that something differs)
      "$INFOBOUND" hidden-states --model "$dir" --input "$input" --output "$WORK/hs-$name-ref.safetensors" \
        --device cpu --threads 1 || ok=0
      "$INFOBOUND" hidden-states --model "$dir" --input "$input" --output "$WORK/hs-$name-dev.safetensors" \
        --device "$DEVICE" --threads "$JOBS" || ok=0
      echo "--- $name: $DEVICE against cpu"
      line=$("$PY" "$ROOT/scripts/cuda_check_compare.py" compare-st "$WORK/hs-$name-dev.safetensors" \
             "$WORK/hs-$name-ref.safetensors" 1e-4 1e-4 | tee /dev/stderr | tail -1) || ok=0
      figures+=" $name: ${line#RESULT }"$'\n'
    done
    echo "HS_OK=$ok"
    printf '%s' "$figures" > "$WORK/hs-figures"
  } > "$OUT/hidden-states.log" 2>&1
  v=FAIL; grep -q "HS_OK=1" "$OUT/hidden-states.log" && v=PASS
  result "b hidden-states ($DEVICE vs cpu): $v"
  sed 's/^/   /' "$WORK/hs-figures" | tee -a "$SUMMARY"
else
  result "b hidden-states: FAIL infobound not built"
fi

# ---- 3c. a small study (plan + extract + reduce) with runtime.device $DEVICE vs cpu -----------------
note "check c: study on $DEVICE vs cpu"
if [ -n "$INFOBOUND" ]; then
  {
    for run in ref:cpu dev:"$DEVICE"; do
      label=${run%%:*} dev=${run#*:}
      rm -rf "$WORK/run-$label"
      sed -e "s|@ROOT@|$ROOT|g" -e "s|@DEVICE@|$dev|" "$ROOT/scripts/cuda-check-study.yaml" > "$WORK/study-$label.yaml"
      t0=$SECONDS
      "$INFOBOUND" plan --config "$WORK/study-$label.yaml" --out "$WORK/run-$label" &&
        "$INFOBOUND" extract --run "$WORK/run-$label" && "$INFOBOUND" reduce --run "$WORK/run-$label"
      echo "study on $dev: exit $?, $((SECONDS - t0)) s"
    done
    "$PY" "$ROOT/scripts/cuda_check_compare.py" compare-csv "$WORK/run-dev/metrics.csv" "$WORK/run-ref/metrics.csv" 1e-3
  } > "$OUT/study.log" 2>&1
  line=$(grep '^RESULT' "$OUT/study.log" | tail -1)
  line=${line#RESULT }
  result "c study metrics.csv ($DEVICE vs cpu): ${line:-FAIL no comparison (see study.log)}"
  grep -E "^study on|tok/s" "$OUT/study.log" | sed 's/^/   /' | tee -a "$SUMMARY"
else
  result "c study: FAIL infobound not built"
fi

# ---- 3e. the same study with 2 ranks sharing its unit (mpirun) on $DEVICE vs check c's single rank -----
note "check e: study on 2 MPI ranks (ranks_per_unit 2) on $DEVICE vs 1 rank"
if [ -z "$INFOBOUND" ] || [ ! -f "$WORK/run-dev/metrics.csv" ]; then
  result "e study on 2 ranks: SKIP (check c has no metrics.csv to compare with)"
elif ! command -v mpirun >/dev/null; then
  result "e study on 2 ranks: SKIP (no mpirun on this machine)"
else
  {
    rm -rf "$WORK/run-ranks"
    sed 's/^  device: .*/&\n  ranks_per_unit: 2/' "$WORK/study-dev.yaml" > "$WORK/study-ranks.yaml"
    t0=$SECONDS
    "$INFOBOUND" plan --config "$WORK/study-ranks.yaml" --out "$WORK/run-ranks" &&
      timeout 300 mpirun -np 2 --bind-to none "$INFOBOUND" extract --run "$WORK/run-ranks" &&
      "$INFOBOUND" reduce --run "$WORK/run-ranks"
    echo "study on 2 ranks: exit $?, $((SECONDS - t0)) s"
    # Both ranks compute batches of the same plan on the same GPU: the exact sums must agree bit for bit.
    "$PY" "$ROOT/scripts/cuda_check_compare.py" compare-csv "$WORK/run-ranks/metrics.csv" "$WORK/run-dev/metrics.csv" 0
  } > "$OUT/ranks.log" 2>&1
  line=$(grep '^RESULT' "$OUT/ranks.log" | tail -1)
  line=${line#RESULT }
  result "e study metrics.csv (2 ranks vs 1, both $DEVICE): ${line:-FAIL no comparison (see ranks.log)}"
  grep -E "^study on|device " "$OUT/ranks.log" | sed 's/^/   /' | tee -a "$SUMMARY"
fi

# ---- 3d. forward throughput: a Pythia-160M-sized model, batch 8 x 512 -------------------------------
note "check d: infobound bench forward on $DEVICE"
if [ -n "$INFOBOUND" ] && [ -x "$BUILD/bench/models/bench_models_forward" ]; then
  {
    "$BUILD/bench/models/bench_models_forward" --write-models "$WORK/bench-models"
    for dev in "$DEVICE" cpu; do
      echo "--- $dev"
      timeout 180 "$INFOBOUND" bench forward --model "$WORK/bench-models/pythia-160m" --device "$dev" \
        --batch "${BENCH_BATCH:-8}" --length "${BENCH_LENGTH:-512}" --reps 3 --threads "$JOBS" > "$WORK/bench-$dev.json"
      cat "$WORK/bench-$dev.json"
    done
  } > "$OUT/bench.log" 2>&1
  for dev in "$DEVICE" cpu; do
    tps=$(grep -oP '"tokens_per_second": \K[0-9.e+]+' "$WORK/bench-$dev.json" 2>/dev/null)
    if [ -n "$tps" ]; then figure="$(printf '%.0f' "$tps") tokens/s"; else figure="FAIL (see bench.log)"; fi
    result "d bench forward pythia-160m ${BENCH_BATCH:-8}x${BENCH_LENGTH:-512} on $dev: $figure"
  done
else
  result "d bench forward: SKIP (infobound or bench_models_forward not built)"
fi

# ---- 4. the rest of the tree, so that every compile error of this libtorch shows -----------------------
if [ "${INFOBOUND_CHECK_SKIP_BUILD:-0}" != 1 ] && [ "$configured" = 1 ]; then
  note "build everything else (ninja -k 0, at most ${FULL_BUILD_SECONDS:-150} s)"
  timeout "${FULL_BUILD_SECONDS:-150}" nice ninja -C "$BUILD" -k 0 -j"$JOBS" >> "$WORK/build.log" 2>&1
  rc=$?
  errors=$(grep -c 'error:' "$WORK/build.log")
  failed=$(grep -oP '^FAILED: \K\S+' "$WORK/build.log" | sort -u | wc -l)
  result "build all (ninja -k 0): exit $rc$([ "$rc" = 124 ] && echo ' (time limit)'), $failed failed outputs, $errors 'error:' lines"
fi
[ -f "$WORK/configure.log" ] && cat "$WORK/configure.log" "$WORK/build.log" > "$OUT/build.log" 2>/dev/null
note "done"
cat "$SUMMARY"
! grep -qE ': FAIL|FAIL ' "$SUMMARY"
}
main "$@"
exit $?
