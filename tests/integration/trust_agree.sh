#!/bin/sh
# Agreement with the club's judges and calibration, end to end against the
# real simulator (issue 15, points 1 and 2): the simulator's "human" CSV for
# the photos, a round judged against its hidden truth, `agree` (by results
# file, round name and folder) with figures recomputed here, bad CSVs
# refused with the line, `calibrate` fitting a monotone curve that `run
# --calibration` applies (critique_total_raw kept, the manifest naming the
# file and its SHA-256), and the calibrated marks closer to the club's.
set -eu
. "$(dirname "$0")/lib.sh"
make_workdir
cd "$WORK"
make_photos photos 12
"$SIM" truth -i photos -o truth.json --human human.csv --human-noise 0.7 2>/dev/null || fail "sim truth"
start_sim --time-scale 0.01 --truth truth.json --score-noise 1.5 --seed 2
"$JV" run -i photos --base-url "$SIM_URL/v1" --quiet --concurrency 4 --output-dir outs \
    --round club1 --competition-config "$JV_SOURCE_DIR/examples/competitions.toml" \
    --competition club_dpi_2025 >/dev/null 2>err.txt || { cat err.txt; fail "run"; }
R=outs/results/club1.jsonl
"$JV" agree "$R" human.csv >agree.txt 2>err.txt || { cat err.txt; fail "agree"; }
grep -q "^overall " agree.txt || fail "no overall row: $(cat agree.txt)"
[ -f outs/results/club1.agreement.json ] || fail "no agreement JSON beside the round"
/usr/bin/python3 - "$R" human.csv outs/results/club1.agreement.json <<'PY' || fail "agreement figures"
import csv, json, sys, os
recs = {os.path.basename(r["image"]): r for r in map(json.loads, open(sys.argv[1]))}
rows = list(csv.DictReader(open(sys.argv[2])))
rep = json.load(open(sys.argv[3]))
assert rep["matched"] == 12 and rep["unmatched"] == [], rep["unmatched"]
m = [recs[r["file"]]["critique_total"] for r in rows]
h = [float(r["score"]) for r in rows]
def ranks(v):
    s = sorted(range(len(v)), key=lambda i: v[i]); r = [0.0] * len(v); i = 0
    while i < len(v):
        j = i
        while j + 1 < len(v) and v[s[j + 1]] == v[s[i]]: j += 1
        for k in range(i, j + 1): r[s[k]] = (i + j) / 2 + 1
        i = j + 1
    return r
def pearson(a, b):
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    num = sum((x - ma) * (y - mb) for x, y in zip(a, b))
    return num / (sum((x - ma) ** 2 for x in a) * sum((y - mb) ** 2 for y in b)) ** 0.5
o = rep["overall"]
assert abs(o["spearman"] - pearson(ranks(m), ranks(h))) < 1e-3, (o["spearman"],)
assert o["spearman"] > 0.5, o  # both follow the hidden quality
for k in (0, 1, 2):
    share = sum(abs(a - b) <= k for a, b in zip(m, h)) / len(m)
    assert abs(o["within"][str(k)] - share) < 1e-5, (k, o["within"], share)
aw = o["awards"]
assert sum(map(sum, aw["table"])) == 12 and "Distinction" in aw["labels"] + [""], aw
assert o["placing"]["in_both"] <= 3 and len(o["placing"]["human_top3"]) == 3
d = [abs(e["difference"]) for e in rep["entries"]]
assert d == sorted(d, reverse=True) and len(rep["entries"]) == 12
assert all(abs(e["difference"]) >= 2 for e in rep["differ_most"])
PY
# by round name and by folder
"$JV" agree club1 human.csv --output-dir outs >/dev/null 2>&1 || fail "agree by round name"
"$JV" agree photos human.csv --output-dir outs >/dev/null 2>&1 || fail "agree by folder"
set +e
"$JV" agree nosuch human.csv --output-dir outs >/dev/null 2>err.txt
[ $? = 1 ] && grep -q "no round 'nosuch'" err.txt || fail "unknown round: $(cat err.txt)"
# an unknown row is reported, not guessed; a bad score stops with its line
{ cat human.csv; echo "elsewhere.jpg,12,,"; } >extra.csv
"$JV" agree "$R" extra.csv >/dev/null 2>err.txt
[ $? = 0 ] && grep -q "elsewhere.jpg): no entry of the round" err.txt || fail "unmatched row: $(cat err.txt)"
printf 'file,score\nphoto_0.jpg,17\nphoto_1.jpg,abc\n' >bad.csv
"$JV" agree "$R" bad.csv >/dev/null 2>err.txt
[ $? = 1 ] && grep -q "bad.csv:3: score 'abc' is not a number" err.txt || fail "bad score: $(cat err.txt)"
printf 'name,colour\nx,y\n' >nokey.csv
"$JV" agree "$R" nokey.csv >/dev/null 2>err.txt
[ $? = 1 ] && grep -q "nokey.csv:1: the header names no file or title column" err.txt \
    || fail "no key column: $(cat err.txt)"
