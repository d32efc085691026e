#!/bin/sh
# judge-vision serve against hostile requests (curl, real server, free port):
# loopback-only binding, Host check, session token, body cap, bad JSON,
# unknown routes, path traversal, files outside the run, access token; and
# (doc/SPEC.md 6) photos only inside the run's input folders, side files never
# through a link, run ids salted per start, CORP and Sec-Fetch-Site, and a
# slow-loris from loopback that must not lock the page.
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
IMGDIR=$WORK/outputs/../fixture_images/r
# A photo-named link in the input folder to a file outside it, a record naming
# a real photo outside the input folders, and one naming /etc/passwd.
ln -s /etc/passwd "$IMGDIR/Colour/evil.jpg"
mkdir -p "$WORK/outside"
cp "$(ls "$IMGDIR"/Colour/*.jpg | grep -v evil | head -n 1)" "$WORK/outside/stolen.jpg"
"$PY" - "$WORK" "$IMGDIR" <<'PYEOF'
import json, sys
w, imgdir = sys.argv[1], sys.argv[2]
recs = [json.loads(l) for l in open(w + "/outputs/results/r.jsonl")]
with open(w + "/outputs/results/r.jsonl", "a") as f:
    for p in (imgdir + "/Colour/evil.jpg", w + "/outside/stolen.jpg", "/etc/passwd"):
        f.write(json.dumps(dict(recs[0], image=p)) + "\n")
PYEOF
# A second run whose manifest, matches log and overrides are links to files outside.
echo '{"top secret": "manifest"}' >"$WORK/secret.json"
head -n 2 "$WORK/outputs/results/r.jsonl" >"$WORK/outputs/results/linked.jsonl"
ln -s "$WORK/secret.json" "$WORK/outputs/results/linked.metadata.json"
printf '{"top secret": "matches"}\n' >"$WORK/secret.jsonl"
ln -s "$WORK/secret.jsonl" "$WORK/outputs/results/linked.matches.jsonl"
ln -s "$WORK/secret.json" "$WORK/outputs/results/linked.overrides.json"
# A results file that is itself a link is not a run.
ln -s "$WORK/outputs/results/r.jsonl" "$WORK/outputs/results/alias.jsonl"
RESULTS_SUM=$(cksum <"$WORK/outputs/results/r.jsonl")

start
TOKEN=$(curl -s "$URL" | sed -n 's/.*name="jv-token" content="\([0-9a-f]*\)".*/\1/p')
[ ${#TOKEN} -eq 32 ] || fail "no session token in the page"
expect 200 "${URL}api/session"
grep -q "$TOKEN" "$WORK/body" || fail "/api/session token differs"
run_id() { # run_id NAME: the id /api/runs gives the run NAME
    curl -s "${URL}api/runs" | "$PY" -c '
import json, sys
print(*[r["id"] for r in json.load(sys.stdin) if r["name"] == sys.argv[1]])' "$1"
}
RUN=$(run_id r)
LINKED=$(run_id linked)
[ -n "$RUN" ] && [ -n "$LINKED" ] || fail "runs not listed: $(curl -s "${URL}api/runs")"
[ -z "$(run_id alias)" ] || fail "a results file that is a link is listed"

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
expect 400 -X POST -H "X-JV-Token: $TOKEN" -d '{"image":"/etc/group","score":12}' "${URL}api/overrides?run=$RUN"
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
    "run=$RUN&idx=1e3" "run=$RUN&idx=99999" "run=0123456789abcdef&idx=0" "run=$RUN&idx=4" "run=$RUN" \
    "run=$RUN&idx=5" "run=$RUN&idx=6" "run=$RUN&idx=7"; do
    got=$(code "${URL}api/image?$q")
    case "$got" in 4??) ;; *) fail "image?$q -> $got" ;; esac
    ! grep -q 'top secret\|root:' "$WORK/body" || fail "image?$q served a file outside the run"
done
expect 404 "${URL}api/thumb?run=$RUN&idx=4&size=64"
# The photo-named link (idx 5) and the photo outside the input folders (idx 6): 403.
expect 403 "${URL}api/image?run=$RUN&idx=5"
grep -q 'not inside the run' "$WORK/body" || fail "link refusal does not say why: $(cat "$WORK/body")"
expect 403 "${URL}api/thumb?run=$RUN&idx=5&size=64"
expect 403 "${URL}api/image?run=$RUN&idx=6"
expect 403 "${URL}api/thumb?run=$RUN&idx=6&size=64"
expect 404 "${URL}api/image?run=$RUN&idx=7"
# Side files that are links are not followed.
expect 403 "${URL}api/manifest?run=$LINKED"
expect 200 "${URL}api/matches?run=$LINKED"
[ "$(cat "$WORK/body")" = "[]" ] || fail "a linked matches log was read: $(cat "$WORK/body")"
code "${URL}api/results?run=$LINKED" >/dev/null
! grep -q 'top secret' "$WORK/body" || fail "a linked overrides file was read"
curl -s "${URL}api/runs" | grep -q 'top secret' && fail "/api/runs read a linked manifest"
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
assert len(d["records"]) == 8, len(d["records"])
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
for u in "$URL" "${URL}api/image?run=$RUN&idx=0" "${URL}api/runs" "${URL}api/image?run=$RUN&idx=6"; do
    curl -s -D "$WORK/h" -o /dev/null "$u"
    grep -qi '^Cross-Origin-Resource-Policy: same-origin' "$WORK/h" || fail "no CORP on $u"
