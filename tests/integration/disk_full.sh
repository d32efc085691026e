#!/bin/sh
# Disk full part-way (doc/SPEC.md 5; issue 11 point 5): the results file on a
# small tmpfs that fills up during the run. The run must stop at the first
# refused write (exit 1, saying why), leave no torn line, count nothing that
# is not on disk, and the manifest must say `failed` (or the message says why
# it could not be written). With space freed, the same command resumes:
# every photo judged once, nothing lost or duplicated, only the missing ones
# asked again. Needs `mount -t tmpfs` (root); skipped otherwise.
set -eu
. "$(dirname "$0")/lib.sh"
make_workdir
cd "$WORK"
N=12
mkdir mnt
if ! mount -t tmpfs -o size=256k,mode=0755 tmpfs mnt 2>mount.txt; then
    echo "disk_full: skipped: cannot mount a tmpfs here ($(cat mount.txt))"
    exit 77
fi
sim_on_exit() {
    umount "$WORK/mnt" 2>/dev/null || true
    rm -rf "$WORK"
}
make_photos photos $N
start_sim --time-scale 0.01
# 96 of the 128 KiB taken: room for the manifest and a few of the ~3 KB records.
dd if=/dev/zero of=mnt/filler bs=1k count=224 2>/dev/null

ARGS="-i photos --base-url $SIM_API --quiet --concurrency 1 --flush-every 1
    --output-jsonl mnt/r.jsonl --summary out/s.md --iqa-cache out/iqa.jsonl
    --progress-file out/p.json --log-file out/run.log"
set +e
# shellcheck disable=SC2086
"$JV" run $ARGS >stdout.txt 2>err.txt
rc=$?
set -e
[ $rc -eq 1 ] || { cat err.txt; fail "disk full: exit $rc, want 1"; }
grep -q "error: stopped: the results could not be written: .*No space left on device" err.txt ||
    { cat err.txt; fail "the run does not say that the disk is full"; }
cat >check_full.py <<'PY'
import json, sys
data = open(sys.argv[1]).read()
assert data == "" or data.endswith("\n"), "a torn last line"
recs = [json.loads(l) for l in data.splitlines()]
assert all(r["status"] == "ok" for r in recs)
assert len({r["image"] for r in recs}) == len(recs) < int(sys.argv[2]), len(recs)
print(len(recs))
PY
saved=$(/usr/bin/python3 check_full.py mnt/r.jsonl $N) || fail "results on the full disk"
echo "disk full after $saved of $N records"
grep -q "judge-vision: stopped: $saved of $N judged and saved, 0 failed" err.txt ||
    { cat err.txt; fail "the closing line does not count what is on disk ($saved)"; }
if grep -q "manifest: .*No space left" err.txt; then
    echo "the manifest could not be written, and the message says so"
else
    [ "$(json_get mnt/r.metadata.json "j['status']")" = failed ] || fail "manifest not failed"
    [ "$(json_get mnt/r.metadata.json "j['images']['processed']")" = "$saved" ] ||
        fail "the manifest counts records that are not on disk"
fi
[ ! -e out/s.md ] || fail "a summary was written after the disk filled up"

# Space freed: the same command resumes.
rm mnt/filler
before=$(sim_requests)
# shellcheck disable=SC2086
"$JV" run $ARGS >stdout.txt 2>err.txt || { cat err.txt; fail "the rerun failed"; }
asked=$(( $(sim_requests) - before ))
[ "$asked" -eq $((N - saved)) ] || fail "the rerun asked $asked, want $((N - saved))"
/usr/bin/python3 - mnt/r.jsonl $N <<'PY' || fail "results after the rerun"
import json, sys, collections
recs = [json.loads(l) for l in open(sys.argv[1])]
ok = collections.Counter(r["image"] for r in recs if r["status"] == "ok")
assert len(recs) == int(sys.argv[2]) == len(ok) and set(ok.values()) == {1}, ok
PY
grep -q "judged $N of $N images .* ($saved resumed, 0 failed)" stdout.txt || { cat stdout.txt; fail "stdout"; }
echo "disk_full: ok"
