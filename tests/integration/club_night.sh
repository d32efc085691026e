#!/bin/sh
# Issue 12 end to end against the real simulator: entrants from an entry list
# and from file names (never sent to the judge), a 10-point scheme (the
# rubric scaled in the prompt, scores and awards on it), the final ranking
# and placings per category, the round's checks (entries per author, the
# same photo twice, a colour photo in Mono, a folder that is no category, a
# compliance breach) on the terminal, in the manifest and the summary; then
# the page's edits applied by `judge-vision summary` and `export` (awards
# recomputed, placings re-ranked), every way of naming the round, and the
# page's /api/summary and /api/export downloads.
set -eu
. "$(dirname "$0")/lib.sh"
make_workdir
cd "$WORK"
make_photos src 6
mkdir -p photos/Colour photos/Mono photos/Nature
cp src/photo_0.jpg "photos/Colour/Dune - Jane Smith.jpg"
cp src/photo_1.jpg "photos/Colour/LadyBird - Jane Smith.jpg"
cp src/photo_2.jpg "photos/Colour/Harbour - Jane Smith.jpg"
vips resize src/photo_3.jpg photos/Colour/c1.jpg 1.5 # wider than the rules allow
vips colourspace src/photo_4.jpg photos/Mono/grey.jpg b-w
cp src/photo_5.jpg photos/Mono/poppies.jpg
cp photos/Colour/c1.jpg photos/Mono/copy.jpg
cp src/photo_4.jpg photos/Nature/n1.jpg
cat >entries.csv <<'CSV'
Entry No,File Name,Member,Title
1,c1.jpg,"Green, Bob",Red Door
2,grey.jpg,Ann Brown,Misty
3,poppies.jpg,Ann Brown,Poppies
4,copy.jpg,"Green, Bob",Red Door Again
CSV
cat >reg.toml <<'TOML'
[competition.ten]
name = "Ten-point night"
categories = ["Colour", "Mono"]
scale = [1, 10]
score_bands = { Commended = [6, 7], Highly = [8, 9], Top = [10] }
placings = ["1st", "2nd", "3rd", "HC"]
max_entries_per_author = 2
filename_pattern = "{title} - {author}"
[competition.ten.rules]
max_width = 1000
TOML
start_sim --time-scale 0.01 --log-prompts
"$JV" run -i photos --base-url "$SIM_API" --quiet --competition-config reg.toml \
    --competition ten --entries entries.csv --round club --concurrency 3 --pairwise \
    >run.out 2>run.err || { cat run.err; fail "the club run"; }
R=outputs/results/club.jsonl
for w in "Jane Smith has 3 entries, more than the 2" "the same photo is entered 2 times" \
    "Mono/poppies.jpg is in Mono but is a colour photo" 'folder "Nature" (1 photos) matches no category' \
    "Colour/c1.jpg breaks a rule"; do
    grep -qF "check: $w" run.err || { cat run.err; fail "terminal lacks the check '$w'"; }
    grep -qF -- "$w" outputs/summaries/club_summary.md || fail "summary lacks the check '$w'"
done

/usr/bin/python3 - "$R" outputs/results/club.metadata.json "$SIM_LOG" <<'PY' || fail "club run outputs"
import json, sys, collections
recs = {r["image"].split("/photos/")[1]: r for r in map(json.loads, open(sys.argv[1]))}
man = json.load(open(sys.argv[2]))
log = open(sys.argv[3], encoding="utf-8", errors="replace").read()
assert len(recs) == 8, sorted(recs)
want = {
    "Colour/Dune - Jane Smith.jpg": ("Jane Smith", "filename", "Dune"),
    "Colour/c1.jpg": ("Green, Bob", "entry_list", "Red Door"),
    "Mono/grey.jpg": ("Ann Brown", "entry_list", "Misty"),
    "Nature/n1.jpg": (None, None, None),
}
for img, (author, source, title) in want.items():
    r = recs[img]
    assert (r["author"], r["author_source"], r["image_title"]) == (author, source, title), r
bands = {6: "Commended", 7: "Commended", 8: "Highly", 9: "Highly", 10: "Top"}
for img, r in recs.items():
    assert r["status"] == "ok", r
    assert isinstance(r["critique_total"], int) and 1 <= r["critique_total"] <= 10, r
    assert r["critique_award"] == bands.get(r["critique_total"]), r
# The playoff's 0-20 adjustment is brought back onto the scale (the asserts above).
# The judge is told the scale and the titles, never the authors.
assert "SCORING SCALE: scores run from 1 to 10 in steps of 1" in log, log[:500]
assert "Red Door" in log and "Misty" in log
for name in ("Jane Smith", "Green, Bob", "Bob Green", "Ann Brown"):
    assert name not in log, name
