#!/bin/sh
# The simulator's answers: the truth file and its sub-command, critique scores
# and pairwise verdicts driven by the hidden quality, the IQA service
# endpoints, POST /shutdown, the batch queue, the prefix cache and the order
# of events under --time-scale.
set -eu
. "${JV_SOURCE_DIR:?}/tests/integration/lib_sim.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }

SIM_WORK=$(mktemp -d "${TMPDIR:-/tmp}/jv-simr.XXXXXX")
W=$SIM_WORK
sim_on_exit() { rm -rf "$W"; }
mkdir -p "$W/photos/sub"
i=0
for size in 320x240 400x300 500x375 640x480 800x600 1024x768; do
    i=$((i + 1))
    vips black "$W/t.v" "${size%x*}" "${size#*x}" --bands 3
    vips linear "$W/t.v" "$W/photos/p$i.jpg" 1 $((i * 30))
done
mv "$W/photos/p6.jpg" "$W/photos/sub/p6.jpg"
cp "$W/photos/p1.jpg" "$W/photos/copy_of_p1.jpg" # same content: one entry
echo "not an image" >"$W/photos/notes.txt"
rm -f "$W/t.v"

# --- truth sub-command
"$SIM_BIN" truth -i "$W/photos" -o "$W/truth.json" --seed 3 2>/dev/null || fail "truth"
jq -e 'length == 6 and (keys | all(test("^[0-9a-f]{32}$"))) and
       ([.[]] | all(. >= 0 and . <= 1)) and ([.[]] | max - min > 0.6)' "$W/truth.json" >/dev/null \
    || fail "truth file: $(cat "$W/truth.json")"
"$SIM_BIN" truth -i "$W/photos" -o "$W/truth2.json" --seed 3 2>/dev/null
cmp -s "$W/truth.json" "$W/truth2.json" || fail "truth is not deterministic"
"$SIM_BIN" truth -i "$W/photos" -o "$W/truth3.json" --seed 4 2>/dev/null
cmp -s "$W/truth.json" "$W/truth3.json" && fail "truth ignores --seed"
set +e
"$SIM_BIN" truth -o "$W/x.json" 2>/dev/null
rc=$?
set -e
[ "$rc" = 2 ] || fail "truth without -i gave $rc"

# A truth file naming p1 the best (1.0) and p2 the worst (0.0), hashes taken
# from the sub-command's output (the same content hash the server computes).
"$SIM_BIN" truth -i "$W/photos" -o "$W/all.json" 2>/dev/null
mkdir -p "$W/one" "$W/two"
cp "$W/photos/p1.jpg" "$W/one/"
cp "$W/photos/p2.jpg" "$W/two/"
"$SIM_BIN" truth -i "$W/one" -o "$W/h1.json" 2>/dev/null
"$SIM_BIN" truth -i "$W/two" -o "$W/h2.json" 2>/dev/null
h1=$(jq -r 'keys[0]' "$W/h1.json")
h2=$(jq -r 'keys[0]' "$W/h2.json")
printf '{"%s": 1.0, "%s": 0.0}\n' "$h1" "$h2" >"$W/best_worst.json"

b64() { base64 -w0 "$1"; }
img_part() { printf '{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,%s"}}' "$(b64 "$1")"; }
critique_req() {
    printf '{"model":"m","messages":[{"role":"system","content":"Judge it."},{"role":"user","content":[{"type":"text","text":"Category: Open"},%s]}]}' \
        "$(img_part "$1")"
}
pair_req() { # $1 = A, $2 = B
    printf '{"model":"m","max_tokens":128,"messages":[{"role":"user","content":[{"type":"text","text":"Entry A then Entry B. Reply {\\"winner\\": \\"A\\"|\\"B\\", \\"reason\\": \\"...\\"}"},%s,%s]}]}' \
        "$(img_part "$1")" "$(img_part "$2")"
}
chat() { curl -sf "$SIM_API/chat/completions" -d @"$1" | jq -r '.choices[0].message.content'; }

start_sim --time-scale 0.01 --truth "$W/best_worst.json" --score-noise 0 --pairwise-noise 0.01
critique_req "$W/photos/p1.jpg" >"$W/c1.json"
critique_req "$W/photos/p2.jpg" >"$W/c2.json"
[ "$(chat "$W/c1.json" | jq .score)" = 20 ] || fail "quality 1.0 should score 20"
[ "$(chat "$W/c2.json" | jq .score)" = 8 ] || fail "quality 0.0 should score 8"
pair_req "$W/photos/p1.jpg" "$W/photos/p2.jpg" >"$W/ab.json"
pair_req "$W/photos/p2.jpg" "$W/photos/p1.jpg" >"$W/ba.json"
chat "$W/ab.json" >"$W/ab_reply.json"
jq -e '.winner == "A" and (.reason | length > 20)' "$W/ab_reply.json" >/dev/null \
    || fail "better entry as A should win: $(cat "$W/ab_reply.json")"
