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