done
# Another site's page (<img src=...>, fetch) is refused; our own page and navigation are not.
expect 403 -H 'Sec-Fetch-Site: cross-site' "${URL}api/image?run=$RUN&idx=0"
expect 403 -H 'Sec-Fetch-Site: cross-site' "${URL}api/thumb?run=$RUN&idx=0&size=64"
expect 403 -H 'Sec-Fetch-Site: cross-site' "${URL}api/runs"
expect 403 -H 'Sec-Fetch-Site: same-site' "${URL}api/results?run=$RUN"
expect 200 -H 'Sec-Fetch-Site: same-origin' "${URL}api/image?run=$RUN&idx=0"
expect 200 -H 'Sec-Fetch-Site: none' "${URL}api/manifest?run=$RUN&download=1"
expect 200 -H 'Sec-Fetch-Site: cross-site' "$URL"

# Slow-loris: 64 connections from loopback trickle their headers; normal
# requests are still answered, and the trickling ones are cut at the deadline.
"$PY" - "${HOSTPORT%:*}" "${HOSTPORT#*:}" "$RUN" <<'PYEOF' || fail "slow-loris"
import socket, sys, time, urllib.request
host, port, run = sys.argv[1], int(sys.argv[2]), sys.argv[3]
N, DEADLINE, LIMIT = 64, 10.0, 16.0
t0 = time.monotonic()
slow = []
for i in range(N):
    s = socket.create_connection((host, port), timeout=2)
    s.sendall(f"GET /api/runs HTTP/1.1\r\nHost: {host}:{port}\r\n".encode())
    s.setblocking(False)
    slow.append(s)
cut = {}
def trickle():
    now = time.monotonic()
    for i, s in enumerate(slow):
        if i in cut:
            continue
        try:
            s.send(b"X")
            if s.recv(1, socket.MSG_PEEK) == b"":
                cut[i] = now - t0
        except BlockingIOError:
            pass
        except OSError:
            cut[i] = now - t0
lat = []
for k in range(8):
    trickle()
    a = time.monotonic()
    with urllib.request.urlopen(f"http://{host}:{port}/api/image?run={run}&idx=0", timeout=3) as r:
        assert r.status == 200 and len(r.read()) > 0
    lat.append(time.monotonic() - a)
    time.sleep(0.4)
while len(cut) < N and time.monotonic() - t0 < LIMIT:
    trickle()
    time.sleep(0.25)
print(f"slow-loris: {N} trickling connections; {len(lat)}/8 normal requests answered, "
      f"latency max {max(lat) * 1000:.0f} ms; {len(cut)}/{N} trickling connections cut, "
      f"after {min(cut.values(), default=0):.1f}-{max(cut.values(), default=0):.1f} s "
      f"(deadline {DEADLINE:.0f} s)")
assert len(cut) == N, f"only {len(cut)} of {N} slow connections were cut within {LIMIT} s"
assert max(cut.values()) >= DEADLINE - 1, cut
PYEOF
stop

# --- remote mode: the access token on every request (still bound to loopback here)
start --allow-remote --token s3cret-token-1
# Run ids depend on the server's secret: another start, other ids; the old one is unknown.
RUN2=$(curl -s -H 'X-JV-Access: s3cret-token-1' "${URL}api/runs" | "$PY" -c '
import json, sys
print(*[r["id"] for r in json.load(sys.stdin) if r["name"] == "r"])')
[ -n "$RUN2" ] && [ "$RUN2" != "$RUN" ] || fail "run id '$RUN2' is the same after a restart"
expect 404 -H 'X-JV-Access: s3cret-token-1' "${URL}api/results?run=$RUN"
expect 401 "${URL}api/runs"
expect 401 "${URL}"
expect 401 "${URL}?token=wrong-token-0"
curl -s -D "$WORK/h" -o "$WORK/body" "${URL}?token=s3cret-token-1" >/dev/null
grep -qi '^Set-Cookie: jv_access=s3cret-token-1' "$WORK/h" || fail "no access cookie set"
expect 200 -H 'Cookie: jv_access=s3cret-token-1' "${URL}api/runs"
expect 200 -H 'X-JV-Access: s3cret-token-1' "${URL}api/runs"
stop
echo "web_security: ok"
