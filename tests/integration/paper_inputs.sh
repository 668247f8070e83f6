#!/usr/bin/env bash
# The paper study's inputs as they come (issue #16): the dry run of configs/paper-cross-family.yaml
# lists every checkpoint with its hub source (SmolLM2's intermediate checkpoints from their own
# repositories), and `regress` names the benchmark file in its complaints.
source "$(dirname "$0")/common.sh"

note "plan --dry-run of the paper config (nothing cached: every checkpoint is listed, none resolved)"
mkdir -p "$WORK/empty-hub"
HF_HUB_CACHE=$WORK/empty-hub "$INFOBOUND" plan --dry-run --config "$SOURCE_DIR/configs/paper-cross-family.yaml" > "$WORK/dry.out" 2> "$WORK/dry.err" ||
  { cat "$WORK/dry.err" >&2; fail "dry run failed"; }
for line in \
  "checkpoint smollm2-1.7b step-125000 <- HuggingFaceTB/SmolLM2-1.7B-intermediate-checkpoints@step-125000" \
  "checkpoint smollm2-135m step-240000 <- HuggingFaceTB/SmolLM2-135M-intermediate-checkpoints@step-240000" \
  "checkpoint smollm2-1.7b final <- HuggingFaceTB/SmolLM2-1.7B@main" \
  "checkpoint olmo2-1b stage1-step1907359-tokens4001B <- allenai/OLMo-2-0425-1B@stage1-step1907359-tokens4001B" \
  "checkpoint olmo2-7b stage1-step928646-tokens3896B <- allenai/OLMo-2-1124-7B@stage1-step928646-tokens3896B" \
  "checkpoint pythia-12b step143000 <- EleutherAI/pythia-12b@step143000"; do
  grep -qF "$line" "$WORK/dry.out" || fail "dry run does not list: $line"
done
checkpoints=$(grep -c '^checkpoint ' "$WORK/dry.out")
units=$(sed -n 's/^study [^:]*: \([0-9]*\) units.*/\1/p' "$WORK/dry.out")
# One unit per checkpoint, or several when its layers are split into groups that fit the budget.
[ "$units" -ge "$checkpoints" ] || fail "$checkpoints checkpoints listed for $units units"
note "$checkpoints checkpoints listed with their sources"

note "regress: a string score is an error naming the file and the key"
mkdir -p "$WORK/run"
cat > "$WORK/run/metrics.csv" <<'CSV'
model,family,checkpoint,step,tokens_seen,params,layer,n_layers,optimality_1,complexity_1,expressivity_1,preference
a,f,final,,1000,100,1,1,0.5,0.1,0.2,
CSV
echo '{"results": {"arc_easy": {"acc": "0.61"}}, "config": {"model_args": "pretrained=x/a"}}' > "$WORK/string.json"
set +e
"$INFOBOUND" regress --run "$WORK/run" --benchmarks "$WORK/string.json" > "$WORK/string.out" 2> "$WORK/string.err"
status=$?
set -e
[ "$status" -eq 2 ] || fail "string score: exit $status, expected 2"
grep -qF "$WORK/string.json: results.arc_easy.acc is \"0.61\"" "$WORK/string.err" || { cat "$WORK/string.err" >&2; fail "string score: message"; }

note "regress: rows for unknown models name the benchmark file"
printf 'model,arc\nsomeone/unknown,0.5\n' > "$WORK/scores.csv"
set +e
"$INFOBOUND" regress --run "$WORK/run" --benchmarks "$WORK/scores.csv" > "$WORK/unknown.out" 2> "$WORK/unknown.err"
set -e
grep -qF "1 of 1 rows of $WORK/scores.csv match no checkpoint" "$WORK/unknown.err" || { cat "$WORK/unknown.err" >&2; fail "unknown model: message"; }
grep -qF "scores.csv:2 someone/unknown" "$WORK/unknown.err" || fail "unknown model: the row is not named"

note "regress on a planned run: hub ids from plan.json and the study config, benchmark file from its benchmarks: section"
commit=0123456789abcdef0123456789abcdef01234567
mkdir -p "$WORK/hub/models--Org--Tiny/refs" "$WORK/hub/models--Org--Tiny/snapshots"
echo "$commit" > "$WORK/hub/models--Org--Tiny/refs/main"
ln -s "$SOURCE_DIR/data/tinystories-656k" "$WORK/hub/models--Org--Tiny/snapshots/$commit"
printf 'One short document.\n\nAnother one.\n' > "$WORK/corpus.txt"
printf 'model,arc\norg/tiny,0.5\nOrg/Other,0.4\n' > "$WORK/hub-scores.csv"
cat > "$WORK/hub-study.yaml" <<'YAML'
study: hub-join
models:
  - {name: tiny, hub: Org/Tiny}
corpus:
  sources:
    - {path: corpus.txt}
  max_length: 16
benchmarks:
  - {name: scores, path: hub-scores.csv}