# One ranking per category: ranks 1..n, placings to the best in order, each once.
cats = collections.defaultdict(list)
for r in recs.values():
    cats[r["competition_category"]].append(r)
for cat, rs in cats.items():
    rs.sort(key=lambda r: r["rank"])
    assert [r["rank"] for r in rs] == list(range(1, len(rs) + 1)), (cat, rs)
    assert [r["placing"] for r in rs] == ["1st", "2nd", "3rd", "HC", None, None][: len(rs)], cat
    for a, b in zip(rs, rs[1:]):
        assert a["critique_total"] >= b["critique_total"], (a, b)
        if a["critique_total"] == b["critique_total"] and a["rank"] <= 4:
            assert a["rank_basis"] in ("strength", "head_to_head", "decider", "decider_split"), a
    assert all(r["rank_basis"] for r in rs)
kinds = collections.Counter(w["kind"] for w in man["warnings"])
for k in ("entries_per_author", "duplicate", "colour_in_mono", "no_category", "compliance"):
    assert kinds[k] >= 1, (k, man["warnings"])
assert not any("Mono/grey.jpg" in w for w in (recs["Mono/grey.jpg"]["warnings"] or []) if "colour" in w)
assert any("breaks a rule" in w for w in recs["Colour/c1.jpg"]["warnings"])
assert "per_category" in man["ranking"]
# The playoff ran, with the default threshold (17 of 20) read on the scale: 9 of 10.
played = sum(v["eligible"] for v in man["pairwise"]["per_category"].values())
elig = sum(1 for r in recs.values() if (r["pairwise_score_initial"] or r["critique_total"]) >= 9)
assert played == elig, (played, elig, man["pairwise"])
print("club_night: playoff eligible", played, "; ranking", man["ranking"])
PY
# Rerunning the finished round asks nothing again: no critique, no playoff, no decider.
before=$(sim_requests)
"$JV" run -i photos --base-url "$SIM_API" --quiet --competition-config reg.toml \
    --competition ten --entries entries.csv --round club --concurrency 3 --pairwise \
    >run2.out 2>run2.err || { cat run2.err; fail "the rerun"; }
[ "$(sim_requests)" -eq "$before" ] || fail "the rerun asked $(( $(sim_requests) - before )) requests"
# The shipped placings-only round: no awards, the order gives 1st, 2nd, 3rd, HC, HC, ...
mkdir -p placings/Open placings/Nature
cp src/photo_0.jpg src/photo_1.jpg src/photo_2.jpg src/photo_3.jpg src/photo_5.jpg placings/Open/
cp src/photo_4.jpg placings/Nature/a.jpg
cp photos/Mono/grey.jpg placings/Nature/b.jpg
"$JV" run -i placings --base-url "$SIM_API" --quiet --round placings --concurrency 3 \
    --competition-config "$JV_SOURCE_DIR/examples/competitions.toml" \
    --competition club_placings_round >run3.out 2>run3.err || { cat run3.err; fail "placings run"; }
/usr/bin/python3 - outputs/results/placings.jsonl <<'PY' || fail "placings-only round"
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
assert all(r["critique_award"] is None for r in rs)
for cat, want in (("Open", ["1st", "2nd", "3rd", "HC", "HC"]), ("Nature", ["1st", "2nd"])):
    got = [r["placing"] for r in sorted((r for r in rs if r["competition_category"] == cat),
                                        key=lambda r: r["rank"])]
    assert got == want, (cat, got)
PY
grep -q '^## Placings' outputs/summaries/club_summary.md || fail "no placings in the summary"
grep -q '^- 1st: .* by ' outputs/summaries/club_summary.md || fail "no 1st by an author"
grep -q 'scored 1 to 10' outputs/summaries/club_summary.md || fail "the summary does not say the scale"

