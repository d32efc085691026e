#!/bin/sh
# A results append that fails stops the run (doc/SPEC.md 5; issue 11 point 5):
# with the results file already at the process's file-size limit
# (RLIMIT_FSIZE, SIGXFSZ ignored), the first record append is refused
# (EFBIG). The run must name the photo and the reason, write nothing more
# (no record, no final rewrite, no summary), count nothing that is not on
# disk, say `failed` in the manifest and exit 1. Until issue 11 the run went
# on and exited 3 with every photo counted as failed: the exit code and the
# counts asserted here changed on purpose. With the limit gone, a rerun
# resumes: every photo judged once, nothing lost or duplicated.
set -eu
. "$(dirname "$0")/lib.sh"
make_workdir
cd "$WORK"
N=3
LIMIT=65536
make_photos photos $N
start_sim --time-scale 0.01
mkdir -p out
# One ok record of an image not in the input, padded so the file is exactly
# LIMIT bytes: resume keeps it (the copy still fits), no byte can follow it.
/usr/bin/python3 - out/r.jsonl $LIMIT <<'PY'
import json, sys
limit = int(sys.argv[2])
rec = {"image": "/nonexistent/padding.jpg", "status": "ok", "pad": ""}
rec["pad"] = "x" * (limit - len(json.dumps(rec, separators=(",", ":"))) - 1)
line = json.dumps(rec, separators=(",", ":")) + "\n"
assert len(line) == limit
open(sys.argv[1], "w").write(line)
PY
set +e
/usr/bin/python3 - "$LIMIT" "$JV" run -i photos --base-url "$SIM_URL/v1" --quiet \
    --output-jsonl out/r.jsonl --summary out/s.md --iqa-cache out/iqa.jsonl \
    >stdout.txt 2>err.txt <<'PY'
import os, resource, signal, sys
limit = int(sys.argv[1])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a refused write fails with EFBIG instead
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
os.execv(sys.argv[2], sys.argv[2:])
PY
rc=$?
set -e
[ $rc -eq 1 ] || { cat stdout.txt err.txt; fail "exit $rc with the results append refused, want 1"; }
! grep -q "^judged" stdout.txt || { cat stdout.txt; fail "stdout reports photos as judged"; }
[ "$(grep -c "its record was not written" err.txt)" -eq 1 ] ||
    { cat err.txt; fail "the run did not stop at the first unwritten record"; }
grep -q "photos/.*: its record was not written: cannot write out/r.jsonl" err.txt ||
    { cat err.txt; fail "the message does not name the photo and the results file"; }
grep -q "error: stopped: the results could not be written: cannot write out/r.jsonl: File too large" err.txt ||
    { cat err.txt; fail "the run does not say why it stopped"; }
grep -q "judge-vision: stopped: 0 of $N judged and saved, 0 failed" err.txt ||
    { cat err.txt; fail "the closing line counts records that are not on disk"; }
[ "$(json_get out/r.metadata.json "j['status']")" = failed ] || fail "manifest status"
[ "$(json_get out/r.metadata.json "j['images']['processed']")" = 0 ] || fail "manifest processed count"
[ "$(json_get out/r.metadata.json "j['images']['failed']")" = 0 ] || fail "manifest failed count"
[ ! -e out/s.md ] || fail "a summary was written after the failed append"
# Nothing more was written: the results file is the padding record alone, untorn.
[ "$(wc -c <out/r.jsonl)" -eq $LIMIT ] || fail "the results file changed: $(wc -c <out/r.jsonl) bytes"

# The limit gone, the same command resumes and judges every photo once.
"$JV" run -i photos --base-url "$SIM_URL/v1" --quiet --output-jsonl out/r.jsonl \
    --summary out/s.md --iqa-cache out/iqa.jsonl >stdout.txt 2>err.txt ||
    { cat err.txt; fail "the rerun failed"; }
/usr/bin/python3 - out/r.jsonl $N <<'PY' || fail "results after the rerun"
import json, sys, collections
recs = [json.loads(l) for l in open(sys.argv[1])]
ok = collections.Counter(r["image"] for r in recs if r["status"] == "ok")
assert len(recs) == int(sys.argv[2]) and len(ok) == len(recs) and set(ok.values()) == {1}, recs
PY
echo "append_fail: ok"