[ "$(chat "$W/ba.json" | jq -r .winner)" = B ] || fail "better entry as B should win"

# IQA service: deterministic, plausible, better image -> higher scores
curl -sf "$SIM_URL/infer" -d "{\"image_b64\":\"$(b64 "$W/photos/p1.jpg")\",\"image_name\":\"p1.jpg\"}" \
    >"$W/iqa1.json" || fail "/infer image_b64"
curl -sf "$SIM_URL/infer" -d "{\"image_path\":\"$W/photos/p1.jpg\"}" >"$W/iqa1b.json" \
    || fail "/infer image_path"
cmp -s "$W/iqa1.json" "$W/iqa1b.json" || fail "/infer b64 and path differ"
curl -sf "$SIM_URL/infer" -d "{\"image_path\":\"$W/photos/p2.jpg\"}" >"$W/iqa2.json"
jq -e '(.nima_aesthetic.mean | . >= 1 and . <= 10) and (.nima_aesthetic.std | . > 0 and . < 3) and
       (.nima_technical.mean | . >= 1 and . <= 10) and (.nima_technical.std > 0) and
       (.musiq_spaq | . >= 0 and . <= 100)' "$W/iqa1.json" >/dev/null || fail "IQA ranges: $(cat "$W/iqa1.json")"
[ "$(jq -n --slurpfile a "$W/iqa1.json" --slurpfile b "$W/iqa2.json" \
    '$a[0].musiq_spaq > $b[0].musiq_spaq and $a[0].nima_aesthetic.mean > $b[0].nima_aesthetic.mean')" = true ] \
    || fail "IQA does not follow quality"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$SIM_URL/infer" -d '{"image_path":"/nonexistent.jpg"}')" = 400 ] \
    || fail "/infer of a missing file"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$SIM_URL/infer" -d '{"image_b64":"bm90IGFuIGltYWdl"}')" = 400 ] \
    || fail "/infer of a non-image"
# POST /shutdown: answered, then a clean exit
pid=$SIM_PID
[ "$(curl -sf -X POST "$SIM_URL/shutdown" | jq -r .status)" = "shutting down" ] || fail "/shutdown reply"
i=0
while _sim_running "$pid" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
_sim_running "$pid" && fail "still running after /shutdown"
wait "$pid" || fail "exit status $? after /shutdown"
SIM_PIDS=""

# position bias 1: Entry A always wins, even the worse one
start_sim --time-scale 0.01 --truth "$W/best_worst.json" --position-bias 1
[ "$(chat "$W/ba.json" | jq -r .winner)" = A ] || fail "--position-bias 1 did not favour A"
stop_sim

# without a truth file: qualities from the hashes, deterministic across restarts and seeds
start_sim --time-scale 0.01 --score-noise 0
s1=$(chat "$W/c1.json")
stop_sim
start_sim --time-scale 0.01 --score-noise 0
[ "$(chat "$W/c1.json")" = "$s1" ] || fail "reply changed across restarts"
stop_sim
start_sim --time-scale 0.01 --score-noise 0 --seed 9
[ "$(chat "$W/c1.json" | jq .score)" = "$(echo "$s1" | jq .score)" ] \
    || fail "noise-free score depends on --seed"
stop_sim

# per-request noise (the panel's judges): the request's seed and prompt change the score,
# the same request answers the same; --sample-share 0 keeps the image's noise alone
start_sim --time-scale 0.01 --score-noise 3 --seed 5
seeded() { jq --argjson s "$1" '. + {seed: $s}' "$W/c1.json" >"$W/c1s.json"; chat "$W/c1s.json" | jq .score; }
scores=""
for k in 1 2 3 4 5 6 7 8; do scores="$scores $(seeded $k)"; done
[ "$(echo $scores | tr ' ' '\n' | sort -u | wc -l)" -ge 3 ] || fail "seeds give one score: $scores"
[ "$(seeded 4)" = "$(seeded 4)" ] || fail "the same seeded request answered differently"
jq '.seed = "x"' "$W/c1.json" >"$W/bad_seed.json"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$SIM_API/chat/completions" -d @"$W/bad_seed.json")" = 400 ] \
    || fail "a string seed was accepted"
stop_sim
start_sim --time-scale 0.01 --score-noise 3 --seed 5 --sample-share 0
scores=""
for k in 1 2 3 4; do scores="$scores $(seeded $k)"; done
[ "$(echo $scores | tr ' ' '\n' | sort -u | wc -l)" = 1 ] || fail "--sample-share 0 varies: $scores"
stop_sim

