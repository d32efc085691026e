#!/bin/sh
# Anchors against the real simulator (issue 15, point 4): the registry's
# anchors are judged with the round but never listed as entries; an anchor
# outside its band is a warning on the terminal, in the summary and in the
# manifest (which the page shows); a malformed anchor or a missing file
# stops the run before anything is judged.
set -eu
. "$(dirname "$0")/lib.sh"
make_workdir
cd "$WORK"
make_photos photos 4
mkdir anchors
vips gaussnoise anchors/good.jpg 320 240 --mean 140 --sigma 20
vips gaussnoise anchors/poor.jpg 320 240 --mean 60 --sigma 50
# the anchors' hidden quality: good 1.0, poor 0.0 (their hashes from the sim's own truth files)
mkdir g p && cp anchors/good.jpg g/ && cp anchors/poor.jpg p/
"$SIM" truth -i g -o g.json 2>/dev/null
"$SIM" truth -i p -o p.json 2>/dev/null
jq -n --slurpfile g g.json --slurpfile p p.json \
    '{($g[0] | keys[0]): 1.0, ($p[0] | keys[0]): 0.0}' >truth.json
start_sim --time-scale 0.01 --truth truth.json --score-noise 0
cat >reg.toml <<'T'
[competition.club]
name = "Club"
score_bands = { Merit = [14, 15], Credit = [16, 17], Distinction = [18, 19, 20] }
anchors = [{ path = "anchors/good.jpg", band = [18, 20] }, { path = "anchors/poor.jpg", band = [16, 20] }]
[competition.broken]
anchors = [{ path = "anchors/good.jpg", band = [20, 18] }]
[competition.missing]
anchors = [{ path = "anchors/none.jpg", band = [1, 20] }]
T
"$JV" run -i photos --base-url "$SIM_URL/v1" --concurrency 4 --competition-config reg.toml \
    --competition club --output-jsonl out/r.jsonl --summary out/s.md \
    --iqa-cache out/iqa.jsonl >stdout.txt 2>err.txt || { cat err.txt; fail "run with anchors"; }
[ "$(wc -l <out/r.jsonl)" = 4 ] || fail "anchors were listed as entries: $(jq -r .image out/r.jsonl)"
grep -q "anchors/" out/r.jsonl && fail "an anchor is in the results"
grep -q "anchor .*poor.jpg scored 8, outside its band 16-20" err.txt || fail "no terminal warning: $(cat err.txt)"
grep -q "good.jpg scored" err.txt && fail "the anchor in its band was warned about"
grep -q "judged 4 of 4" stdout.txt || fail "the anchors were counted as entries: $(cat stdout.txt)"
grep -q "^## Anchors" out/s.md || fail "no Anchors section in the summary"
grep -q "| poor.jpg | 16–20 | 8 | \*\*warning: outside its band\*\* |" out/s.md || fail "summary: $(cat out/s.md)"
grep -q "| good.jpg | 18–20 | 20 | ok |" out/s.md || fail "summary good anchor"
jq -e '.anchor_warnings == 1 and (.anchors | length == 2) and
       ([.anchors[] | select(.in_band | not) | .total] == [8]) and .images.discovered == 4' \
    out/r.metadata.json >/dev/null || fail "manifest anchors: $(jq -c '.anchors, .images' out/r.metadata.json)"
"$JV" report out/r.metadata.json >/dev/null || fail "report refuses a manifest with anchors"
set +e
"$JV" run -i photos --base-url "$SIM_URL/v1" --competition-config reg.toml --competition broken \
    --output-jsonl out/b.jsonl --iqa-cache out/iqa.jsonl >/dev/null 2>err.txt
[ $? != 0 ] && grep -q "reg.toml: competition.broken.anchors\[0\]: expected" err.txt || fail "bad band: $(cat err.txt)"
"$JV" run -i photos --base-url "$SIM_URL/v1" --competition-config reg.toml --competition missing \
    --output-jsonl out/m.jsonl --iqa-cache out/iqa.jsonl >/dev/null 2>err.txt
[ $? != 0 ] && grep -q "anchors/none.jpg is not a file" err.txt || fail "missing anchor: $(cat err.txt)"
set -e
echo "trust_anchors: ok"
