#!/usr/bin/env bash
# A model with unreadable weights among good ones: its units fail and are recorded, the good
# units all finish, extract exits 4 naming the failures; reduce refuses (naming them) unless
# --allow-incomplete, which marks the run incomplete; after the weights are fixed, a rerun
# retries exactly the failed units and the result is complete and equal to a plain run.
source "$(dirname "$0")/common.sh"
reference_run
cp -r "$SOURCE_DIR/data/tinystories-656k" "$WORK/broken"
truncate -s 100 "$WORK/broken/model.safetensors"
absolute_config "$WORK/two.yaml"
# A third model (same tokenizer) after the two good ones. Its weights cannot even be inspected, so the
# plan keeps it as one unit (no layer groups), which comes last and fails alone.
sed -i "/^corpus:/i\\  - name: broken\\n    family: tinystories\\n    path: $WORK/broken\\n    params: 656000" "$WORK/two.yaml"
run=$WORK/failing
"$INFOBOUND" extract --config "$WORK/two.yaml" --out "$run" > "$WORK/first.out" 2> "$WORK/first.err" && status=0 || status=$?
[ "$status" -eq 4 ] || { cat "$WORK/first.err" >&2; fail "extract with a broken model: exit $status, expected 4"; }
grep -q "finished with 1 failed unit: broken__" "$WORK/first.err" || { tail "$WORK/first.err" >&2; fail "no 'finished with 1 failed unit' message"; }
note "$(grep 'finished with' "$WORK/first.err" | cut -c1-200)..."
[ "$(complete_units "$run")" -eq 6 ] || fail "the good model's 6 units did not all finish"
[ "$(find "$run/failures" -name 'broken__*.json' | wc -l)" -eq 1 ] || fail "expected 1 failure record"
record=$(ls "$run"/failures/broken__final.json)
for key in unit reason message host time; do
  [ "$(jq -r ".$key" "$record")" != "" ] && [ "$(jq -r ".$key" "$record")" != null ] || fail "failure record lacks '$key'"
done
jq -r .message "$record" | grep -q "model.safetensors" || { cat "$record" >&2; fail "the failure message does not name the weights file"; }
note "failure record: $(jq -c '{reason, message: .message[0:120]}' "$record")"
[ "$(status_field "$run" '.failed')" -eq 1 ] && [ "$(status_field "$run" '.done')" -eq 6 ] || fail "status does not show 6 done, 1 failed"

# reduce: refuses by default, naming the failed units and why; --allow-incomplete marks the run.
if "$INFOBOUND" reduce --run "$run" > /dev/null 2> "$WORK/reduce.err"; then fail "reduce accepted a run with failed units"; fi
grep -q "1 of 7 units are not finished or not usable" "$WORK/reduce.err" && grep -q "broken__final (failed: " "$WORK/reduce.err" ||
  { cat "$WORK/reduce.err" >&2; fail "reduce did not name the failed units and their reason"; }
"$INFOBOUND" reduce --run "$run" --allow-incomplete > "$WORK/partial.out" 2>&1 || { cat "$WORK/partial.out" >&2; fail "reduce --allow-incomplete failed"; }
grep -q "INCOMPLETE run: 1 units left out" "$WORK/partial.out" || fail "reduce --allow-incomplete did not say the run is incomplete"
head -1 "$run/metrics.csv" | grep -q ",incomplete_run$" || fail "metrics.csv lacks the incomplete_run column"
cut -d, -f1-36 "$run/metrics.csv" | cmp - "$WORK/reference/metrics.csv" || fail "the complete model's rows differ from a plain run"
h5dump -a /complete "$run/results.h5" | grep -q "(0): 0" || fail "results.h5 not marked complete = 0"
"$INFOBOUND" report --run "$run" > /dev/null 2>&1 || fail "report on an incomplete run failed"
grep -q "Incomplete run" "$run/report.md" || fail "the report does not say the run is incomplete"

# Fixed weights: the rerun retries exactly the failed units.
cp "$SOURCE_DIR/data/tinystories-656k/model.safetensors" "$WORK/broken/model.safetensors"
"$INFOBOUND" extract --run "$run" > "$WORK/second.out" 2> "$WORK/second.err" || { cat "$WORK/second.err" >&2; fail "rerun failed"; }
grep -q "^extract: 1 units computed (0 replaced an unusable file), 6 already complete" "$WORK/second.out" ||
  { cat "$WORK/second.out" >&2; fail "the rerun did not retry exactly the failed unit"; }
[ -z "$(ls -A "$run/failures")" ] || fail "failure records left after the units succeeded"
"$INFOBOUND" reduce --run "$run" > /dev/null 2>&1 || fail "reduce after the rerun failed"
head -1 "$run/metrics.csv" | grep -q incomplete_run && fail "a complete run still marked incomplete"
h5dump -a /complete "$run/results.h5" | grep -q "(0): 1" || fail "results.h5 not marked complete = 1"
# Both models read the same weights now: identical rows apart from the model name.
[ "$(grep -c '^broken,' "$run/metrics.csv")" -eq 3 ] || fail "no rows for the repaired model"
diff <(grep '^broken,' "$run/metrics.csv" | cut -d, -f2-) <(grep '^tinystories-656k,' "$run/metrics.csv" | cut -d, -f2-) > /dev/null ||
  fail "the repaired model's rows differ from the same weights under another name"
echo "PASS: a broken model's units fail alone (exit 4, recorded), reduce names them, --allow-incomplete marks the run, a rerun completes it"