YAML
HF_HUB_CACHE=$WORK/hub "$INFOBOUND" plan --config "$WORK/hub-study.yaml" --out "$WORK/hub-run" > "$WORK/hub-plan.out" 2>&1 ||
  { cat "$WORK/hub-plan.out" >&2; fail "plan of the hub study failed"; }
grep -qF '"reference": "Org/Tiny@main"' "$WORK/hub-run/plan.json" || fail "plan.json lacks the hub reference"
cat > "$WORK/hub-run/metrics.csv" <<'CSV'
model,family,checkpoint,step,tokens_seen,params,layer,n_layers,optimality_1,complexity_1,expressivity_1,preference
tiny,tiny,main,,1000,656000,1,1,0.5,0.1,0.2,
CSV
set +e
"$INFOBOUND" regress --run "$WORK/hub-run" > "$WORK/hub-regress.out" 2> "$WORK/hub-regress.err"
set -e
grep -qF "1 of 2 benchmark rows matched" "$WORK/hub-regress.out" || { cat "$WORK/hub-regress.out" "$WORK/hub-regress.err" >&2; fail "hub join: expected 1 of 2 rows matched"; }
grep -q '^org/tiny,.*,tiny,main,matched,"same id' "$WORK/hub-run/regression/matches.csv" || { cat "$WORK/hub-run/regression/matches.csv" >&2; fail "hub join: org/tiny not matched by hub id"; }
grep -qF "rows of $WORK/hub-scores.csv match no checkpoint" "$WORK/hub-regress.err" || fail "hub join: the unmatched row does not name the benchmark file"

note "Tulu 3 chat-message pairs and the same pairs as HH-RLHF strings give the same metrics.csv"
cat > "$WORK/tulu.jsonl" <<'JSONL'
{"id": "a-1", "prompt": "What is 2+2?", "chosen": [{"content": "What is 2+2?", "role": "user"}, {"content": "2+2 is 4.", "role": "assistant"}], "rejected": [{"content": "What is 2+2?", "role": "user"}, {"content": "It is 5, I think.", "role": "assistant"}], "source": "test"}
{"id": "a-2", "prompt": "Name a colour.", "chosen": [{"content": "Be brief.", "role": "system"}, {"content": "Name a colour.", "role": "user"}, {"content": "Blue.", "role": "assistant"}], "rejected": [{"content": "Be brief.", "role": "system"}, {"content": "Name a colour.", "role": "user"}, {"content": "I like many colours, for instance blue.", "role": "assistant"}], "source": "test"}
{"id": "a-3", "prompt": "Hi", "chosen": [{"content": "Hi", "role": "user"}, {"content": "Hello!", "role": "assistant"}, {"content": "Bye", "role": "user"}, {"content": "Goodbye, take care.", "role": "assistant"}], "rejected": [{"content": "Hi", "role": "user"}, {"content": "Hello!", "role": "assistant"}, {"content": "Bye", "role": "user"}, {"content": "Whatever.", "role": "assistant"}], "source": "test"}
JSONL
cat > "$WORK/hh.jsonl" <<'JSONL'
{"chosen": "\n\nHuman: What is 2+2?\n\nAssistant: 2+2 is 4.", "rejected": "\n\nHuman: What is 2+2?\n\nAssistant: It is 5, I think."}
{"chosen": "\n\nSystem: Be brief.\n\nHuman: Name a colour.\n\nAssistant: Blue.", "rejected": "\n\nSystem: Be brief.\n\nHuman: Name a colour.\n\nAssistant: I like many colours, for instance blue."}
{"chosen": "\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Bye\n\nAssistant: Goodbye, take care.", "rejected": "\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Bye\n\nAssistant: Whatever."}
JSONL
for form in tulu hh; do
  cat > "$WORK/pref-$form.yaml" <<YAML
study: pref-$form
models:
  - {name: tiny, path: $SOURCE_DIR/data/tinystories-656k}
corpus:
  sources:
    - {name: pairs, format: preference_jsonl, path: $form.jsonl}
  max_length: 64
estimator: {n_bins: 16, orders: [1, 2], layers: all}
runtime: {batch_size: 4, threads: 1}
YAML
  "$INFOBOUND" run --no-analysis --config "$WORK/pref-$form.yaml" --out "$WORK/pref-$form" > "$WORK/pref-$form.out" 2>&1 ||
    { cat "$WORK/pref-$form.out" >&2; fail "run on the $form pairs failed"; }
done
cmp "$WORK/pref-tulu/metrics.csv" "$WORK/pref-hh/metrics.csv" || fail "Tulu and HH-RLHF forms of the same pairs give different metrics.csv"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "preference") c = i } NR > 1 && $c == "" { bad = 1 } END { exit bad || !c }' "$WORK/pref-tulu/metrics.csv" ||
  fail "metrics.csv has no preference values"

echo "PASS: paper inputs (dry-run sources, regress by hub id and its messages, Tulu = HH-RLHF)"
