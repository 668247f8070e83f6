#!/usr/bin/env bash
# A truncated unit file and one from another config are detected, never merged, and recomputed.
source "$(dirname "$0")/common.sh"
reference_run
run=$WORK/corrupt
cp -r "$WORK/reference" "$run"
sed -i "s|$WORK/reference|$run|g" "$run/plan.json" 2>/dev/null || true
units=("$run"/units/*.h5)
truncate -s 2000 "${units[1]}"
# A unit file of the same name computed under another config (another n_bins): a foreign hash.
sed 's/n_bins: 100/n_bins: 50/' "$CONFIG" > "$WORK/other.yaml"
sed -i "s|\.\./\.\./data|$SOURCE_DIR/data|" "$WORK/other.yaml"
"$INFOBOUND" run --no-analysis --config "$WORK/other.yaml" --out "$WORK/other" > /dev/null 2>&1 || fail "other-config run failed"
cp "$WORK/other/units/$(basename "${units[3]}")" "${units[3]}"
if "$INFOBOUND" reduce --run "$run" > /dev/null 2> "$WORK/reduce.err"; then fail "reduce merged corrupt units"; fi
grep -q "2 of 6 units are not finished or not usable" "$WORK/reduce.err" || { cat "$WORK/reduce.err" >&2; fail "reduce did not name the bad units"; }
grep -q "config hash" "$WORK/reduce.err" || fail "foreign unit not reported by its config hash"
"$INFOBOUND" extract --run "$run" > "$WORK/extract.out" 2> "$WORK/extract.err" || { cat "$WORK/extract.err" >&2; fail "extract failed"; }
grep -q "^extract: 2 units computed (2 replaced an unusable file), 4 already complete" "$WORK/extract.out" ||
  { cat "$WORK/extract.out" >&2; fail "extract did not recompute exactly the 2 bad units"; }
grep -q "will be recomputed" "$WORK/extract.err" || fail "recomputation not logged"
"$INFOBOUND" reduce --run "$run" > /dev/null 2>&1 || fail "reduce failed after repair"
cmp "$WORK/reference/metrics.csv" "$run/metrics.csv" || fail "metrics differ after recomputing corrupt units"
echo "PASS: truncated and foreign unit files detected, not merged, recomputed; identical metrics"
