#!/bin/sh
# The simulator's HTTP API: endpoints, the OpenAI/vLLM wire format, error shapes.
set -eu
. "${JV_SOURCE_DIR:?}/tests/integration/lib_sim.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }

start_sim --time-scale 0.01 --max-body-bytes 200000 || fail "simulator did not start"
W=$SIM_WORK
case "$SIM_URL" in http://127.0.0.1:[0-9]*) ;; *) fail "bad URL line '$SIM_URL'" ;; esac

# --- simple endpoints
[ "$(curl -sf "$SIM_URL/health" | jq -r .status)" = ok ] || fail "/health"
curl -sf "$SIM_API/models" >"$W/models.json" || fail "/v1/models"
[ "$(jq -r '.object' "$W/models.json")" = list ] || fail "models object"
[ "$(jq -r '.data[0].object' "$W/models.json")" = model ] || fail "models data"

# --- a 1600x1200 JPEG and a chat request
vips black "$W/black.v" 1600 1200 --bands 3
vips linear "$W/black.v" "$W/photo.jpg[Q=85]" 1 90
rm -f "$W/black.v"
make_req() { # $1 = image file, $2 = extra JSON members (with leading comma) or ""
    printf '{"model":"m","max_tokens":320,"messages":[{"role":"system","content":"You are a camera-club judge."},{"role":"user","content":[{"type":"text","text":"Title: Harbour Lights\\nCategory: Colour"},{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,%s"}}]}]%s}' \
        "$(base64 -w0 "$1")" "$2"
}
make_req "$W/photo.jpg" "" >"$W/req.json"
curl -sf "$SIM_API/chat/completions" -H 'Content-Type: application/json' \
    -d @"$W/req.json" >"$W/resp.json" || fail "non-streaming chat"
jq -e '.object == "chat.completion" and (.id | startswith("chatcmpl-")) and (.created | type == "number")
       and .model == "m" and .choices[0].index == 0 and .choices[0].message.role == "assistant"
       and .choices[0].finish_reason == "stop"' "$W/resp.json" >/dev/null || fail "chat.completion shape"
jq -e '.usage.prompt_tokens > 2451 and .usage.completion_tokens > 0 and
       .usage.total_tokens == .usage.prompt_tokens + .usage.completion_tokens' "$W/resp.json" \
    >/dev/null || fail "usage: $(jq -c .usage "$W/resp.json")"
# image tokens of a 1600x1200 image (Qwen2.5-VL): 2451; text: ceil(chars/4) + 4 per message
pt=$(jq .usage.prompt_tokens "$W/resp.json")
[ "$pt" -lt 2500 ] || fail "prompt tokens $pt too many"
jq -r '.choices[0].message.content' "$W/resp.json" >"$W/content.json"
jq -e '(.critique | type == "string") and (.score | type == "number") and .score >= 0 and .score <= 20
       and (.style | type == "string") and .title == "Harbour Lights"' "$W/content.json" >/dev/null \
    || fail "critique JSON: $(cat "$W/content.json")"
jq -r .critique "$W/content.json" | grep -q 'Judge Vision simulator' || fail "no simulator notice"
words=$(jq -r .critique "$W/content.json" | wc -w)
[ "$words" -ge 100 ] && [ "$words" -le 170 ] || fail "critique has $words words"

# determinism: the same request gives the same content
curl -sf "$SIM_API/chat/completions" -d @"$W/req.json" | jq -r '.choices[0].message.content' \
    >"$W/content2.json"
cmp -s "$W/content.json" "$W/content2.json" || fail "same request, different reply"

# --- streaming with usage
make_req "$W/photo.jpg" ',"stream":true,"stream_options":{"include_usage":true}' >"$W/sreq.json"
curl -sfN "$SIM_API/chat/completions" -D "$W/sh.txt" -d @"$W/sreq.json" >"$W/stream.txt" \
    || fail "streaming chat"
grep -qi '^content-type: text/event-stream' "$W/sh.txt" || fail "stream content type"
grep -v '^$' "$W/stream.txt" >"$W/events.txt"
grep -qv '^data: ' "$W/events.txt" && fail "a line that is not an SSE data line"
[ "$(tail -n1 "$W/events.txt")" = "data: [DONE]" ] || fail "[DONE] is not last"
[ "$(grep -c '^data: \[DONE\]' "$W/events.txt")" = 1 ] || fail "[DONE] count"
sed -e '$d' -e 's/^data: //' "$W/events.txt" >"$W/chunks.jsonl"
n=$(wc -l <"$W/chunks.jsonl")
[ "$n" -ge 5 ] || fail "only $n chunks"
jq -se 'all(.[]; .object == "chat.completion.chunk")' "$W/chunks.jsonl" >/dev/null || fail "chunk object"
jq -se '.[0].choices[0].delta == {"role":"assistant","content":""}' "$W/chunks.jsonl" >/dev/null \
    || fail "first chunk is not the role chunk"
jq -se '.[-1].choices == [] and (.[-1].usage.total_tokens > 0)' "$W/chunks.jsonl" >/dev/null \
    || fail "last chunk is not the usage chunk"
