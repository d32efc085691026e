#!/bin/sh
# judge-vision serve: the event stream (progress file pushed within ~250 ms),
# starting `judge-vision run` as a child with the page's settings (its argv,
# output lines and exit reach the stream), settings kept on disk, the registry
# picker (POST /api/registries), and a clean stop on SIGTERM.
set -eu
JV=${JUDGE_VISION:?}
fail() { echo "FAIL: $*" >&2; [ -f "$WORK/serve.err" ] && tail -n 20 "$WORK/serve.err" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/jv-webapi.XXXXXX")
PID=""
SSE=""
cleanup() {
    [ -z "$SSE" ] || kill "$SSE" 2>/dev/null || true
    if [ -n "$PID" ]; then kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
OUT=$WORK/outputs
mkdir -p "$OUT" "$WORK/photos"

"$JV" serve --port 0 --outputs "$OUT" >"$WORK/serve.out" 2>"$WORK/serve.err" &
PID=$!
i=0
while [ ! -s "$WORK/serve.out" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
URL=$(head -n 1 "$WORK/serve.out")
case "$URL" in http://127.0.0.1:*/) ;; *) fail "serve printed '$URL'" ;; esac
TOKEN=$(curl -s "${URL}api/session" | sed -n 's/.*"token":"\([0-9a-f]*\)".*/\1/p')

curl -s -N --max-time 30 "${URL}api/events" >"$WORK/events" &
SSE=$!
sleep 0.5
mkdir -p "$OUT/metrics"
printf '{"total":3,"processed":2,"current_image":"/p/owl.jpg","status":"running","phase":"critique","stages":{"iqa":{"done":3,"total":3}}}' \
    >"$OUT/metrics/p.tmp"
mv "$OUT/metrics/p.tmp" "$OUT/metrics/judge_vision_progress.json"
i=0
until grep -q 'owl.jpg' "$WORK/events"; do
    i=$((i + 1))
    [ $i -lt 40 ] || fail "progress not pushed within 2 s: $(cat "$WORK/events")"
    sleep 0.05
done
grep -q '^event: progress$' "$WORK/events" || fail "no progress event"

# A run with the page's settings: the child's argv, output and exit are reported.
code=$(curl -s -o "$WORK/body" -w '%{http_code}' -X POST -H "X-JV-Token: $TOKEN" \
    -d "{\"inputs\":\"$WORK/photos\",\"base_url\":\"http://127.0.0.1:9/v1\",\"model\":\"m\",\"run_name\":\"t1\",\"stages\":{\"iqa\":true,\"critique\":true,\"playoff\":true},\"concurrency\":2}" \
    "${URL}api/run")
[ "$code" = 202 ] || fail "POST /api/run -> $code $(cat "$WORK/body")"
for want in "--input-dir=$WORK/photos" '--stage=full' '--pairwise' '--concurrency=2' \
    "--output-jsonl=$OUT/results/t1.jsonl" "--progress-file=$OUT/metrics/judge_vision_progress.json"; do
    grep -q -- "\"$want\"" "$WORK/body" || fail "child argv lacks $want: $(cat "$WORK/body")"
done
i=0
until curl -s "${URL}api/run" | grep -q '"running":false'; do
    i=$((i + 1))
    [ $i -lt 200 ] || fail "the child did not finish"
    sleep 0.1
done
curl -s "${URL}api/run" | grep -q '"exit_status":[0-9]' || fail "no exit status"
i=0
until grep -q '"exit_status":[0-9]' "$WORK/events"; do
    i=$((i + 1))
    [ $i -lt 40 ] || fail "no exit event: $(cat "$WORK/events")"
    sleep 0.05
done
kill "$SSE" 2>/dev/null || true
wait "$SSE" 2>/dev/null || true
SSE=""
grep -q '^event: run$' "$WORK/events" || fail "no run event"
grep -q '^event: log$' "$WORK/events" || fail "no output line from the child"
grep -q '"exit_status":[0-9]' "$WORK/events" || fail "no exit event"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "X-JV-Token: $TOKEN" "${URL}api/run/cancel")
[ "$code" = 409 ] || fail "cancel with nothing running -> $code"

# Cancel a live run against the simulator (SIGINT to the child: manifest
# "interrupted", exit 130), then start it again: it resumes.
BUILD=${JV_BUILD_DIR:-}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
if [ -n "$BUILD" ] && [ -x "$BUILD/sim/judge-vision-sim" ] && [ -n "${JV_SOURCE_DIR:-}" ]; then
    SIM_WORK=$WORK/sim
    # shellcheck source=/dev/null
    . "$JV_SOURCE_DIR/tests/integration/lib_sim.sh"
    sim_on_exit() { cleanup; }
    trap 'sim_cleanup' EXIT INT TERM
    start_sim --time-scale 0.05 || fail "simulator did not start"
    "$PY" "$JV_SOURCE_DIR/tests/browser/make_fixture.py" --outputs "$WORK/fx" --name c --count 16 \
        --images "$WORK/photos16" >/dev/null
    body="{\"inputs\":[\"$WORK/photos16\"],\"base_url\":\"$SIM_API\",\"model\":\"judge-vision-sim\",\"run_name\":\"c1\",\"concurrency\":1,\"pipeline\":false}"
    code=$(curl -s -o "$WORK/body" -w '%{http_code}' -X POST -H "X-JV-Token: $TOKEN" -d "$body" "${URL}api/run")
    [ "$code" = 202 ] || fail "POST /api/run (live) -> $code $(cat "$WORK/body")"
    i=0
    until [ -s "$OUT/results/c1.jsonl" ]; do
        i=$((i + 1))
        [ $i -lt 300 ] || fail "no record written by the live run"
        sleep 0.05
    done
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "X-JV-Token: $TOKEN" "${URL}api/run/cancel")
    [ "$code" = 202 ] || fail "cancel -> $code"
    i=0
    until curl -s "${URL}api/run" | grep -q '"running":false'; do
        i=$((i + 1))
        [ $i -lt 300 ] || fail "the cancelled run did not stop"
        sleep 0.1
    done
    curl -s "${URL}api/run" | grep -q '"exit_status":130' || fail "cancelled run: $(curl -s "${URL}api/run")"
    grep -q '"status": *"interrupted"' "$OUT/results/c1.metadata.json" || fail "manifest not marked interrupted"
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "X-JV-Token: $TOKEN" -d "$body" "${URL}api/run")
    [ "$code" = 202 ] || fail "restart -> $code"
    i=0
    until curl -s "${URL}api/run" | grep -q '"running":false'; do
        i=$((i + 1))
        [ $i -lt 600 ] || fail "the resumed run did not finish"
        sleep 0.1
    done
    curl -s "${URL}api/run" | grep -q '"exit_status":0' || fail "resumed run: $(curl -s "${URL}api/run")"
    "$PY" - "$OUT/results/c1.metadata.json" <<'PYEOF' || fail "resumed run did not reuse the finished records"
