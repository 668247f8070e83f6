#!/usr/bin/env bash
# Bad inputs: each gives one clear error line and exit code 2, and no finished unit is lost.
source "$(dirname "$0")/common.sh"
data=$SOURCE_DIR/data
mkdir -p "$WORK/in"
base() {  # a valid config whose model and corpus lines can be swapped
  cat <<YAML
models:
  - name: m
    ${MODEL_LINE:-path: $data/tinystories-656k}
corpus:
  sources:
    - {format: text, path: ${CORPUS:-$data/corpus/tinyshakespeare.txt}, max_documents: 50}
  max_length: 64
  add_special_tokens: true
${EXTRA:-}
YAML
}

# A model that cannot be read fails its own unit (recorded in RUN/failures, exit 4), never a signal
# or a number; the message names the file.
expect_unit_failure() {  # name, expected text, config file
  local name=$1 expected=$2 config=$3 out=$WORK/$1
  "$INFOBOUND" run --no-analysis --config "$config" --out "$out" > "$out.stdout" 2> "$out.stderr" && status=0 || status=$?
  [ "$status" -eq 4 ] || { cat "$out.stderr" >&2; fail "$name: exit status $status, expected 4 (a failed unit)"; }
  grep -q -- "$expected" "$out.stderr" || { cat "$out.stderr" >&2; fail "$name: message lacks '$expected'"; }
  ls "$out/failures/"*.json > /dev/null 2>&1 || fail "$name: no failure record"
  note "$name: exit 4, $(grep -m1 -- "$expected" "$out.stderr" | cut -c1-160)"
}

expect_error() {  # name, expected text, config file
  local name=$1 expected=$2 config=$3 out=$WORK/$1
  "$INFOBOUND" run --no-analysis --config "$config" --out "$out" > "$out.stdout" 2> "$out.stderr" && status=0 || status=$?
  [ "$status" -eq 2 ] || { cat "$out.stderr" >&2; fail "$name: exit status $status, expected 2"; }
  errors=$(grep -c "error" "$out.stderr" || true)
  [ "$errors" -eq 1 ] || { cat "$out.stderr" >&2; fail "$name: expected exactly one error line, got $errors"; }
  grep -q -- "$expected" "$out.stderr" || { cat "$out.stderr" >&2; fail "$name: message lacks '$expected'"; }
  note "$name: $(grep error "$out.stderr")"
}

MODEL_LINE="path: $WORK/no-such-model" base > "$WORK/in/missing-model.yaml"
expect_error missing-model "no-such-model: model directory not found" "$WORK/in/missing-model.yaml"

mkdir -p "$WORK/hub/models--Org--Tiny/refs" "$WORK/hub/models--Org--Tiny/snapshots/0123456789abcdef0123456789abcdef01234567"
echo 0123456789abcdef0123456789abcdef01234567 > "$WORK/hub/models--Org--Tiny/refs/main"
MODEL_LINE="hub: Org/Tiny@step1000" base > "$WORK/in/revision.yaml"
HF_HUB_CACHE=$WORK/hub expect_error revision "revision 'step1000' is not in the Hugging Face cache" "$WORK/in/revision.yaml"

printf '\n\n   \n' > "$WORK/in/empty.txt"
CORPUS=$WORK/in/empty.txt base > "$WORK/in/empty.yaml"
expect_error empty-corpus "the corpus is empty" "$WORK/in/empty.yaml"

EXTRA=$'estimator:\n  n_binz: 10' base > "$WORK/in/typo.yaml"
expect_error yaml-typo "typo.yaml:10:3: unknown key 'n_binz' in estimator (did you mean 'n_bins'?" "$WORK/in/typo.yaml"

base | sed 's/^  add_special_tokens: true$/  shards: 3/' > "$WORK/in/shards.yaml"
expect_error corpus-shards "shards.yaml:8:11: corpus.shards was removed" "$WORK/in/shards.yaml"

printf 'Good text here.\n\nBad \xc3\x28 bytes.\n' > "$WORK/in/bad-utf8.txt"
CORPUS=$WORK/in/bad-utf8.txt base > "$WORK/in/utf8.yaml"
expect_error invalid-utf8 "bad-utf8.txt document 1 (line 3): invalid UTF-8 at byte offset 4" "$WORK/in/utf8.yaml"
CORPUS=$WORK/in/bad-utf8.txt EXTRA=$'  invalid_utf8: replace' base > "$WORK/in/utf8-replace.yaml"
sed -i 's/^  invalid_utf8: replace$//' "$WORK/in/utf8-replace.yaml"
sed -i 's/^  add_special_tokens: true$/  add_special_tokens: true\n  invalid_utf8: replace/' "$WORK/in/utf8-replace.yaml"
"$INFOBOUND" run --no-analysis --config "$WORK/in/utf8-replace.yaml" --out "$WORK/utf8-replace" > /dev/null 2> "$WORK/utf8-replace.err" ||
  { cat "$WORK/utf8-replace.err" >&2; fail "invalid_utf8: replace did not run"; }