jq -se '.[-2].choices[0].finish_reason == "stop" and .[-2].choices[0].delta == {}' \
    "$W/chunks.jsonl" >/dev/null || fail "finish chunk"
jq -se '[.[1:-2][] | .choices[0].finish_reason] | all(. == null)' "$W/chunks.jsonl" >/dev/null \
    || fail "finish_reason before the end"
jq -sr '[.[1:-2][] | .choices[0].delta.content] | join("")' "$W/chunks.jsonl" >"$W/scontent.json"
# the streamed text is the same reply as the non-streaming one
[ "$(jq -c . "$W/scontent.json")" = "$(jq -c . "$W/content.json")" ] || fail "stream != blocking reply"
[ "$(jq -s '.[-1].usage.completion_tokens' "$W/chunks.jsonl")" = "$(jq .usage.completion_tokens "$W/resp.json")" ] \
    || fail "stream usage differs"
# no usage chunk without include_usage
make_req "$W/photo.jpg" ',"stream":true' >"$W/sreq2.json"
curl -sfN "$SIM_API/chat/completions" -d @"$W/sreq2.json" >"$W/stream2.txt"
grep -q '"usage"' "$W/stream2.txt" && fail "usage chunk without include_usage"
tail -n2 "$W/stream2.txt" | grep -q '^data: \[DONE\]' || fail "no [DONE] without usage"

# --- max_tokens cuts the reply: finish_reason length
make_req "$W/photo.jpg" ',"max_tokens":10' | jq -c '.max_tokens = 10' >"$W/short.json"
curl -sf "$SIM_API/chat/completions" -d @"$W/short.json" >"$W/short_resp.json"
jq -e '.choices[0].finish_reason == "length" and .usage.completion_tokens == 10' \
    "$W/short_resp.json" >/dev/null || fail "max_tokens 10: $(jq -c .usage "$W/short_resp.json")"

# --- errors
status() { curl -s -o "$W/err.json" -w '%{http_code}' "$@"; }
err_shape() {
    jq -e '(.error.message | type == "string") and (.error.type | type == "string") and
           has("error") and (.error | has("param")) and (.error.code | type == "number")' \
        "$W/err.json" >/dev/null || fail "error shape: $(cat "$W/err.json")"
}
[ "$(status "$SIM_API/chat/completions" -d '{"messages": [')" = 400 ] || fail "malformed JSON status"
err_shape
[ "$(jq -r .error.type "$W/err.json")" = invalid_request_error ] || fail "400 type"
make_req "$W/photo.jpg" ',"stream_options":{"include_usage":true}' >"$W/bad_so.json"
[ "$(status "$SIM_API/chat/completions" -d @"$W/bad_so.json")" = 400 ] || fail "stream_options without stream"
err_shape
[ "$(status "$SIM_API/chat/completions" -d '{"model":"m"}')" = 400 ] || fail "missing messages"
err_shape
[ "$(status "$SIM_API/chat/completions" -d '{"messages":[{"role":"user","content":"hi"}],"max_tokens":0}')" = 400 ] \
    || fail "max_tokens 0"
[ "$(status "$SIM_API/chat/completions" -d '{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,bm90IGFuIGltYWdl"}}]}]}')" = 400 ] \
    || fail "undecodable image"
err_shape
[ "$(status "$SIM_API/chat/completions" -d '{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/x.jpg"}}]}]}')" = 400 ] \
    || fail "remote image URL"
[ "$(status "$SIM_URL/nowhere")" = 404 ] || fail "unknown route"
err_shape
[ "$(status -X DELETE "$SIM_API/models")" = 405 ] || fail "wrong method"
head -c 300000 /dev/zero | tr '\0' 'a' >"$W/big.txt"
[ "$(status "$SIM_API/chat/completions" --data-binary @"$W/big.txt")" = 413 ] || fail "413"
err_shape

# --- metrics
curl -sf "$SIM_URL/metrics" >"$W/metrics.txt" || fail "/metrics"
for m in vllm:num_requests_running vllm:num_requests_waiting vllm:prefix_cache_queries_total \
    vllm:prefix_cache_hits_total vllm:prompt_tokens_total vllm:generation_tokens_total \
    vllm:time_to_first_token_seconds_bucket vllm:e2e_request_latency_seconds_bucket \
    vllm:time_to_first_token_seconds_count vllm:e2e_request_latency_seconds_sum; do
    grep -q "^$m{.*model_name=\"judge-vision-sim\"" "$W/metrics.txt" || fail "metric $m"
done
grep -q '^# TYPE vllm:time_to_first_token_seconds histogram' "$W/metrics.txt" || fail "TTFT type"
[ "$(sim_metric 'vllm:e2e_request_latency_seconds_count')" = 5.0 ] \
    || fail "e2e count $(sim_metric 'vllm:e2e_request_latency_seconds_count') (want 5 successes)"
gen=$(sim_metric vllm:generation_tokens_total)
[ "${gen%.0}" -gt 100 ] || fail "generation tokens $gen"
hits=$(sim_metric vllm:prefix_cache_hits_total)
[ "${hits%.0}" -gt 2400 ] || fail "repeated prompt made no prefix-cache hits ($hits)"

stop_sim || fail "simulator did not exit cleanly on SIGTERM"
echo "sim_api: ok"
