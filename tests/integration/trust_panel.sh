#!/bin/sh
# A panel of judges against the real simulator (issue 15, point 3): --judges 3
# sends three seeded requests per photo with the profile's paraphrased
# variants, records every judge's score, the median (or with --panel-combine
# sum the sum) as the total and the critique of the judge closest to it; the
# manifest has the panel's spread and Kendall's W; the registry's `judges`
# sets the panel when the option does not, and a bad value is refused.
set -eu
. "$(dirname "$0")/lib.sh"
make_workdir
cd "$WORK"
make_photos photos/Colour 8
start_sim --time-scale 0.01 --score-noise 2.5 --seed 3 --verbose
"$JV" run -i photos --base-url "$SIM_URL/v1" --quiet --concurrency 8 --judges 3 \
    --output-jsonl out/p.jsonl --iqa-cache out/iqa.jsonl >/dev/null 2>err.txt \
    || { cat err.txt; fail "panel run"; }
[ "$(sim_requests)" = 24 ] || fail "3 judges x 8 photos should be 24 requests, got $(sim_requests)"
/usr/bin/python3 - out/p.jsonl out/p.metadata.json <<'PY' || fail "panel outputs"
import json, sys, statistics
recs = [json.loads(l) for l in open(sys.argv[1])]
man = json.load(open(sys.argv[2]))
assert len(recs) == 8, len(recs)
differ = 0
for r in recs:
    j = r["critique_judges"]
    assert r["status"] == "ok" and len(j) == 3 and all(isinstance(s, int) for s in j), r
    med = statistics.median(j)
    assert r["critique_total"] == round(med) == r["critique_total_raw"], (j, r["critique_total"])
    assert r["critique_total_initial"] == med
    assert abs(r["critique_spread"] - (max(j) - min(j))) < 1e-9
    differ += len(set(j)) > 1
assert differ >= 3, "the judges hardly differ: %s" % [r["critique_judges"] for r in recs]
p = man["panel"]
assert p["judges"] == 3 and p["combine"] == "median" and p["photos"] == 8, p
assert len({x["sha256"] for x in p["prompts"]}) == 3, p["prompts"]
assert [x["profile"] for x in p["prompts"]] == [
    "club_judge_compact", "club_judge_compact.2", "club_judge_compact.3"], p["prompts"]
assert isinstance(p["kendall_w"], float) and 0 < p["kendall_w"] <= 1, p
assert p["spread"]["count"] == 8 and p["widest"]["spread"] == max(r["critique_spread"] for r in recs)
assert man["critique"]["requests"] == 24
assert man["parameters"]["judges"] == 3
# the records are tied to the panel, not to the profile alone
assert all(r["prompt_sha256"] == p["sha256"] != man["prompt"]["sha256"] for r in recs)
PY
# the same round judged by a panel of 2: judged again (the panel's results kept aside), not resumed
cp out/p.jsonl out/q.jsonl
"$JV" run -i photos --base-url "$SIM_URL/v1" --quiet --concurrency 8 --judges 2 \
    --output-jsonl out/q.jsonl --iqa-cache out/iqa.jsonl >/dev/null 2>err.txt || { cat err.txt; fail "rerun"; }
ls out/q.jsonl.*.bak >/dev/null 2>&1 || fail "the 3-judge results were not kept aside"
[ "$(head -1 out/q.jsonl | jq '.critique_judges | length')" = 2 ] || fail "a 3-judge round was resumed by 2 judges"

# sum: the judges' marks added (PAGB style)
"$JV" run -i photos --base-url "$SIM_URL/v1" --quiet --concurrency 8 --judges 3 \
    --panel-combine sum --output-jsonl out/s.jsonl --iqa-cache out/iqa.jsonl >/dev/null 2>err.txt \
    || { cat err.txt; fail "sum run"; }
