#!/bin/sh
# jv_server_metrics_scrape/_delta against the real simulator's /metrics:
# a snapshot matches the figures the simulator exposes, and after two chat
# requests the delta counts them.
set -eu
. "${JV_SOURCE_DIR:?}/tests/integration/lib_sim.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }
PROBE=${JV_BUILD_DIR:?}/bench/server_metrics_probe
[ -x "$PROBE" ] || fail "no $PROBE (build the bench/ tools)"

start_sim --time-scale 0.01 || fail "simulator did not start"
W=$SIM_WORK

"$PROBE" "$SIM_API" >"$W/before.json" || fail "scrape before"
jq -e '.url | endswith("/metrics")' "$W/before.json" >/dev/null || fail "metrics URL"
for m in vllm:prompt_tokens_total vllm:generation_tokens_total vllm:prefix_cache_queries_total \
    vllm:num_requests_running vllm:e2e_request_latency_seconds_count; do
    want=$(sim_metric "$m")
    got=$(jq -r --arg m "$m" '.metrics[$m]' "$W/before.json")
    awk -v a="$want" -v b="$got" 'BEGIN { exit !(a + 0 == b + 0) }' ||
        fail "$m: scraped $got, simulator says $want"
done

req='{"model":"m","max_tokens":64,"messages":[{"role":"system","content":"You are a camera-club judge. Judge the photograph on composition, light, impact and technique, and answer in JSON."},{"role":"user","content":"Title: Harbour Lights\nCategory: Colour"}]}'
for i in 1 2; do
    curl -sf "$SIM_API/chat/completions" -H 'Content-Type: application/json' -d "$req" \
        >"$W/resp$i.json" || fail "chat request $i"
done
gen=0
for i in 1 2; do
    gen=$((gen + $(jq .usage.completion_tokens "$W/resp$i.json")))
done

"$PROBE" "$SIM_API" "$W/before.json" >"$W/delta.json" || fail "scrape after"
jq -e '.requests == 2' "$W/delta.json" >/dev/null ||
    fail "requests delta: $(jq -c .requests "$W/delta.json")"
jq -e --argjson g "$gen" '.delta["vllm:generation_tokens_total"] == $g' "$W/delta.json" \
    >/dev/null || fail "generation tokens delta, want $gen: $(jq -c .delta "$W/delta.json")"
jq -e '.delta["vllm:prompt_tokens_total"] > 0 and
       .prefix_cache_hit_rate >= 0 and .prefix_cache_hit_rate <= 1 and
       .ttft_mean_seconds > 0 and .e2e_mean_seconds >= .ttft_mean_seconds' "$W/delta.json" \
    >/dev/null || fail "delta figures: $(cat "$W/delta.json")"
# the second, identical request shares its prompt prefix with the first
jq -e '.delta["vllm:prefix_cache_hits_total"] > 0' "$W/delta.json" >/dev/null ||
    fail "no prefix cache hits: $(jq -c .delta "$W/delta.json")"

# a server root with no /metrics: not an error, just nothing
set +e
"$PROBE" "http://127.0.0.1:1/v1" >/dev/null 2>"$W/err.txt"; rc=$?
set -e
[ "$rc" -eq 1 ] || fail "unreachable server gave exit $rc"
echo "server_metrics: ok"
