#!/bin/sh
# Fail fast, say why (doc/SPEC.md 5; issue 11 point 4): before any photo the
# server must list --model (else exit 1 naming the served models, or
# suggesting /v1), every output path must be writable; identical failures in
# a row stop the run; an all-failed run exits 1, not 3; the closing lines say
# what is saved, how many failed and the commonest error; and on a terminal
# they start on a line of their own.
set -eu
. "$(dirname "$0")/lib.sh"
make_workdir
cd "$WORK"
make_photos photos 8
mkdir -p few
cp photos/photo_0.jpg photos/photo_1.jpg photos/photo_2.jpg few/ 2>/dev/null ||
    cp photos/noise_0.jpg photos/noise_1.jpg photos/noise_2.jpg few/

OUT="--output-jsonl out/r.jsonl --summary out/s.md --iqa-cache out/iqa.jsonl
    --progress-file out/p.json --log-file log/run.log"
# run URL [OPTIONS...]: a run on photos/ with its stdout and stderr in o.txt and e.txt; sets rc.
run() {
    url=$1
    shift
    set +e
    # shellcheck disable=SC2086
    "$JV" run -i photos --base-url "$url" --quiet $OUT "$@" >o.txt 2>e.txt
    rc=$?
    set -e
}
nothing_written() {
    for f in out/r.jsonl out/r.metadata.json out/s.md out/iqa.jsonl; do
        [ ! -e "$f" ] || fail "$1: $f was written"
    done
}

# A server that serves one model by name: a wrong --model stops the run at once.
start_sim --time-scale 0.01 --model-name served-a
STRICT=$SIM_URL
run "$STRICT/v1" --model wrong-model
[ $rc -eq 1 ] || { cat e.txt; fail "wrong --model: exit $rc, want 1"; }
grep -q 'does not serve the model "wrong-model" (--model); it serves: served-a' e.txt ||
    { cat e.txt; fail "the message does not name the served models"; }
nothing_written "wrong --model"
[ "$(sim_requests)" -eq 0 ] || fail "a chat request was sent with a wrong --model"

# The base URL without /v1: the message suggests it.
run "$STRICT" --model served-a
[ $rc -eq 1 ] || { cat e.txt; fail "no /v1: exit $rc, want 1"; }
grep -q "answered HTTP 404: the base URL probably lacks /v1 (try --base-url $STRICT/v1)" e.txt ||
    { cat e.txt; fail "the message does not suggest /v1"; }
nothing_written "no /v1"

# llama-server ignores the model name: a warning, and the run goes on.
start_sim --time-scale 0.01
ANY=$SIM_API
run "$ANY" --model some-gguf --backend llamacpp
[ $rc -eq 0 ] || { cat e.txt; fail "llamacpp with an unlisted model: exit $rc, want 0"; }
grep -q "warning: .* llama-server ignores the model name: --model some-gguf is not checked" e.txt ||
    { cat e.txt; fail "no warning about the unlisted model"; }
[ "$(wc -l <out/r.jsonl)" -eq 8 ] || fail "llamacpp run: not 8 records"
# ... but the same server with --backend vllm (the default) stops.
rm -rf out
run "$ANY" --model some-gguf
[ $rc -eq 1 ] || { cat e.txt; fail "vllm with an unlisted model: exit $rc, want 1"; }
grep -q "it serves: judge-vision-sim, Qwen/Qwen3-VL-8B-Instruct-FP8" e.txt ||
    { cat e.txt; fail "the served models are not named"; }

# An unwritable --summary (a path below a file) is found at the start, before any photo.
before=$(sim_requests)
run "$ANY" --summary photos/photo_0.jpg/s.md
[ $rc -eq 1 ] || { cat e.txt; fail "unwritable --summary: exit $rc, want 1"; }
grep -q "the summary (--summary) photos/photo_0.jpg/s.md cannot be written" e.txt ||
    { cat e.txt; fail "the message does not name the summary path"; }