set -e

# calibrate on this round, apply to a rerun of the same photos as a new round
"$JV" calibrate human.csv club1 --output-dir outs -o club.calibration.json >cal.txt 2>err.txt \
    || { cat err.txt; fail "calibrate"; }
grep -q "fitted on 12 pairs" cal.txt || fail "calibrate output: $(cat cal.txt)"
jq -e '.format == "judge-vision-calibration" and .overall.pairs == 12 and
       (.overall.y | . == sort)' club.calibration.json >/dev/null || fail "calibration file"
"$JV" run -i photos --base-url "$SIM_URL/v1" --quiet --concurrency 4 --output-dir outs \
    --round club2 --calibration club.calibration.json \
    --competition-config "$JV_SOURCE_DIR/examples/competitions.toml" \
    --competition club_dpi_2025 >/dev/null 2>err.txt || { cat err.txt; fail "calibrated run"; }
"$JV" agree club2 human.csv --output-dir outs >/dev/null 2>&1 || fail "agree club2"
/usr/bin/python3 - outs/results/club1.jsonl outs/results/club2.jsonl club.calibration.json \
    outs/results/club2.metadata.json outs/results/club1.agreement.json \
    outs/results/club2.agreement.json "$(sha256sum club.calibration.json | cut -d' ' -f1)" <<'PY' \
    || fail "calibrated outputs"
import json, sys, bisect
one = {r["image"]: r for r in map(json.loads, open(sys.argv[1]))}
two = [json.loads(l) for l in open(sys.argv[2])]
cal = json.load(open(sys.argv[3]))
man = json.load(open(sys.argv[4]))
x, y = cal["overall"]["x"], cal["overall"]["y"]
def f(v):
    if v <= x[0]: return y[0]
    if v >= x[-1]: return y[-1]
    i = bisect.bisect_left(x, v)
    if x[i] == v: return y[i]
    return y[i - 1] + (v - x[i - 1]) / (x[i] - x[i - 1]) * (y[i] - y[i - 1])
bands = {"Merit": [14, 15], "Credit": [16, 17], "Distinction": [18, 19, 20]}
for r in two:
    assert r["critique_total_raw"] == one[r["image"]]["critique_total"], r  # same requests
    want = round(min(max(f(r["critique_total_raw"]), 0), 20))
    assert r["critique_total"] == want, (r["critique_total_raw"], r["critique_total"], want)
    assert r["critique_award"] == next((b for b, s in bands.items() if want in s), None)
assert man["calibration"]["sha256"] == sys.argv[7] and man["calibration"]["path"].endswith("club.calibration.json")
assert man["parameters"]["calibration"].endswith("club.calibration.json")
a1, a2 = json.load(open(sys.argv[5]))["overall"], json.load(open(sys.argv[6]))["overall"]
assert a2["within"]["1"] > a1["within"]["1"], (a1["within"], a2["within"])
assert abs(a2["mean_difference"]) < abs(a1["mean_difference"]), (a1, a2)
PY
# per category: a curve of its own for a category with enough pairs, used for its photos
"$JV" calibrate human.csv club1 --output-dir outs -o cat.calibration.json --per-category >/dev/null \
    || fail "calibrate --per-category"
jq -e '.per_category.Colour.pairs == 12 and (.per_category | length == 1)' cat.calibration.json \
    >/dev/null || fail "per-category curve: $(jq -c .per_category cat.calibration.json)"
set +e
echo '{"format":"judge-vision-calibration","version":1,"overall":{"x":[3,2],"y":[1,2]}}' >bad.json
"$JV" run -i photos --base-url "$SIM_URL/v1" --quiet --output-dir outs --round club3 \
    --calibration bad.json >/dev/null 2>err.txt
[ $? != 0 ] && grep -q "bad.json: overall knot 1: x must rise" err.txt || fail "bad calibration: $(cat err.txt)"
set -e
echo "trust_agree: ok"
