#!/usr/bin/env bash
# Fuzz-style property test: randomly damaged copies of good inputs of every kind infobound reads,
# fed to the real binary. Each case must end in exit 0, or exit 2 with one error line that names
# a file; never a signal, a hang, "internal error", or a result file under its final name.
# FUZZ_CASES (per input kind, default 4) and FUZZ_SEED (default 1) size and vary the run; the
# case that failed is kept under $WORK/failed with the command that reproduces it.
source "$(dirname "$0")/common.sh"
CASES=${FUZZ_CASES:-4}
SEED=${FUZZ_SEED:-1}
LIMIT=${FUZZ_TIMEOUT:-60}
DAMAGE="python3 $SOURCE_DIR/tests/integration/damage.py"
command -v python3 > /dev/null || { echo "SKIP: python3 not found"; exit 77; }
MODEL=$SOURCE_DIR/data/tinystories-656k
SHARED=${INFOBOUND_SHARED_DIR:-$SOURCE_DIR/../shared}
mkdir -p "$WORK/good" "$WORK/failed"
failures=0 total=0 accepted=0 refused=0

# A forward input: input_ids [2, 8] int64 in safetensors.
python3 - "$WORK/good/ids.safetensors" <<'PY'
import json, struct, sys
ids = [(7 * i + 3) % 500 for i in range(16)]
header = json.dumps({"input_ids": {"dtype": "I64", "shape": [2, 8], "data_offsets": [0, 128]}}).encode()
header += b" " * (-len(header) % 8)
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<Q", len(header)) + header + struct.pack("<16q", *ids))
PY
head -n 40 "$SOURCE_DIR/data/corpus/hh-rlhf-harmless-base-test-200.jsonl" > "$WORK/good/pairs.jsonl"
head -n 300 "$SOURCE_DIR/data/corpus/tinyshakespeare.txt" > "$WORK/good/text.txt"
python3 - "$WORK/good/pairs.jsonl" "$WORK/good/texts.jsonl" <<'PY'
import json, sys
with open(sys.argv[1]) as f, open(sys.argv[2], "w") as out:
    for line in f:
        out.write(json.dumps({"text": json.loads(line)["chosen"]}) + "\n")
PY
study() {  # model dir, text corpus, pairs corpus
  cat <<YAML
study: fuzz
models:
  - name: m
    path: $1
corpus:
  sources:
    - {name: text, format: text, path: $2, max_documents: 40}
    - {name: pairs, format: preference_jsonl, path: $3, max_documents: 20}
  max_length: 48
estimator:
  n_bins: 20
  orders: [1, 2]
  layers: [0, -1]
runtime:
  batch_size: 8
  threads: 1
YAML
}
study "$MODEL" "$WORK/good/text.txt" "$WORK/good/pairs.jsonl" > "$WORK/good/study.yaml"

# check NAME DAMAGED_FILE FINAL_OUTPUT -- COMMAND...: runs one case and judges it.
check() {
  local name=$1 damaged=$2 final=$3 what=$4
  shift 5
  total=$((total + 1))
  rm -f "$final"
  local status=0
  timeout -k 5 "$LIMIT" "$@" > "$WORK/case.out" 2> "$WORK/case.err" || status=$?
  local verdict=""
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then verdict="hang (over ${LIMIT}s)"
  elif [ "$status" -gt 128 ]; then verdict="killed by signal $((status - 128))"
  elif grep -q "internal error" "$WORK/case.err"; then verdict="internal error"
  elif [ "$status" -eq 0 ]; then accepted=$((accepted + 1))
  elif [ "$status" -ne 2 ]; then verdict="exit status $status"
  else
    refused=$((refused + 1))
    local lines
    lines=$(grep -c ": error: " "$WORK/case.err" || true)
    if [ "$lines" -ne 1 ]; then verdict="$lines error lines"
    elif ! grep ": error: " "$WORK/case.err" | grep -q -e "$(basename "$damaged")" -e "$WORK" -e "$SOURCE_DIR" -e ": error: .*/"; then
      verdict="the error names no file"
    elif [ "$(wc -l < "$WORK/case.err")" -gt 40 ]; then verdict="$(wc -l < "$WORK/case.err") lines of stderr"
    elif [ -e "$final" ]; then verdict="exit 2 but $final was written"
    fi
  fi
  if [ -n "$verdict" ]; then
    failures=$((failures + 1))
    local keep="$WORK/failed/$name"
    mkdir -p "$keep"
    cp -r "$damaged" "$keep/" 2> /dev/null || true
    printf '%q ' "$@" > "$keep/command"
    cp "$WORK/case.err" "$keep/stderr"
    echo "FAIL $name ($what): $verdict" >&2
    tail -n 3 "$WORK/case.err" | sed 's/^/    /' >&2
  fi
}

case_seed() { echo $((SEED * 100003 + $1 * 1009 + $2)); }