[ "$(sim_requests)" -eq "$before" ] || fail "photos were judged before the summary was checked"
nothing_written "unwritable --summary"
# ... and a folder where a file should be.
mkdir -p dir.md
run "$ANY" --summary dir.md
[ $rc -eq 1 ] && grep -q "dir.md is a folder" e.txt || { cat e.txt; fail "a folder as --summary"; }

# The same failure 5 times in a row (the default) stops the run: exit 1, the
# commonest error and a hint, the manifest failed, no more photos sent.
start_sim --time-scale 0.01 --fail-first 1000 --fail-first-status 404
FAILING=$SIM_API
run "$FAILING" --concurrency 1
[ $rc -eq 1 ] || { cat e.txt; fail "failures in a row: exit $rc, want 1"; }
grep -q "stopped after 5 identical failures in a row (--max-consecutive-failures 5): .*HTTP 404" e.txt ||
    { cat e.txt; fail "no message about the failures in a row"; }
grep -q "judge-vision: stopped: 0 of 8 judged and saved, 5 failed" e.txt ||
    { cat e.txt; fail "the closing line does not count saved and failed photos"; }
grep -q "judge-vision: commonest error (5 of 5 failed): .*HTTP 404" e.txt ||
    { cat e.txt; fail "no commonest error"; }
grep -q "judge-vision: hint: check --base-url" e.txt || { cat e.txt; fail "no hint"; }
[ "$(sim_metric 'sim_faults_total{kind="fail_first"}')" = 5.0 ] || fail "photos were sent after the stop"
[ "$(wc -l <out/r.jsonl)" -eq 5 ] || fail "$(wc -l <out/r.jsonl) records after 5 failures in a row"
[ "$(json_get out/r.metadata.json "j['status']")" = failed ] || fail "manifest not failed"
[ ! -e out/s.md ] || fail "a run that gave up wrote a summary"

# Every photo failed (the rule off): exit 1, not the 3 of "some failed".
rm -rf out
set +e
# shellcheck disable=SC2086
"$JV" run -i few --base-url "$FAILING" --quiet $OUT --max-consecutive-failures 0 >o.txt 2>e.txt
rc=$?
set -e
[ $rc -eq 1 ] || { cat e.txt; fail "all failed: exit $rc, want 1"; }
grep -q "judged 3 of 3 images .* (0 resumed, 3 failed)" o.txt || { cat o.txt; fail "stdout"; }
grep -q "judge-vision: 0 of 3 judged and saved, 3 failed" e.txt || { cat e.txt; fail "closing line"; }
grep -q "judge-vision: commonest error (3 of 3 failed)" e.txt || { cat e.txt; fail "commonest error"; }

# Some failed: still 3.
start_sim --time-scale 0.01 --fail-first 1 --fail-first-status 400
rm -rf out
set +e
# shellcheck disable=SC2086
"$JV" run -i few --base-url "$SIM_API" --quiet --concurrency 1 $OUT >o.txt 2>e.txt
rc=$?
set -e
[ $rc -eq 3 ] || { cat e.txt; fail "some failed: exit $rc, want 3"; }
grep -q "judge-vision: 2 of 3 judged and saved, 1 failed" e.txt || { cat e.txt; fail "closing line"; }

# On a terminal the last progress line is ended before the closing lines.
rm -rf out
/usr/bin/python3 - "$JV" run -i few --base-url "$ANY" $OUT <<'PY' || fail "closing lines glued to the progress line"
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
text = out.decode("utf-8", "replace")
assert os.waitstatus_to_exitcode(status) == 0, text
assert "\r\x1b[K" in text, "no progress line drawn: " + repr(text[-300:])
i = text.index("judged 3 of 3 images")
assert text[i - 1] == "\n", "glued: " + repr(text[max(0, i - 120):i + 20])
PY
echo "fail_fast: ok"
