#!/bin/sh
# --concurrency auto against simulated servers of batch capacity 1, 4, 16 and 64 (issue 16),
# side by side in one run. For each capacity C (judge-vision-sim --max-seqs C, vLLM mode, its
# calibrated latency model scaled by SCALE):
#   auto     the default run (no --concurrency), wall time;
#   fixed    --concurrency K for K in 1 2 4 8 16 32 64: the best of them;
#   ceiling  bench/sim_client streaming the very requests judge-vision sends (captured
#            once through a recording proxy) with C and 2C in flight: the better one.
# Each figure is the median of REPEATS runs (range in brackets). Targets: auto within
# 1.15x of the best fixed and 1.25x of the ceiling at every capacity; on the one-slot
# server no request timing out and p95 TTFT no worse than --concurrency 1.
# The photos: N(C) = min(MAX_N, max(MIN_N, 4 C)) distinct 1600x1200 JPEGs cut from Debian's
# mate-backgrounds (apt-get install mate-backgrounds); Stage 1 runs once before (a warm IQA
# cache), so the runs measure Stage 2.
# Usage: bench/concurrency.sh      (env: SCALE=0.1 REPEATS=3 MIN_N=16 MAX_N=128 CAPS="1 4 16 64"
#                                   FIXED="1 2 4 8 16 32 64" MODE=vllm BUILD=build)
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
SRC=$PWD
SCALE=${SCALE:-0.1}
REPEATS=${REPEATS:-3}
MIN_N=${MIN_N:-16}
MAX_N=${MAX_N:-128}
CAPS=${CAPS:-1 4 16 64}
FIXED=${FIXED:-1 2 4 8 16 32 64}
MODE=${MODE:-vllm}
BUILD=${BUILD:-$SRC/build}
JV=$BUILD/src/cli/judge-vision
CLIENT=$BUILD/bench/sim_client
export JV_SIM=$BUILD/sim/judge-vision-sim
. "$SRC/tests/integration/lib_sim.sh"
W=$(mktemp -d "${TMPDIR:-/tmp}/jv-conc.XXXXXX")
SIM_WORK=$W/sim
PROXY_PID=
sim_on_exit() {
    [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null
    rm -rf "$W"
}
trap sim_cleanup EXIT

photos_for() { # C -> N(C)
    n=$((4 * $1))
    [ "$n" -lt "$MIN_N" ] && n=$MIN_N
    [ "$n" -gt "$MAX_N" ] && n=$MAX_N
    echo "$n"
}
max_n=$MIN_N
for c in $CAPS; do [ "$(photos_for "$c")" -gt "$max_n" ] && max_n=$(photos_for "$c"); done
echo "== making $max_n distinct 1600x1200 photos"
make_photos "$W" "$W/all" "$max_n"
for c in $CAPS; do
    n=$(photos_for "$c")
    mkdir -p "$W/photos$c"
    ls "$W/all" | head -n "$n" | while read -r f; do ln "$W/all/$f" "$W/photos$c/$f"; done
done

# The requests judge-vision sends, recorded by a proxy in front of the simulator (the first
# request of each photo: a reply asked again at temperature 0 is not kept).
echo "== recording the requests of one run (and warming the IQA cache)"
start_sim --time-scale 0.01 --max-seqs 64
mkdir -p "$W/bodies"
/usr/bin/python3 - "$SIM_URL" "$W/bodies" >"$W/proxy.url" 2>"$W/proxy.log" <<'PY' &
import http.client, http.server, json, sys, threading, urllib.parse
up = urllib.parse.urlparse(sys.argv[1]); out = sys.argv[2]; lock = threading.Lock(); seq = [0]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def relay(self, body):
        c = http.client.HTTPConnection(up.hostname, up.port, timeout=600)
        c.request(self.command, self.path, body, {"Content-Type": "application/json"})
        r = c.getresponse()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Transfer-Encoding", "chunked"); self.end_headers()
        while True:
            chunk = r.read1(65536)
            if not chunk: break
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk)); self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n"); c.close()
    def do_GET(self): self.relay(None)
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path.endswith("/chat/completions") and json.loads(body).get("temperature", 0) > 0:
            with lock:
                seq[0] += 1; n = seq[0]
            open("%s/b%04d.json" % (out, n), "wb").write(body)
        self.relay(body)
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print("http://127.0.0.1:%d" % s.server_port, flush=True)
s.serve_forever()
PY
PROXY_PID=$!
for _ in $(seq 1 100); do [ -s "$W/proxy.url" ] && break; sleep 0.1; done
PROXY=$(head -n1 "$W/proxy.url")
"$JV" run -i "$W/all" --base-url "$PROXY/v1" --quiet --concurrency 8 --output-jsonl "$W/rec/r.jsonl" \
    --iqa-cache "$W/iqa.jsonl" --log-file "$W/rec/log" --progress-file "$W/rec/p.json" >/dev/null
