#!/bin/sh
# Stage 3 end to end against the real simulator: `judge-vision run --pairwise`,
# then the matches log cut mid-way (a killed playoff) and `--stage pairwise`:
# only the missing matches are asked, the final figures are the same; a rerun
# with the whole log asks nothing.
set -eu
. "$(dirname "$0")/lib.sh"
make_workdir
cd "$WORK"
make_photos photos 16
start_sim --time-scale 0.01

ARGS="-i photos --quiet --concurrency 4 --output-jsonl out/r.jsonl --iqa-cache out/iqa.jsonl
    --progress-file out/p.json --log-file out/run.log --pairwise-threshold 10 --pairwise-seed 7
    --summary out/s.md"
run() {
    # shellcheck disable=SC2086
    "$JV" run --base-url "$SIM_URL/v1" $ARGS "$@"
}

run --pairwise >/dev/null 2>err.txt || { cat err.txt; fail "run --pairwise"; }
[ -s out/r.matches.jsonl ] || fail "no matches log"
cp out/r.jsonl first.jsonl
# the summary says how sure the playoff is of 1st place
grep -q '^  - 1st place: .* — first in [0-9]* % of posterior draws$' out/s.md ||
    { cat out/s.md; fail "summary: no 1st place line"; }
cp out/r.matches.jsonl first.matches.jsonl

# results, log and manifest agree; no pair shown the same way twice, none met more than
# twice (the eig default); the top entry (by posterior strength) is 20
/usr/bin/python3 - out/r.jsonl out/r.matches.jsonl out/r.metadata.json <<'PY' || fail "playoff figures"
import json, sys, collections
recs = [json.loads(l) for l in open(sys.argv[1])]
log = [json.loads(l) for l in open(sys.argv[2])]
man = json.load(open(sys.argv[3]))
pw = man["pairwise"]
assert pw["completed"] == len(log) == pw["scheduled"], (pw, len(log))
pairs = collections.Counter((m["category"],) + tuple(sorted((m["a"], m["b"]))) for m in log)
assert max(pairs.values()) <= 2, "a pair met three times"
shown = collections.Counter((m["category"], m["a"], m["b"]) for m in log)
assert max(shown.values()) == 1, "a pair shown the same way twice"
for cat, c in pw["per_category"].items():
    if "note" not in c:
        assert c["schedule"] == "eig" and 0 < c["p_first"] <= 1, c
        assert isinstance(c["beta"], float) and isinstance(c["side_term"], float), c
assert all(m["winner"] in ("A", "B") and m["a"] != m["b"] for m in log)
elig = [r for r in recs if r.get("pairwise_comparisons") is not None]
assert len(elig) >= 3, f"only {len(elig)} eligible"
assert pw["encodings"] == len({m["a"] for m in log} | {m["b"] for m in log})
for r in elig:
    played = sum(r["image"] in (m["a"], m["b"]) for m in log)
    assert played == r["pairwise_comparisons"], r["image"]
    wins = sum((m["a"] if m["winner"] == "A" else m["b"]) == r["image"] for m in log)
    assert wins == r["pairwise_wins"], r["image"]
    assert abs(r["critique_total"] - r["pairwise_score_initial"]) <= 1 or r["critique_total"] == 20
    assert r["stage3_duration_seconds"] > 0
top = max(elig, key=lambda r: r["pairwise_strength"])
assert top["critique_total"] == 20, top
PY

# a playoff killed after 9 matches: the log cut there, mid-line
total=$(wc -l <first.matches.jsonl)
{ head -n 9 first.matches.jsonl; sed -n 10p first.matches.jsonl | cut -c1-40 | tr -d '\n'; } >out/r.matches.jsonl
before=$(sim_requests)
run --stage pairwise >/dev/null 2>err.txt || { cat err.txt; fail "run --stage pairwise"; }
asked=$(( $(sim_requests) - before ))
[ "$asked" -eq $((total - 9)) ] || fail "resume asked $asked matches, want $((total - 9))"
[ "$(wc -l <out/r.matches.jsonl)" -eq "$total" ] || fail "matches log has $(wc -l <out/r.matches.jsonl) lines, want $total"
/usr/bin/python3 - first.jsonl out/r.jsonl <<'PY' || fail "resumed playoff differs"
import json, sys
a = {r["image"]: r for r in map(json.loads, open(sys.argv[1]))}
b = {r["image"]: r for r in map(json.loads, open(sys.argv[2]))}
assert a.keys() == b.keys()
for k in a:
    for f in ("critique_total", "critique_award", "pairwise_score_initial", "pairwise_wins",
              "pairwise_comparisons", "pairwise_strength"):
        assert a[k].get(f) == b[k].get(f), (k, f, a[k].get(f), b[k].get(f))
PY

# the whole log present: nothing asked
before=$(sim_requests)
run --stage pairwise >/dev/null 2>err.txt || { cat err.txt; fail "second --stage pairwise"; }
[ "$(sim_requests)" -eq "$before" ] || fail "a finished playoff asked the server again"
echo "playoff_run: ok ($total matches)"
