#!/bin/sh
# judge-vision serve against hostile requests (curl, real server, free port):
# loopback-only binding, Host check, session token, body cap, bad JSON,
# unknown routes, path traversal, files outside the run, access token.
set -eu
JV=${JUDGE_VISION:?}
SRC=${JV_SOURCE_DIR:?}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
fail() { echo "FAIL: $*" >&2; [ -f "$WORK/serve.err" ] && tail -n 20 "$WORK/serve.err" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/jv-websec.XXXXXX")
PID=""
cleanup() {
    if [ -n "$PID" ]; then kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

start() { # start [serve options...]: sets PID, URL, HOSTPORT
    rm -f "$WORK/serve.out"
    "$JV" serve --port 0 --outputs "$WORK/outputs" "$@" >"$WORK/serve.out" 2>"$WORK/serve.err" &
    PID=$!
    i=0
    while [ ! -s "$WORK/serve.out" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    URL=$(head -n 1 "$WORK/serve.out")
    [ "$(wc -l <"$WORK/serve.out")" -eq 1 ] || fail "serve printed more than one line"
    case "$URL" in http://127.0.0.1:[0-9]*/) ;; *) fail "serve printed '$URL'" ;; esac
    HOSTPORT=${URL#http://}
    HOSTPORT=${HOSTPORT%/}
}
stop() {
    kill -INT "$PID"
    rc=0
    wait "$PID" || rc=$?
    PID=""
    [ "$rc" -eq 0 ] || fail "serve exited $rc on SIGINT"
}
code() { curl -s -o "$WORK/body" -w '%{http_code}' "$@"; }
expect() { # expect CODE curl-args...
    want=$1
    shift
    got=$(code "$@")
    [ "$got" = "$want" ] || fail "curl $* -> $got, want $want ($(head -c 200 "$WORK/body"))"
}

# --- refused configurations
set +e
"$JV" serve --host 0.0.0.0 --port 0 >"$WORK/o" 2>"$WORK/e"; rc=$?
set -e
[ "$rc" -eq 2 ] || fail "non-loopback without --allow-remote exit $rc, want 2"
grep -q 'loopback' "$WORK/e" || fail "refusal does not say why: $(cat "$WORK/e")"
[ ! -s "$WORK/o" ] || fail "refused serve printed a URL"
set +e
"$JV" serve --allow-remote --port 0 >/dev/null 2>"$WORK/e"; rc=$?
set -e
[ "$rc" -eq 2 ] || fail "--allow-remote without --token exit $rc"
set +e
"$JV" serve --port 99999 >/dev/null 2>&1; rc=$?
set -e
[ "$rc" -eq 2 ] || fail "bad port exit $rc"

# --- a run to serve, plus a file outside it and a record pointing at it
"$PY" "$SRC/tests/browser/make_fixture.py" --outputs "$WORK/outputs" --name r --count 4 >/dev/null
echo "top secret" >"$WORK/secret.txt"
"$PY" - "$WORK" <<'PYEOF'
import json, sys
w = sys.argv[1]
recs = [json.loads(l) for l in open(w + "/outputs/results/r.jsonl")]
bad = dict(recs[0], image=w + "/secret.txt")
with open(w + "/outputs/results/r.jsonl", "a") as f:
    f.write(json.dumps(bad) + "\n")
PYEOF
RESULTS_SUM=$(cksum <"$WORK/outputs/results/r.jsonl")

start
TOKEN=$(curl -s "$URL" | sed -n 's/.*name="jv-token" content="\([0-9a-f]*\)".*/\1/p')
[ ${#TOKEN} -eq 32 ] || fail "no session token in the page"
expect 200 "${URL}api/session"
grep -q "$TOKEN" "$WORK/body" || fail "/api/session token differs"
RUN=$(curl -s "${URL}api/runs" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')

# Host header (DNS rebinding)
expect 421 -H 'Host: evil.example' "${URL}api/runs"
expect 421 -H "Host: evil.example:${HOSTPORT#*:}" "${URL}"
expect 200 -H "Host: localhost:${HOSTPORT#*:}" "${URL}api/runs"

# session token on state changes
expect 403 -X PUT -H 'Content-Type: application/json' -d '{"model":"x"}' "${URL}api/settings"
expect 403 -X PUT -H 'X-JV-Token: 0000' -d '{"model":"x"}' "${URL}api/settings"
expect 403 -X POST "${URL}api/run/cancel"
expect 403 -X PUT -H "X-JV-Token: $TOKEN" -H 'Origin: http://evil.example' -d '{}' "${URL}api/settings"
expect 200 -X PUT -H "X-JV-Token: $TOKEN" -H "Origin: http://$HOSTPORT" -d '{"model":"x"}' "${URL}api/settings"
expect 200 "${URL}api/settings"
grep -q '"model": *"x"' "$WORK/body" || fail "settings not kept"

# malformed JSON, wrong shapes, body cap
expect 400 -X PUT -H "X-JV-Token: $TOKEN" -d '{"model":' "${URL}api/settings"
expect 400 -X PUT -H "X-JV-Token: $TOKEN" -d '[1,2]' "${URL}api/settings"
expect 400 -X POST -H "X-JV-Token: $TOKEN" -d 'nope' "${URL}api/overrides?run=$RUN"
expect 400 -X POST -H "X-JV-Token: $TOKEN" -d '{"idx":0,"score":25}' "${URL}api/overrides?run=$RUN"
expect 400 -X POST -H "X-JV-Token: $TOKEN" -d '{"idx":999,"score":12}' "${URL}api/overrides?run=$RUN"
expect 400 -X POST -H "X-JV-Token: $TOKEN" -d '{"image":"/etc/passwd","score":12}' "${URL}api/overrides?run=$RUN"
expect 400 -X POST -H "X-JV-Token: $TOKEN" -d '{"inputs":[]}' "${URL}api/run"
head -c 1100000 /dev/zero | tr '\0' 'a' >"$WORK/big"
expect 413 -X PUT -H "X-JV-Token: $TOKEN" --data-binary @"$WORK/big" "${URL}api/settings"
expect 413 -X PUT -H "X-JV-Token: $TOKEN" -H 'Transfer-Encoding: chunked' --data-binary @"$WORK/big" "${URL}api/settings"

# routes and methods
expect 404 "${URL}api/nope"
expect 404 "${URL}nope.html"
expect 405 -X DELETE -H "X-JV-Token: $TOKEN" "${URL}api/runs"
expect 405 -X POST -H "X-JV-Token: $TOKEN" -d '{}' "${URL}api/results?run=$RUN"

# traversal: never a file outside the run
for u in '../../../../etc/passwd' '%2e%2e/%2e%2e/%2e%2e/etc/passwd' '..%2f..%2f..%2fetc%2fpasswd' \
    'api/../../etc/passwd' '/etc/passwd' 'app.js/../../../etc/passwd' 'web/../../secret.txt'; do
    got=$(curl -s --path-as-is -o "$WORK/body" -w '%{http_code}' "${URL}$u")
    case "$got" in 4??) ;; *) fail "GET /$u -> $got" ;; esac
    ! grep -q 'root:\|top secret' "$WORK/body" || fail "GET /$u leaked a file"
done
for q in 'run=../../etc&idx=0' 'run=%2Fetc%2Fpasswd&idx=0' "run=$RUN/..&idx=0" "run=$RUN&idx=-1" \
    "run=$RUN&idx=1e3" "run=$RUN&idx=99999" "run=0123456789abcdef&idx=0" "run=$RUN&idx=4" "run=$RUN"; do
    got=$(code "${URL}api/image?$q")
    case "$got" in 4??) ;; *) fail "image?$q -> $got" ;; esac
    ! grep -q 'top secret' "$WORK/body" || fail "image?$q served a file outside the run"
done
expect 404 "${URL}api/thumb?run=$RUN&idx=4&size=64"
expect 400 "${URL}api/manifest?run=..%2F..%2Fetc%2Fpasswd"
expect 400 "${URL}api/results?run=$WORK/outputs/results/r.jsonl"
# /api/results names the record schema's fields, in the writer's order.
expect 200 "${URL}api/results?run=$RUN"
"$PY" - "$WORK/body" <<'PYEOF' || fail "/api/results lacks the schema's fields"
import json, sys
d = json.load(open(sys.argv[1]))
f = d["fields"]
assert f[0] == "schema_version" and f[1] == "run_id" and f[2] == "image", f
assert len(f) == len(set(f)) and "critique_total" in f and "pairwise_strength" in f, f
assert len(d["records"]) == 5, len(d["records"])
PYEOF
IMG=$("$PY" -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["image"])' "$WORK/outputs/results/r.jsonl")
expect 200 "${URL}api/image?run=$RUN&idx=0"
cmp -s "$WORK/body" "$IMG" || fail "image bytes differ from the record's file"
expect 200 "${URL}api/thumb?run=$RUN&idx=0&size=64"
[ "$(head -c 2 "$WORK/body" | od -An -tx1 | tr -d ' ')" = ffd8 ] || fail "thumbnail is not a JPEG"
ls "$WORK/outputs/cache/thumbs/"*_64.jpg >/dev/null || fail "thumbnail not cached under outputs"

# a valid edit goes to the overrides file; the results file is untouched
expect 200 -X POST -H "X-JV-Token: $TOKEN" -d '{"idx":1,"score":20,"award":"Distinction"}' "${URL}api/overrides?run=$RUN"
[ -f "$WORK/outputs/results/r.overrides.json" ] || fail "no overrides file"
[ "$(cksum <"$WORK/outputs/results/r.jsonl")" = "$RESULTS_SUM" ] || fail "results file changed"
expect 200 "${URL}api/export.csv?run=$RUN"
grep -q ',20,.*Distinction,yes' "$WORK/body" || fail "CSV lacks the edit"
# security headers
curl -s -D "$WORK/h" -o /dev/null "$URL"
grep -qi '^Content-Security-Policy:' "$WORK/h" || fail "no CSP"
grep -qi '^X-Content-Type-Options: nosniff' "$WORK/h" || fail "no nosniff"
stop

# --- remote mode: the access token on every request (still bound to loopback here)
start --allow-remote --token s3cret-token-1
expect 401 "${URL}api/runs"
expect 401 "${URL}"
expect 401 "${URL}?token=wrong-token-0"
curl -s -D "$WORK/h" -o "$WORK/body" "${URL}?token=s3cret-token-1" >/dev/null
grep -qi '^Set-Cookie: jv_access=s3cret-token-1' "$WORK/h" || fail "no access cookie set"
expect 200 -H 'Cookie: jv_access=s3cret-token-1' "${URL}api/runs"
expect 200 -H 'X-JV-Access: s3cret-token-1' "${URL}api/runs"
stop
echo "web_security: ok"