/usr/bin/python3 - out/s.jsonl out/p.jsonl <<'PY' || fail "sum outputs"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
med = {r["image"]: r for r in (json.loads(l) for l in open(sys.argv[2]))}
for r in recs:
    assert r["critique_total"] == sum(r["critique_judges"]), r
    # the same requests: the same judges' marks as the median run
    assert r["critique_judges"] == med[r["image"]]["critique_judges"]
    # the critique shown is a judge's whose mark is closest to the mean
    assert r["critique"] is not None
PY

# the registry's judges = 2, and a bad value
cat >reg.toml <<'T'
[competition.two]
name = "Two judges"
judges = 2
[competition.bad]
judges = "three"
T
"$JV" run -i photos --base-url "$SIM_URL/v1" --quiet --concurrency 8 \
    --competition-config reg.toml --competition two --output-jsonl out/t.jsonl \
    --iqa-cache out/iqa.jsonl >/dev/null 2>err.txt || { cat err.txt; fail "registry judges"; }
[ "$(head -1 out/t.jsonl | jq '.critique_judges | length')" = 2 ] || fail "registry judges = 2 ignored"
set +e
"$JV" run -i photos --base-url "$SIM_URL/v1" --quiet --competition-config reg.toml \
    --competition bad --output-jsonl out/b.jsonl --iqa-cache out/iqa.jsonl >/dev/null 2>err.txt
rc=$?
set -e
[ "$rc" != 0 ] || fail "judges = \"three\" was accepted"
grep -q "reg.toml: competition.bad.judges" err.txt || fail "bad judges message: $(cat err.txt)"
# one judge: no panel figures, no seed sent
"$JV" run -i photos --base-url "$SIM_URL/v1" --quiet --output-jsonl out/one.jsonl \
    --iqa-cache out/iqa.jsonl >/dev/null 2>err.txt || { cat err.txt; fail "one judge"; }
[ "$(head -1 out/one.jsonl | jq -c '[.critique_judges, .critique_spread]')" = "[null,null]" ] \
    || fail "a single judge has panel figures"
jq -e 'has("panel") | not' out/one.metadata.json >/dev/null || fail "a single judge's manifest has a panel"

# consistency (point 5): 4 of the 8 photos asked twice (the first judge's request, identical),
# and in the playoff the matches shown both ways
"$JV" run -i photos --base-url "$SIM_URL/v1" --quiet --concurrency 8 --judges 3 \
    --consistency-sample 4 --pairwise --pairwise-threshold 0 --output-jsonl out/c.jsonl \
    --iqa-cache out/iqa.jsonl >/dev/null 2>err.txt || { cat err.txt; fail "consistency run"; }
/usr/bin/python3 - out/c.jsonl out/c.metadata.json out/c.matches.jsonl <<'PY' || fail "consistency"
import json, sys
recs = {r["image"]: r for r in map(json.loads, open(sys.argv[1]))}
man = json.load(open(sys.argv[2]))
assert len(recs) == 8
c = man["consistency"]["critique"]
assert c["sample"] == 4 and c["photos"] == 4, c
for p in c["pairs"]:
    assert p["first"] == recs[p["image"]]["critique_judges"][0], (p, recs[p["image"]])
    # the simulator answers the same request alike, so the repeat agrees
    assert p["second"] == p["first"], p
assert c["identical_share"] == 1.0 and c["difference"]["max"] == 0
assert man["critique"]["requests"] >= 8 * 3 + 4, man["critique"]["requests"]
ways = {}
for m in map(json.loads, open(sys.argv[3])):
    if m.get("winner"):
        ways.setdefault((m["category"], m["a"], m["b"]), []).append(m["winner"] == "A")
pairs = comps = flips = 0
for (cat, a, b), one in ways.items():
    other = ways.get((cat, b, a))
    if a < b and other:
        pairs += 1
        for x in one:
            for y in other:
                comps += 1
                flips += x == y
pl = man["consistency"]["playoff"]
assert (pl["swapped_pairs"], pl["comparisons"], pl["flips"]) == (pairs, comps, flips), (pl, pairs, comps, flips)
assert comps > 0, "no pair was shown both ways"
assert abs(pl["flip_share"] - flips / comps) < 1e-9
PY
echo "trust_panel: ok"