# The page's edits: the lowest Colour entry raised to 10 (award from the bands),
# another given an award by hand; `summary` re-ranks and rewrites every paper.
LOW=$(/usr/bin/python3 -c '
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
c = sorted((r for r in rs if r["competition_category"] == "Colour"), key=lambda r: r["rank"])
print(c[-1]["image"]); print(c[0]["image"])' "$R")
LOW_IMG=$(echo "$LOW" | sed -n 1p)
TOP_IMG=$(echo "$LOW" | sed -n 2p)
printf '{"schema_version":1,"overrides":{"%s":{"score":10,"updated":"x"},"%s":{"award":"Judge'"'"'s choice","updated":"x"}}}' \
    "$LOW_IMG" "$TOP_IMG" >outputs/results/club.overrides.json
"$JV" summary club >sum.out 2>sum.err || { cat sum.err; fail "summary"; }
grep -q "2 edit(s) from the web page applied" sum.out || fail "summary: $(cat sum.out)"
for f in outputs/summaries/club_summary.md outputs/exports/club_results.html \
    outputs/exports/club_entrants.html outputs/exports/club.csv; do
    grep -q "wrote $f" sum.out || fail "summary did not write $f: $(cat sum.out)"
done
/usr/bin/python3 - outputs/exports/club.csv "$LOW_IMG" "$TOP_IMG" <<'PY' || fail "edits in the CSV"
import csv, sys, os
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
assert len(rows) == 8
assert list(rows[0]) == ["category", "rank", "place", "title", "author", "file", "score", "max",
                         "award", "critique", "compliance", "checks", "status"], list(rows[0])
by = {r["file"]: r for r in rows if r["category"] == "Colour"}
low, top = by[os.path.basename(sys.argv[2])], by[os.path.basename(sys.argv[3])]
assert low["score"] == "10" and low["award"] == "Top", low
assert low["rank"] == "1" and low["place"] == "1st", low
assert top["award"] == "Judge's choice", top
assert top["rank"] == "2", top
assert all(r["critique"] and r["max"] == "10" for r in rows)
assert any(r["author"] == "Green, Bob" for r in rows)
assert by["c1.jpg"]["compliance"] == "breach" and "breaks a rule" in by["c1.jpg"]["checks"]
PY
grep -q "2 entries edited on the page" outputs/summaries/club_summary.md || fail "summary: no edits said"

# Every way of naming the round; the exports stand alone.
"$JV" export "$R" --format results -o r1.html >/dev/null || fail "export by results file"
"$JV" export photos --format entrants -o e1.html >/dev/null || fail "export by photo folder"
"$JV" export club --format csv -o - | head -1 | grep -q 'category,rank,place' || fail "csv to stdout"
"$JV" export nosuch --format csv 2>x.err && fail "an unknown round exported"
grep -q "no round 'nosuch'" x.err || fail "unknown round: $(cat x.err)"
"$JV" export club --format pdf 2>/dev/null && fail "an unknown format accepted"
n=$(grep -o 'data:image/jpeg;base64,' r1.html | wc -l)
[ "$n" -eq 8 ] || fail "results sheet embeds $n thumbnails, want 8"
grep -q 'src="http\|src="/\|href="http' r1.html e1.html && fail "an export links outside itself"
n=$(grep -o '<section class="entrant">' e1.html | wc -l)
[ "$n" -eq 4 ] || fail "$n entrant sections, want 4 (Jane, Bob, Ann, not named)"
grep -q 'break-before:page' e1.html || fail "entrants do not start on a new page"
stop_sim

# The page's downloads.
"$JV" serve --port 0 --outputs outputs >serve.out 2>serve.err &
SERVE=$!
i=0
while [ ! -s serve.out ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
URL=$(head -n 1 serve.out)
ID=$(curl -s "${URL}api/runs" | /usr/bin/python3 -c '
import json, sys
print(*[r["id"] for r in json.load(sys.stdin) if r["name"] == "club"])')
[ -n "$ID" ] || { kill "$SERVE"; fail "the round is not listed"; }
code=$(curl -s -o api.csv -D api.h -w '%{http_code}' "${URL}api/export?run=$ID&format=csv")
code2=$(curl -s -o api.md -w '%{http_code}' "${URL}api/summary?run=$ID")
code3=$(curl -s -o api.html -w '%{http_code}' "${URL}api/export?run=$ID&format=entrants")
code4=$(curl -s -o /dev/null -w '%{http_code}' "${URL}api/export?run=$ID&format=pdf")
kill -TERM "$SERVE"
wait "$SERVE" || true
[ "$code" = 200 ] && [ "$code2" = 200 ] && [ "$code3" = 200 ] && [ "$code4" = 400 ] ||
    fail "downloads answered $code $code2 $code3 $code4"
grep -qi 'content-disposition: attachment; filename="club.csv"' api.h || fail "csv not a download"
cmp -s api.csv outputs/exports/club.csv || fail "the page's CSV differs from the command's"
grep -q '^## Placings' api.md && grep -q "2 entries edited" api.md || fail "page summary"
grep -q 'data:image/jpeg;base64,' api.html || fail "page entrants sheet has no photos"
echo "club_night: ok"