import json, sys
m = json.load(open(sys.argv[1]))
assert m["status"] == "complete", m["status"]
assert m["images"]["resumed"] >= 1 and m["images"]["processed"] == 16, m["images"]
PYEOF
fi

# Without --registry no registry is offered; the page's picker adds a *.toml
# named by its absolute path (once), and nothing else.
[ "$(curl -s "${URL}api/registries")" = '[]' ] || fail "registries offered without --registry: $(curl -s "${URL}api/registries")"
cp "${JV_SOURCE_DIR:?}/examples/competitions.toml" "$WORK/club.toml"
for bad in 'club.toml' "$WORK/missing.toml" "$WORK/serve.out"; do
    code=$(curl -s -o "$WORK/body" -w '%{http_code}' -X POST -H "X-JV-Token: $TOKEN" -d "{\"path\":\"$bad\"}" "${URL}api/registries")
    [ "$code" = 400 ] || fail "POST /api/registries $bad -> $code"
done
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d "{\"path\":\"$WORK/club.toml\"}" "${URL}api/registries")
[ "$code" = 403 ] || fail "POST /api/registries without the session token -> $code"
for _ in 1 2; do
    code=$(curl -s -o "$WORK/body" -w '%{http_code}' -X POST -H "X-JV-Token: $TOKEN" -d "{\"path\":\"$WORK/club.toml\"}" "${URL}api/registries")
    [ "$code" = 200 ] && grep -q '"id":0' "$WORK/body" || fail "POST /api/registries -> $code $(cat "$WORK/body")"
done
[ "$(curl -s "${URL}api/registries" | grep -o '"id"' | wc -l)" -eq 1 ] || fail "a file added twice: $(curl -s "${URL}api/registries")"
curl -s "${URL}api/competitions?registry=0" | grep -q '"club_dpi_2025"' || fail "the picked registry's competitions"
# A run that names no competition has none (GET /api/competition).
RID=$(curl -s "${URL}api/runs" | sed -n 's/^\[{"id":"\([0-9a-f]*\)".*/\1/p')
[ "$(curl -s "${URL}api/competition?run=$RID")" = '{"competition":null}' ] || fail "competition of run $RID: $(curl -s "${URL}api/competition?run=$RID")"

kill -TERM "$PID"
rc=0
wait "$PID" || rc=$?
PID=""
[ "$rc" -eq 0 ] || fail "serve exited $rc on SIGTERM"
echo "web_api: ok"