grep -q "1 with invalid UTF-8 replaced" "$WORK/utf8-replace.err" || fail "replaced documents not reported"

# The study schema: duplicate keys, empty lists, unknown calibrations, absurd sizes, each at its line.
EXTRA=$'estimator:\n  orders: []' base > "$WORK/in/empty-orders.yaml"
expect_error empty-orders "empty-orders.yaml:10:11: estimator.orders: the list is empty" "$WORK/in/empty-orders.yaml"
EXTRA=$'estimator:\n  orders: [1, 9]' base > "$WORK/in/order9.yaml"
expect_error order-9 "order9.yaml:10:11: estimator.orders: order 9 is outside 1..8" "$WORK/in/order9.yaml"
EXTRA=$'estimator:\n  n_bins: 10\n  n_bins: 20' base > "$WORK/in/twice.yaml"
expect_error duplicate-key "twice.yaml:11:3: key 'n_bins' is given twice" "$WORK/in/twice.yaml"
EXTRA=$'estimator:\n  n_bins: 1000000000000' base > "$WORK/in/bins.yaml"
expect_error huge-n-bins "bins.yaml:10:11: estimator.n_bins must be in 2..65536 (got 1000000000000)" "$WORK/in/bins.yaml"
EXTRA=$'estimator:\n  calibration: exakt' base > "$WORK/in/calibration.yaml"
expect_error calibration "calibration.yaml:10:16: estimator.calibration 'exakt' is not one of" "$WORK/in/calibration.yaml"
EXTRA=$'estimator:\n  layers: [0, 40]' base > "$WORK/in/layers.yaml"
expect_error layer-index "layers.yaml:10:11: estimator.layers: layer 40 does not exist" "$WORK/in/layers.yaml"
MODEL_LINE=$'path: '"$data"$'/tinystories-656k\n    checkpoints:\n      - {steps: {from: 0, to: 100000000000, every: 1}, path: "ck/{step}"}' \
  base > "$WORK/in/steps.yaml"
expect_error step-series "models\[0\].checkpoints\[0\].steps: the series has 100000000001 steps" "$WORK/in/steps.yaml"

# Model directories whose config.json or weights cannot be right.
damaged_model() {  # name, python statement on `config` (a dict) or `weights` (a bytearray), offset `data` of the tensor bytes
  rm -rf "$WORK/$1" && cp -r "$data/tinystories-656k" "$WORK/$1"
  python3 - "$WORK/$1" "$2" <<'PY'
import json, struct, sys
directory, statement = sys.argv[1], sys.argv[2]
config = json.load(open(directory + "/config.json"))
weights = bytearray(open(directory + "/model.safetensors", "rb").read())
header = json.loads(weights[8:8 + struct.unpack("<Q", weights[:8])[0]])
data = 8 + struct.unpack("<Q", weights[:8])[0] + header["model.layers.1.mlp.up_proj.weight"]["data_offsets"][0]
exec(statement)
json.dump(config, open(directory + "/config.json", "w"))
open(directory + "/model.safetensors", "wb").write(weights)
PY
}
damaged_model huge-hidden 'config["hidden_size"] = 2 ** 40'
MODEL_LINE="path: $WORK/huge-hidden" base > "$WORK/in/huge-hidden.yaml"
expect_unit_failure huge-hidden "huge-hidden/config.json: key 'hidden_size' is 1099511627776, more than any model can have" "$WORK/in/huge-hidden.yaml"
damaged_model wide-hidden 'config["hidden_size"] = 2 ** 26'
MODEL_LINE="path: $WORK/wide-hidden" base > "$WORK/in/wide-hidden.yaml"
expect_unit_failure wide-hidden "but config.json needs \[2048, 67108864\]" "$WORK/in/wide-hidden.yaml"
damaged_model rope-zero 'config["rope_theta"] = 0'
MODEL_LINE="path: $WORK/rope-zero" base > "$WORK/in/rope-zero.yaml"
expect_unit_failure rope-zero "rope-zero/config.json: rope_theta must be a finite number > 0" "$WORK/in/rope-zero.yaml"
damaged_model nan-weight 'weights[data + 2:data + 4] = b"\xc0\x7f"'
MODEL_LINE="path: $WORK/nan-weight" base > "$WORK/in/nan-weight.yaml"
# Weights are read when extract reaches the unit: that unit fails alone (recorded, exit 4).
"$INFOBOUND" run --no-analysis --config "$WORK/in/nan-weight.yaml" --out "$WORK/nan-weight-run" > "$WORK/nan-weight.out" 2> "$WORK/nan-weight.err" &&
  status=0 || status=$?
