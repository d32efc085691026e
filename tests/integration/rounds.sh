#!/bin/sh
# Rounds (doc/SPEC.md 3 and 5): judging two folders with the default paths gives two
# rounds; one writer per round (a second run on it exits 1 at once); reruns
# only add (a failed attempt never replaces an ok record, a change of model
# or prompt and --fresh keep numbered backups, --fresh restarts the playoff,
# a match is replayed only for the same model); a restarted `serve` shows a
# run still writing a round, and the page's child dies with its server.
set -eu
. "$(dirname "$0")/lib.sh"
make_workdir
cd "$WORK"
make_photos spring 4
make_photos autumn 3
start_sim --time-scale 0.01
FAST=$SIM_API
FAST_URL=$SIM_URL
# chat requests a simulator completed
requests_at() {
    curl -s "$1/metrics" | awk '/^vllm:request_success_total/ { s += $NF } END { printf "%d\n", s }'
}
COMMON="--quiet --concurrency 2"

# --- two folders, default paths: two rounds named after the folders -------------
# shellcheck disable=SC2086
"$JV" run -i spring --base-url "$FAST" $COMMON >/dev/null 2>err.txt || { cat err.txt; fail "spring"; }
# shellcheck disable=SC2086
"$JV" run -i autumn --base-url "$FAST" $COMMON >/dev/null 2>err.txt || { cat err.txt; fail "autumn"; }
[ "$(wc -l <outputs/results/spring.jsonl)" -eq 4 ] || fail "the spring round lost records"
[ "$(wc -l <outputs/results/autumn.jsonl)" -eq 3 ] || fail "no autumn round"
[ -s outputs/summaries/spring_summary.md ] && [ -s outputs/summaries/autumn_summary.md ] ||
    fail "summaries not per round"
[ -s outputs/logs/autumn.log ] || fail "log not per round"
[ -s outputs/cache/judge_vision_iqa.jsonl ] || fail "the shared IQA cache"
[ "$(json_get outputs/results/spring.metadata.json "j['round']['name']")" = spring ] ||
    fail "manifest round name"
# the same command again resumes its round and asks nothing
before=$(requests_at "$FAST_URL")
# shellcheck disable=SC2086
"$JV" run -i spring --base-url "$FAST" $COMMON >/dev/null 2>&1 || fail "spring rerun"
[ "$(requests_at "$FAST_URL")" -eq "$before" ] || fail "the rerun asked the server again"
[ ! -e outputs/results/spring-2.jsonl ] || fail "the rerun made a new round"
# another folder of the same name is another round
mkdir -p other && make_photos other/spring 2
# shellcheck disable=SC2086
"$JV" run -i other/spring --base-url "$FAST" $COMMON >/dev/null 2>&1 || fail "other/spring"
[ "$(wc -l <outputs/results/spring-2.jsonl)" -eq 2 ] || fail "same-named folder: no spring-2 round"
[ "$(wc -l <outputs/results/spring.jsonl)" -eq 4 ] || fail "same-named folder touched spring"
# --round names it; a bad name is a usage error
# shellcheck disable=SC2086
"$JV" run -i autumn --round club-night --base-url "$FAST" $COMMON >/dev/null 2>&1 || fail "--round"
[ "$(wc -l <outputs/results/club-night.jsonl)" -eq 3 ] || fail "--round club-night"
set +e
"$JV" run -i autumn --round ../x --base-url "$FAST" --quiet >/dev/null 2>err.txt
rc=$?
set -e
[ $rc -eq 2 ] || fail "--round ../x exited $rc"

# --- one writer per round -------------------------------------------------------
start_sim --time-scale 1
SLOW=$SIM_API
# shellcheck disable=SC2086
"$JV" run -i spring --round busy --base-url "$SLOW" --quiet --concurrency 1 >/dev/null 2>busy.err &
busy=$!
i=0
until [ -s outputs/results/busy.lock ]; do
    i=$((i + 1))
    [ $i -lt 200 ] || fail "the first run took no lock"
    sleep 0.05
done
t0=$(date +%s)
set +e
"$JV" run -i spring --round busy --base-url "$SLOW" --quiet >/dev/null 2>second.err
rc=$?
set -e
[ $rc -eq 1 ] || fail "a second writer exited $rc, want 1"
[ $(($(date +%s) - t0)) -le 3 ] || fail "the second writer was not refused at once"
grep -q "another judge-vision run (pid $busy) is writing busy" second.err ||
    fail "second writer: $(cat second.err)"

