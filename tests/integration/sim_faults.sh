#!/bin/sh
# Each fault-injection flag of the simulator, observed at rate 1, plus
# --fail-first and the determinism of fractional rates.
set -eu
. "${JV_SOURCE_DIR:?}/tests/integration/lib_sim.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }

SIM_WORK=$(mktemp -d "${TMPDIR:-/tmp}/jv-simf.XXXXXX")
W=$SIM_WORK
sim_on_exit() { rm -rf "$W"; }
vips black "$W/b.v" 320 240 --bands 3
vips linear "$W/b.v" "$W/photo.jpg" 1 50
printf '{"model":"m","max_tokens":320,"messages":[{"role":"user","content":[{"type":"text","text":"Judge this."},{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,%s"}}]}]}' \
    "$(base64 -w0 "$W/photo.jpg")" >"$W/req.json"
jq -c '.stream = true | .stream_options = {"include_usage": true}' "$W/req.json" >"$W/sreq.json"

post() { # $1 = body file; remaining args to curl; prints the HTTP status
    _b=$1
    shift
    curl -s -o "$W/out.txt" -D "$W/headers.txt" -w '%{http_code}' "$@" \
        "$SIM_API/chat/completions" -d @"$_b" || true
}
fault_count() { sim_metric "sim_faults_total{kind=\"$1\"}"; }

for code in 500 502 503 429; do
    start_sim --time-scale 0.01 --fail-$code 1 --retry-after 2
    st=$(post "$W/req.json")
    [ "$st" = "$code" ] || fail "--fail-$code gave $st"
    jq -e ".error.code == $code and (.error.message | length > 0)" "$W/out.txt" >/dev/null \
        || fail "--fail-$code error body: $(cat "$W/out.txt")"
    [ "$(fault_count $code)" = 1.0 ] || fail "fault counter $code"
    if [ "$code" = 429 ]; then
        grep -qi '^retry-after: 2' "$W/headers.txt" || fail "429 without Retry-After: 2"
        jq -e '.error.type == "rate_limit_error"' "$W/out.txt" >/dev/null || fail "429 type"
    fi
    stop_sim || fail "unclean exit after --fail-$code"
done

# stall: a client with a 1 s timeout gives up; SIGTERM still ends the server at once
start_sim --time-scale 0.01 --stall 1 --stall-seconds 300
t0=$(date +%s)
curl -s -o /dev/null --max-time 1 "$SIM_API/chat/completions" -d @"$W/req.json" && fail "stall answered"
[ "$(fault_count stall)" = 1.0 ] || fail "stall counter"
curl -s -o /dev/null --max-time 5 "$SIM_API/chat/completions" -d @"$W/req.json" &
cpid=$!
sleep 0.3
stop_sim || fail "unclean exit with a stalled request in flight"
wait $cpid 2>/dev/null || true
[ $(( $(date +%s) - t0 )) -lt 4 ] || fail "shutdown waited for the stall"

# cut stream: no [DONE]; blocking request: connection closed without a reply
start_sim --time-scale 0.01 --cut-stream 1
curl -sN "$SIM_API/chat/completions" -d @"$W/sreq.json" >"$W/cut.txt" 2>/dev/null && fail "cut stream ended cleanly"
grep -q '"content"' "$W/cut.txt" || fail "cut stream sent nothing first"
grep -q '\[DONE\]' "$W/cut.txt" && fail "cut stream has [DONE]"
curl -s "$SIM_API/chat/completions" -d @"$W/req.json" >"$W/cut2.txt" 2>/dev/null && fail "cut blocking reply ended cleanly"
[ "$(fault_count cut_stream)" = 2.0 ] || fail "cut_stream counter"
stop_sim

# content faults
content_of() { jq -r '.choices[0].message.content' "$W/out.txt"; }
start_sim --time-scale 0.01 --malformed-json 1
[ "$(post "$W/req.json")" = 200 ] || fail "malformed-json status"
content_of | grep -q '"critique"' || fail "malformed-json lost the critique"
content_of | jq -e . >/dev/null 2>&1 && fail "malformed-json content parses"
[ "$(fault_count malformed_json)" = 1.0 ] || fail "malformed_json counter"
stop_sim

start_sim --time-scale 0.01 --prose 1
[ "$(post "$W/req.json")" = 200 ] || fail "prose status"
content_of | grep -q '[{}]' && fail "prose content has braces"
[ "$(content_of | wc -w)" -gt 50 ] || fail "prose too short"
stop_sim

start_sim --time-scale 0.01 --truncate 1
[ "$(post "$W/req.json")" = 200 ] || fail "truncate status"
jq -e '.choices[0].finish_reason == "length"' "$W/out.txt" >/dev/null || fail "truncate finish_reason"
content_of | jq -e . >/dev/null 2>&1 && fail "truncated content parses"
[ "$(post "$W/sreq.json" -N)" = 200 ] || fail "truncate stream status"
grep -q '"finish_reason":"length"' "$W/out.txt" || fail "truncate stream finish_reason"
stop_sim

start_sim --time-scale 0.01 --error-event 1
[ "$(post "$W/sreq.json" -N)" = 200 ] || fail "error-event status"
grep -q '^data: {"error":{' "$W/out.txt" || fail "no SSE error event"
grep -q '"finish_reason":"stop"' "$W/out.txt" && fail "error-event stream finished normally"
[ "$(fault_count error_event)" = 1.0 ] || fail "error_event counter"
stop_sim

# --fail-first N
start_sim --time-scale 0.01 --fail-first 2 --fail-first-status 502
[ "$(post "$W/req.json")" = 502 ] || fail "fail-first #1"
[ "$(post "$W/req.json")" = 502 ] || fail "fail-first #2"
[ "$(post "$W/req.json")" = 200 ] || fail "fail-first #3"
stop_sim

# fractional rates: deterministic per seed and request number
pattern() { # runs in $(...): its simulator is stopped before it returns
    start_sim --time-scale 0.01 --fail-503 0.5 --seed "$1"
    pat=""
    for i in 1 2 3 4 5 6 7 8 9 10 11 12; do pat="$pat$(post "$W/req.json" | cut -c1)"; done
    stop_sim
    echo "$pat"
}
p1=$(pattern 7)
p2=$(pattern 7)
[ "$p1" = "$p2" ] || fail "same seed, different fault pattern: $p1 vs $p2"
case "$p1" in *2*5* | *5*2*) ;; *) fail "rate 0.5 gave $p1" ;; esac
echo "sim_faults: ok"