[ "$status" -eq 4 ] || { cat "$WORK/nan-weight.err" >&2; fail "nan-weight: exit status $status, expected 4 (a failed unit)"; }
grep -q "nan-weight/model.safetensors: tensor 'model.layers.1.mlp.up_proj.weight' holds 1 NaN or infinite value" "$WORK/nan-weight.err" ||
  { cat "$WORK/nan-weight.err" >&2; fail "nan-weight: the failure does not name the file and tensor"; }
ls "$WORK/nan-weight-run/failures/"*.json > /dev/null 2>&1 || fail "nan-weight: no failure record"
note "nan-weight: exit 4, $(grep -c 'NaN or infinite' "$WORK/nan-weight.err") line(s) naming the tensor, failure recorded"

# Corpora: a directory where a file is expected, preference pairs without the response marker.
mkdir -p "$WORK/in/corpus-dir.txt"
CORPUS=$WORK/in/corpus-dir.txt base > "$WORK/in/corpus-dir.yaml"
expect_error corpus-directory "corpus-dir.txt: is a directory" "$WORK/in/corpus-dir.yaml"
printf '%s\n' '{"chosen": "User: hi\nBot: yes", "rejected": "User: hi\nBot: no"}' > "$WORK/in/pairs.jsonl"
CORPUS=$WORK/in/pairs.jsonl base | sed 's/format: text/format: preference_jsonl/' > "$WORK/in/marker.yaml"
expect_error no-marker "pairs.jsonl line 1: the pair's common prefix does not contain the response marker" "$WORK/in/marker.yaml"

# The command line: --out naming a file; inputs that fail inside a forward name the model.
base > "$WORK/in/plain.yaml"
touch "$WORK/in/out-file"
"$INFOBOUND" run --no-analysis --config "$WORK/in/plain.yaml" --out "$WORK/in/out-file" > /dev/null 2> "$WORK/out-file.err" && fail "--out FILE accepted"
grep -q "out-file: exists and is not a directory" "$WORK/out-file.err" || { cat "$WORK/out-file.err" >&2; fail "--out FILE: unclear message"; }
grep -q "internal error" "$WORK/out-file.err" && fail "--out FILE: internal error"
python3 - "$WORK/in/ids.safetensors" <<'PY'
import json, struct, sys
header = json.dumps({"input_ids": {"dtype": "I64", "shape": [1, 2], "data_offsets": [0, 16]}}).encode()
open(sys.argv[1], "wb").write(struct.pack("<Q", len(header)) + header + struct.pack("<2q", 5, 99999))
PY
"$INFOBOUND" hidden-states --model "$data/tinystories-656k" --input "$WORK/in/ids.safetensors" --output "$WORK/in/h.safetensors" \
  > /dev/null 2> "$WORK/ids.err" && fail "token id 99999 accepted"
[ "$(grep -c error "$WORK/ids.err")" -eq 1 ] || { cat "$WORK/ids.err" >&2; fail "token id: not one error line"; }
grep -q "tinystories-656k: input_ids hold token id 99999, outside the model's vocabulary \[0, 2048)" "$WORK/ids.err" ||
  { cat "$WORK/ids.err" >&2; fail "token id error does not name the model"; }
[ ! -e "$WORK/in/h.safetensors" ] || fail "hidden-states wrote its output after an error"

# No finished unit lost: a good run, then bad inputs against the same run directory.
base > "$WORK/in/good.yaml"
"$INFOBOUND" run --no-analysis --config "$WORK/in/good.yaml" --out "$WORK/good" > /dev/null 2>&1 || fail "good run failed"
sums=$(sha256sum "$WORK"/good/units/*.h5)
EXTRA=$'estimator:\n  n_binz: 10' base > "$WORK/in/good-typo.yaml"
if "$INFOBOUND" run --no-analysis --config "$WORK/in/good-typo.yaml" --out "$WORK/good" > /dev/null 2>&1; then fail "typo accepted"; fi
EXTRA=$'estimator:\n  n_bins: 10' base > "$WORK/in/other.yaml"
"$INFOBOUND" run --no-analysis --config "$WORK/in/other.yaml" --out "$WORK/good" > /dev/null 2> "$WORK/other.err" && fail "another config accepted in the same run directory"
grep -q "planned for another config" "$WORK/other.err" || { cat "$WORK/other.err" >&2; fail "no message for a foreign run directory"; }
[ "$sums" = "$(sha256sum "$WORK"/good/units/*.h5)" ] || fail "finished units changed after bad inputs"
echo "PASS: bad inputs give one error line and exit 2; finished units kept"