# 1-2. A model directory with a damaged config.json or model.safetensors: hidden-states.
for i in $(seq 1 "$CASES"); do
  for file in config.json model.safetensors; do
    dir=$WORK/model-$file-$i
    mkdir -p "$dir" && cp "$MODEL"/* "$dir/"
    what=$($DAMAGE "$MODEL/$file" "$dir/$file" "$(case_seed $i ${#file})")
    check "model-$file-$i" "$dir/$file" "$WORK/hidden.safetensors" "$what" -- \
      "$INFOBOUND" hidden-states --model "$dir" --input "$WORK/good/ids.safetensors" --output "$WORK/hidden.safetensors" --threads 1
    rm -rf "$dir"
  done
done

# 3. A damaged tokenizer.json: tokenize a text.
for i in $(seq 1 "$CASES"); do
  what=$($DAMAGE "$MODEL/tokenizer.json" "$WORK/tokenizer.json" "$(case_seed $i 3)")
  check "tokenizer-$i" "$WORK/tokenizer.json" "$WORK/none" "$what" -- \
    "$INFOBOUND" tokenize --tokenizer "$WORK/tokenizer.json" --text "Once upon a time, a cat sat on the mat."
done

# 4. A damaged JSONL corpus: tokenize it record by record.
for i in $(seq 1 "$CASES"); do
  what=$($DAMAGE "$WORK/good/texts.jsonl" "$WORK/texts.jsonl" "$(case_seed $i 4)")
  check "jsonl-$i" "$WORK/texts.jsonl" "$WORK/none" "$what" -- "$INFOBOUND" tokenize --tokenizer "$MODEL" --jsonl "$WORK/texts.jsonl"
done

# 5-7. A damaged study config, text corpus or preference corpus: plan a run.
for i in $(seq 1 "$CASES"); do
  what=$($DAMAGE "$WORK/good/study.yaml" "$WORK/study.yaml" "$(case_seed $i 5)")
  rm -rf "$WORK/plan"
  check "study-$i" "$WORK/study.yaml" "$WORK/plan/plan.json" "$what" -- "$INFOBOUND" plan --config "$WORK/study.yaml" --out "$WORK/plan"
  what=$($DAMAGE "$WORK/good/text.txt" "$WORK/text.txt" "$(case_seed $i 6)")
  what="$what; "$($DAMAGE "$WORK/good/pairs.jsonl" "$WORK/pairs.jsonl" "$(case_seed $i 7)")
  study "$MODEL" "$WORK/text.txt" "$WORK/pairs.jsonl" > "$WORK/corpus-study.yaml"
  rm -rf "$WORK/plan"
  check "corpus-$i" "$WORK/pairs.jsonl" "$WORK/plan/plan.json" "$what" -- "$INFOBOUND" plan --config "$WORK/corpus-study.yaml" --out "$WORK/plan"
done

# 8. A damaged estimate case (the shared soft-entropy fixture, when present).
estimate_case=$SHARED/fixtures/soft_entropy/cases/case_01.h5
if [ -f "$estimate_case" ]; then
  for i in $(seq 1 "$CASES"); do
    what=$($DAMAGE "$estimate_case" "$WORK/case.h5" "$(case_seed $i 8)")
    check "estimate-$i" "$WORK/case.h5" "$WORK/none" "$what" -- "$INFOBOUND" estimate --input "$WORK/case.h5"
  done
else
  note "no $estimate_case: estimate cases skipped"
fi

# 9-10. A finished run with a damaged unit file (reduce) or token cache (plan again, then reduce).
"$INFOBOUND" run --no-analysis --config "$WORK/good/study.yaml" --out "$WORK/run" > "$WORK/run.out" 2> "$WORK/run.err" ||
  { cat "$WORK/run.err" >&2; fail "the good run failed"; }
mv "$WORK/run/metrics.csv" "$WORK/good/metrics.csv"
for i in $(seq 1 "$CASES"); do
  rm -rf "$WORK/damaged-run" && cp -r "$WORK/run" "$WORK/damaged-run"
  units=("$WORK"/damaged-run/units/*.h5)
  unit=${units[$((i % ${#units[@]}))]}
  what=$($DAMAGE "$WORK/run/units/$(basename "$unit")" "$unit" "$(case_seed $i 9)")
  check "unit-$i" "$unit" "$WORK/damaged-run/metrics.csv" "$what" -- "$INFOBOUND" reduce --run "$WORK/damaged-run"
  if [ -f "$WORK/damaged-run/metrics.csv" ] && ! cmp -s "$WORK/damaged-run/metrics.csv" "$WORK/good/metrics.csv"; then
    failures=$((failures + 1)) && echo "FAIL unit-$i ($what): exit 0 with other numbers than the intact run" >&2
  fi
  rm -rf "$WORK/damaged-run" && cp -r "$WORK/run" "$WORK/damaged-run"
  caches=("$WORK"/damaged-run/corpus/*.h5)
  what=$($DAMAGE "$WORK/run/corpus/$(basename "${caches[0]}")" "${caches[0]}" "$(case_seed $i 10)")
  check "token-cache-$i" "${caches[0]}" "$WORK/none" "$what" -- \
    "$INFOBOUND" plan --config "$WORK/good/study.yaml" --out "$WORK/damaged-run"
done

note "fuzz: $total cases (seed $SEED): $accepted accepted, $refused refused with one error line, $failures failed"
[ "$failures" -eq 0 ] || fail "$failures damaged inputs were mishandled (kept under $WORK/failed; KEEP_WORK=1 keeps it)"
echo "PASS: $total damaged inputs: exit 0, or exit 2 with one line naming a file"