# --- a restarted serve shows the run writing a round ----------------------------
"$JV" serve --port 0 --outputs outputs >serve.out 2>serve.err &
serve=$!
i=0
while [ ! -s serve.out ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
URL=$(head -n 1 serve.out)
state=$(curl -s "${URL}api/run")
echo "$state" | grep -q '"running":true' || fail "serve does not show the running round: $state"
echo "$state" | grep -q "\"pid\":$busy" || fail "serve shows another pid: $state"
curl -s "${URL}api/runs" | grep -q '"name":"spring"' || fail "runs not listed by round name"
kill -TERM $serve
wait $serve || fail "serve exit"
kill -0 $busy 2>/dev/null || fail "stopping serve stopped a run it did not start"
kill -INT $busy
wait $busy || true

# --- the page's child dies with its server (PR_SET_PDEATHSIG) -------------------
"$JV" serve --port 0 --outputs outputs >serve2.out 2>serve2.err &
serve=$!
i=0
while [ ! -s serve2.out ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
URL=$(head -n 1 serve2.out)
TOKEN=$(curl -s "${URL}api/session" | sed -n 's/.*"token":"\([0-9a-f]*\)".*/\1/p')
body="{\"inputs\":[\"$WORK/spring\"],\"base_url\":\"$SLOW\",\"model\":\"judge-vision-sim\",\"run_name\":\"page\",\"concurrency\":1}"
code=$(curl -s -o body.json -w '%{http_code}' -X POST -H "X-JV-Token: $TOKEN" -d "$body" "${URL}api/run")
[ "$code" = 202 ] || fail "POST /api/run -> $code $(cat body.json)"
child=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' body.json)
[ -n "$child" ] || fail "no child pid: $(cat body.json)"
i=0
until [ -s outputs/results/page.lock ]; do
    i=$((i + 1))
    [ $i -lt 200 ] || fail "the page's child took no lock"
    sleep 0.05
done
kill -KILL $serve
wait $serve 2>/dev/null || true
i=0
while kill -0 "$child" 2>/dev/null; do
    i=$((i + 1))
    [ $i -lt 300 ] || fail "the child outlived its killed server"
    sleep 0.1
done
[ "$(json_get outputs/results/page.metadata.json "j['status']")" = interrupted ] ||
    fail "the orphaned child did not stop cleanly"

# --- reruns only add ------------------------------------------------------------
stop_sim "$SIM_PID"
start_sim --time-scale 0.01 --fail-500 1
BROKEN=$SIM_API
cp outputs/results/spring.jsonl spring.before
set +e
# another prompt against a server that fails every request: every attempt fails
"$JV" run -i spring --base-url "$BROKEN" --max-retries 0 --prompt-profile club_judge_v1 --quiet \
    >/dev/null 2>broken.err
rc=$?
set -e
[ $rc -eq 3 ] || fail "failed attempts exited $rc, want 3: $(tail -3 broken.err)"
grep -q "earlier ok record is kept" broken.err || fail "the kept ok records not said: $(cat broken.err)"
/usr/bin/python3 - outputs/results/spring.jsonl spring.before outputs/results/spring.metadata.json <<'PY' ||
import json, sys
now = [json.loads(l) for l in open(sys.argv[1])]
before = [json.loads(l) for l in open(sys.argv[2])]
assert [r["status"] for r in now] == ["ok"] * 4, [r["status"] for r in now]
assert now == before, "the ok records changed"
m = json.load(open(sys.argv[3]))
assert m["images"]["failed"] == 4, m["images"]
PY
    fail "a failed rerun replaced ok records"
cmp -s outputs/results/spring.jsonl.1.bak spring.before || fail "no .1.bak of the other prompt's round"

# a wrong --model: ok records stay (exit 3, or 1 when the start-up check refuses the name)
start_sim --time-scale 0.01 --model-name sim
NAMED=$SIM_API
# shellcheck disable=SC2086
"$JV" run -i autumn --round named --model sim --base-url "$NAMED" $COMMON >/dev/null 2>&1 ||
    fail "named round"
cp outputs/results/named.jsonl named.before
set +e
"$JV" run -i autumn --round named --model simm --base-url "$NAMED" --max-retries 0 --quiet \
    >/dev/null 2>wrong.err
rc=$?
set -e
[ $rc -eq 3 ] || [ $rc -eq 1 ] || fail "wrong --model exited $rc"
cmp -s outputs/results/named.jsonl named.before || fail "a wrong --model changed the ok records"

# --fresh twice: .1.bak and .2.bak, the playoff restarts
# shellcheck disable=SC2086
"$JV" run -i autumn --round fr --base-url "$FAST" $COMMON --pairwise --pairwise-threshold 0 \
    >/dev/null 2>&1 || fail "fr"
cp outputs/results/fr.jsonl fr.first
[ -s outputs/results/fr.matches.jsonl ] || fail "no matches log"
for n in 1 2; do
    # shellcheck disable=SC2086
    "$JV" run -i autumn --round fr --base-url "$FAST" $COMMON --fresh --pairwise \
        --pairwise-threshold 0 >/dev/null 2>&1 || fail "--fresh $n"
    [ -s "outputs/results/fr.jsonl.$n.bak" ] || fail "no .$n.bak"
    [ -s "outputs/results/fr.matches.jsonl.$n.bak" ] || fail "matches log not kept as .$n.bak"
done
cmp -s outputs/results/fr.jsonl.1.bak fr.first || fail "the second --fresh overwrote .1.bak"
[ "$(json_get outputs/results/fr.metadata.json "j['pairwise']['resumed']")" = 0 ] ||
    fail "--fresh replayed matches"

# a model change replays no match; the same model replays them all
matches=$(wc -l <outputs/results/fr.matches.jsonl)
before=$(requests_at "$FAST_URL")
"$JV" run --stage pairwise --round fr --model other --base-url "$FAST" --quiet \
    --pairwise-threshold 0 >/dev/null 2>&1 || fail "pairwise, other model"
asked=$(($(requests_at "$FAST_URL") - before))
[ "$asked" -eq "$matches" ] || fail "another model asked $asked of $matches matches"
grep -q '"model": *"other"' outputs/results/fr.matches.jsonl || fail "match lines carry no model"
echo "rounds: ok"