# --- the "human" judges' CSV: one row per entry, a mark rising with the hidden quality
"$SIM_BIN" truth -i "$W/photos" -o "$W/th.json" --human "$W/human.csv" --human-noise 0 2>/dev/null \
    || fail "truth --human"
[ "$(head -1 "$W/human.csv")" = "file,score,award,placing" ] || fail "human CSV header"
[ "$(tail -n +2 "$W/human.csv" | wc -l)" = 6 ] || fail "human CSV rows: $(cat "$W/human.csv")"
grep -q '^sub/p6.jpg,' "$W/human.csv" || fail "human CSV paths are not relative to DIR"
h=$(jq -r 'keys[0]' "$W/h1.json")
q=$(jq -r --arg h "$h" '.[$h]' "$W/th.json")
want=$(awk -v q="$q" 'BEGIN { v = 4 + 16 * q; printf "%d", (v - int(v) >= 0.5) ? int(v) + 1 : int(v) }')
grep -Eq "^(copy_of_)?p1.jpg,$want," "$W/human.csv" || fail "p1 (q=$q) should have mark $want: $(cat "$W/human.csv")"
[ "$(awk -F, 'NR > 1 && $1 !~ /\// && $4 != ""' "$W/human.csv" | wc -l)" = 3 ] \
    || fail "placings 1-3 per folder"

# --- time scale, queue, prefix cache
# 1,000-token system prompt (4,000 chars) shared by two requests with different images
sys=$(head -c 4000 /dev/zero | tr '\0' 'x')
sysreq() {
    printf '{"model":"m","stream":true,"stream_options":{"include_usage":true},"max_tokens":60,"messages":[{"role":"system","content":"%s"},{"role":"user","content":[{"type":"text","text":"Title: %s"},%s]}]}' \
        "$sys" "$2" "$(img_part "$1")"
}
sysreq "$W/photos/p3.jpg" one >"$W/s1.json"
sysreq "$W/photos/p4.jpg" two >"$W/s2.json"
start_sim --time-scale 0.05 --max-seqs 1
curl -sfN "$SIM_API/chat/completions" -d @"$W/s1.json" >"$W/s1.out"
h=$(sim_metric vllm:prefix_cache_hits_total)
[ "$h" = 0.0 ] || fail "hits on a cold cache: $h"
curl -sfN "$SIM_API/chat/completions" -d @"$W/s2.json" >"$W/s2.out"
h=$(sim_metric vllm:prefix_cache_hits_total)
q=$(sim_metric vllm:prefix_cache_queries_total)
[ "${h%.0}" -ge 992 ] || fail "shared 1,000-token system prompt: only $h hit tokens"
[ "${h%.0}" -lt "${q%.0}" ] || fail "hits $h >= queries $q"
# TTFT before the end, and the scaled delays are really waited for:
# at least 0.05 x (0.12 s overhead + 59 x 0.016 s decode) = 0.053 s per request
t=$(sim_metric vllm:time_to_first_token_seconds_sum)
e=$(sim_metric vllm:e2e_request_latency_seconds_sum)
awk -v t="$t" -v e="$e" 'BEGIN { exit !(t > 0 && t < e && e >= 2 * 0.053) }' \
    || fail "timing order: ttft sum $t, e2e sum $e"
# --max-seqs 1 and three requests at once (about 0.5 s each): others wait in the queue
stop_sim || fail "unclean exit"
start_sim --time-scale 0.5 --max-seqs 1
cpids=""
for n in 1 2 3; do
    curl -sfN -o "$W/q$n.out" --max-time 30 "$SIM_API/chat/completions" -d @"$W/s1.json" &
    cpids="$cpids $!"
done
seen=0
for n in $(seq 1 40); do
    wq=$(sim_metric vllm:num_requests_waiting)
    rq=$(sim_metric vllm:num_requests_running)
    [ "$rq" = 1.0 ] || [ "$rq" = 0.0 ] || fail "running $rq with --max-seqs 1"
    case "$wq" in 1.0 | 2.0) seen=1 ;; 0.0) ;; *) fail "waiting $wq" ;; esac
    [ "$wq" = 2.0 ] && break
    sleep 0.02
done
for c in $cpids; do wait "$c" || fail "queued request failed"; done
[ "$seen" = 1 ] || fail "never saw a request waiting"
for n in 1 2 3; do grep -v "^$" "$W/q$n.out" | tail -n1 | grep -q '\[DONE\]' || fail "queued request $n incomplete"; done
stop_sim || fail "unclean exit"
echo "sim_replies: ok"