kill "$PROXY_PID"
PROXY_PID=
stop_sim
echo "recorded $(ls "$W/bodies" | wc -l) request bodies"

# one_run TAG PHOTOS [OPTIONS]: one judge-vision run; appends "wall ttft_p95 timeouts errors" to $W/TAG
one_run() {
    tag=$1 photos=$2
    shift 2
    rm -rf "$W/o"
    t0=$(date +%s.%N)
    "$JV" run -i "$photos" --base-url "$SIM_API" --quiet --fresh --output-jsonl "$W/o/r.jsonl" \
        --iqa-cache "$W/iqa.jsonl" --log-file "$W/o/log" --progress-file "$W/o/p.json" "$@" \
        >/dev/null 2>"$W/o.err" || { cat "$W/o.err" >&2; return 1; }
    t1=$(date +%s.%N)
    /usr/bin/python3 - "$t0" "$t1" "$W/o/r.metadata.json" "$W/o/log" >>"$W/$tag" <<'PY'
import json, sys
m = json.load(open(sys.argv[3]))
c = m["critique"]
timeouts = sum(1 for l in open(sys.argv[4]) if '"http_retry"' in l and "no complete reply" in l)
lim = m.get("concurrency", {}).get("vlm") or {}
print("%.3f %.4f %d %d %s" % (float(sys.argv[2]) - float(sys.argv[1]), c["ttft_seconds"].get("p95") or 0,
      timeouts, c["errors"] + c["parse_errors"], lim.get("limit", "-")))
PY
}

# client TAG C N: the bare client over the recorded bodies; appends its wall time
client() {
    list=$(ls "$W"/bodies/*.json | head -n "$3" | tr '\n' ',' | sed 's/,$//')
    "$CLIENT" "$SIM_API" "$list" "$3" "$2" | /usr/bin/python3 -c \
        'import json,sys; j=json.loads(sys.stdin.read()); print("%.3f" % j["wall_s"])' >>"$W/$1"
}

# med FILE COLUMN: "median [min-max]" of a column
med() {
    sort -n -k"$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { printf "%.2f [%.2f-%.2f]", v[int((NR + 1) / 2)], v[1], v[NR] }'
}
median() { sort -n -k"$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'; }

printf '\n%-4s %-5s %-22s %-28s %-22s %-7s %-7s %s\n' C N auto "best fixed (K)" ceiling auto/fix auto/ceil "auto limit; one-slot checks"
for c in $CAPS; do
    n=$(photos_for "$c")
    start_sim --time-scale "$SCALE" --max-seqs "$c" --mode "$MODE"
    r=0
    while [ $r -lt "$REPEATS" ]; do
        one_run "auto$c" "$W/photos$c"
        for k in $FIXED; do one_run "fix$c.$k" "$W/photos$c" --concurrency "$k"; done
        for k in "$c" $((2 * c)); do client "cl$c.$k" "$k" "$n"; done
        r=$((r + 1))
    done
    stop_sim
    best_k= best=
    for k in $FIXED; do
        m=$(median "$W/fix$c.$k" 1)
        if [ -z "$best" ] || [ "$(echo "$m < $best" | bc)" = 1 ]; then best=$m best_k=$k; fi
    done
    ceil_f= ceil=
    for k in "$c" $((2 * c)); do
        m=$(median "$W/cl$c.$k" 1)
        if [ -z "$ceil" ] || [ "$(echo "$m < $ceil" | bc)" = 1 ]; then ceil=$m ceil_f=$W/cl$c.$k; fi
    done
    a=$(median "$W/auto$c" 1)
    extra="limit $(median "$W/auto$c" 5)"
    if [ "$c" = 1 ]; then
        extra="$extra; timeouts $(awk '{ s += $3 } END { print s }' "$W/auto1"), errors $(awk '{ s += $4 } END { print s }' "$W/auto1"); p95 TTFT auto $(median "$W/auto1" 2) s vs --concurrency 1 $(median "$W/fix1.1" 2) s"
    fi
    printf '%-4s %-5s %-22s %-28s %-22s %-7s %-7s %s\n' "$c" "$n" "$(med "$W/auto$c" 1)" \
        "$(med "$W/fix$c.$best_k" 1) ($best_k)" "$(med "$ceil_f" 1)" \
        "$(echo "scale=2; $a / $best" | bc)" "$(echo "scale=2; $a / $ceil" | bc)" "$extra"
done
echo
echo "(wall seconds of whole runs, median [range] of $REPEATS; time scale $SCALE, simulator mode $MODE)"
