#!/bin/sh
# Benchmarks of the simulator's latency model (doc/SPEC.md 1 and 7), run against the
# real judge-vision-sim with bench/sim_client (libcurl multi, streaming).
#
#   bench/sim_bench.sh [BUILD_DIR]      (default: build)
#
# 1. Sequential latency of the calibrated default model: a 1600x1200 JPEG
#    (cut from /usr/share/backgrounds/mate; apt-get install mate-backgrounds),
#    ~1,500 text prompt tokens, 250 output tokens (ignore_eos), prefix cache
#    off, --time-scale 1. Target: about 4.3 s per request.
# 2. Throughput with 1, 4 and 8 requests in flight (8 requests each, same
#    workload, --time-scale 1): requests/s and speed-up over 1 in flight.
# 3. Prefill saving: TTFT of requests that share a 1,000-token system prompt
#    (different images and user text), prefix cache on (after one warm-up) vs
#    off. 16 output tokens each.
# Prints the sim_client JSON lines and a summary of medians (p50).
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
SIM=$BUILD/sim/judge-vision-sim
CLIENT=$BUILD/bench/sim_client
export JV_SIM=$SIM
. "$SRC/tests/integration/lib_sim.sh"
W=$(mktemp -d "${TMPDIR:-/tmp}/jv-simbench.XXXXXX")
SIM_WORK=$W
sim_on_exit() { rm -rf "$W"; }

src_img=$(find /usr/share/backgrounds/mate -name '*.jpg' | sort | head -n 6)
[ -n "$src_img" ] || { echo "no JPEGs in /usr/share/backgrounds/mate (apt-get install mate-backgrounds)" >&2; exit 1; }
i=0
for f in $src_img; do
    i=$((i + 1))
    vips thumbnail "$f" "$W/photo$i.jpg[Q=90]" 1600 --height 1200 --crop centre
done
n_img=$i
echo "images: $(vipsheader "$W/photo1.jpg")"

# ~1,000-token system prompt (4,000 characters) and ~500-token user text.
para="Judge the photograph as an experienced UK camera-club judge would, weighing impact, composition and design, and technical quality, and write in British English. "
sys=""
while [ ${#sys} -lt 4000 ]; do sys="$sys$para"; done
sys=$(printf '%s' "$sys" | cut -c1-4000)
user_base="TECHNICAL ANALYSIS: musiq 61.2, nima aesthetic 5.4, nima technical 5.1, dynamic range 0.82, mean luminance 0.47, clipping low 0.3 percent, high 0.8 percent, local contrast 0.05. "
body() { # $1 = image, $2 = variant tag, $3 = max_tokens, $4 = output file
    u="Title: Entry $2. Category: Colour. "
    while [ ${#u} -lt 2000 ]; do u="$u$user_base"; done
    u=$(printf '%s' "$u" | cut -c1-2000)
    printf '{"model":"sim","stream":true,"stream_options":{"include_usage":true},"max_tokens":%s,"ignore_eos":true,"temperature":0.2,"messages":[{"role":"system","content":"%s"},{"role":"user","content":[{"type":"text","text":"%s"},{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,%s"}}]}]}' \
        "$3" "$sys" "$u" "$(base64 -w0 "$1")" >"$4"
}
body "$W/photo1.jpg" 1 250 "$W/full.json"
list=""
for k in $(seq 1 "$n_img"); do
    body "$W/photo$k.jpg" "$k" 16 "$W/short$k.json"
    list="$list${list:+,}$W/short$k.json"
done

med() { jq -r ".$1.p50" "$2"; }

echo "== 1. sequential, --time-scale 1, prefix cache off (8 requests)"
start_sim --time-scale 1 --cache-blocks 0
jq -c '.stream=false | del(.stream_options)' "$W/full.json" >"$W/blocking.json"
curl -sf "$SIM_API/chat/completions" -d @"$W/blocking.json" \
    | jq -c '.usage' | sed 's/^/usage of one request: /'
"$CLIENT" "$SIM_API" "$W/full.json" 8 1 | tee "$W/c1.json"
stop_sim
for c in 4 8; do
    echo "== 2. $c in flight, --time-scale 1, prefix cache off (8 requests)"
    start_sim --time-scale 1 --cache-blocks 0
    "$CLIENT" "$SIM_API" "$W/full.json" 8 "$c" | tee "$W/c$c.json"
    stop_sim
done

echo "== 3. TTFT, shared 1,000-token system prompt, $n_img different images, --time-scale 1"
start_sim --time-scale 1 --cache-blocks 0
"$CLIENT" "$SIM_API" "$list" "$n_img" 1 | tee "$W/uncached.json"
stop_sim
start_sim --time-scale 1
# warm-up: the system prompt alone enters the cache
printf '{"model":"sim","max_tokens":1,"messages":[{"role":"system","content":"%s"},{"role":"user","content":"warm-up"}]}' "$sys" \
    | curl -sf -o /dev/null "$SIM_API/chat/completions" -d @-
"$CLIENT" "$SIM_API" "$list" "$n_img" 1 | tee "$W/cached.json"
hits=$(sim_metric vllm:prefix_cache_hits_total)
queries=$(sim_metric vllm:prefix_cache_queries_total)
stop_sim

r1=$(jq .requests_per_s "$W/c1.json")
echo
echo "== summary (medians)"
echo "sequential latency (1600x1200 JPEG, ~1,500 text tokens, 250 output tokens): $(med e2e "$W/c1.json") s, TTFT $(med ttft "$W/c1.json") s"
for c in 1 4 8; do
    r=$(jq .requests_per_s "$W/c$c.json")
    echo "$c in flight: $(printf '%.3f' "$r") requests/s, speed-up $(awk -v a="$r" -v b="$r1" 'BEGIN { printf "%.2f", a / b }'), median latency $(med e2e "$W/c$c.json") s"
done
echo "TTFT uncached: $(med ttft "$W/uncached.json") s; with the system prompt cached: $(med ttft "$W/cached.json") s (cache hits $hits of $queries queried tokens)"
