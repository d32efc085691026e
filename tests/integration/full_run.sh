#!/bin/sh
# A whole judging run against the real simulator (issues 4 and 6): every doc/SPEC.md 3
# field in every record, awards from the competition's bands, timings that agree
# with the manifest's stage aggregates, a JSON log valid line by line, the
# summary, the IQA service's figures merged, and the stage modes
# critique (needs the cache) and two-pass.
set -eu
. "$(dirname "$0")/lib.sh"
make_workdir
cd "$WORK"
make_photos photos/Colour 6
make_photos photos/Mono 3
start_sim --time-scale 0.01
REG=$JV_SOURCE_DIR/examples/competitions.toml
OUT="--output-jsonl out/r.jsonl --summary out/s.md --iqa-cache out/iqa.jsonl
    --progress-file out/p.json --log-file out/run.log"

# shellcheck disable=SC2086
"$JV" run -i photos --base-url "$SIM_URL/v1" --iqa-service-url "$SIM_URL" --quiet \
    --competition-config "$REG" --competition club_dpi_2025 --concurrency 3 \
    --api-key sk-never-written-4242 \
    --log-level debug $OUT >stdout.txt 2>err.txt || { cat err.txt; fail "full run"; }
# The API key reaches the server and nothing else.
if grep -rq "sk-never-written-4242" out stdout.txt err.txt; then
    fail "the API key was written to an output"
fi
grep -q "results: out/r.jsonl" stdout.txt || fail "stdout does not say where the results are"

/usr/bin/python3 - out/r.jsonl out/r.metadata.json out/run.log out/p.json <<'PY' || fail "full run outputs"
import json, sys, math
keys = """schema_version run_id image content_hash image_title competition_category
critique_category style_inference critique_title critique critique_subscores
critique_total_initial critique_total critique_award critique_compliance_flag
technical_signals compliance backend model prompt_profile prompt_sha256 status error usage
finish_reason duration_seconds stage1_duration_seconds stage2_duration_seconds
stage3_duration_seconds timestamp_stage2_started timestamp_stage2_finished ttft_seconds
pairwise_score_initial pairwise_wins pairwise_comparisons pairwise_win_ratio
pairwise_strength""".split()
recs = [json.loads(l) for l in open(sys.argv[1])]
man = json.load(open(sys.argv[2]))
assert len(recs) == 9, len(recs)
bands = {"Merit": [14, 15], "Credit": [16, 17], "Distinction": [18, 19, 20]}
for r in recs:
    missing = [k for k in keys if k not in r]
    assert not missing, missing
    assert r["status"] == "ok", r
    assert isinstance(r["critique_total"], int) and 0 <= r["critique_total"] <= 20
    want = next((b for b, s in bands.items() if r["critique_total"] in s), None)
    assert r["critique_award"] == want, (r["critique_total"], r["critique_award"])
    assert r["prompt_sha256"] == man["prompt"]["sha256"] and len(r["prompt_sha256"]) == 64
    assert r["competition_category"] == ("Mono" if "/Mono/" in r["image"] else "Colour")
    m = r["technical_signals"]["metrics"]
    for k in ("nima_aesthetic_mean", "nima_technical_mean", "musiq_mos", "dynamic_range"):
        assert k in m, (k, "missing from metrics")
    assert "simulator" in r["critique"].lower()
    assert r["usage"]["prompt_tokens"] > 0 and r["usage"]["completion_tokens"] > 0
    assert 0 < r["ttft_seconds"] <= r["stage2_duration_seconds"]
    assert r["timestamp_stage2_started"] <= r["timestamp_stage2_finished"]
    assert abs(r["duration_seconds"] - r["stage1_duration_seconds"] - r["stage2_duration_seconds"]) < 1e-6
# Per-image timings agree with the manifest's stage aggregates.
stages = {s["name"]: s for s in man["stages"]}
for name, key in (("iqa", "stage1_duration_seconds"), ("critique", "stage2_duration_seconds")):
    v = [r[key] for r in recs]
    s = stages[name]
    assert s["count"] == len(v), (name, s["count"])
    assert math.isclose(s["min"], min(v), abs_tol=1e-9) and math.isclose(s["max"], max(v), abs_tol=1e-9), name
    assert math.isclose(s["items_seconds_sum"], sum(v), rel_tol=1e-9), name
    assert s["duration_seconds"] >= 0
c = man["critique"]
assert c["requests"] >= 9 and c["errors"] == 0, c
assert c["truncated_share"] == c["truncated"] / c["requests"], c
for k in ("prompt_tokens", "completion_tokens", "ttft_seconds"):
    assert c[k]["count"] >= 9 and c[k]["p95"] >= c[k]["p50"] > 0, (k, c[k])
assert len(c["endpoints"]) == 1 and c["endpoints"][0]["requests"] >= 9, c["endpoints"]
assert man["images"] == {"discovered": 9, "processed": 9, "resumed": 0, "failed": 0}, man["images"]
assert man["status"] == "complete" and man["git_commit"]
assert man["server_metrics"]["requests"] >= 9, man["server_metrics"]
assert man["server_metrics"]["prefix_cache_hit_rate"] > 0, man["server_metrics"]
assert "gpu" in man and "snapshot" in man["gpu"]
assert "api_key" not in json.dumps(man["parameters"]).replace("api_key_set", "")
# The log: valid JSON on every line, with the events a postmortem needs.
events = set()
for line in open(sys.argv[3]):
    events.add(json.loads(line)["event"])
for e in ("stage_start", "stage_end", "iqa_image", "stage2_request"):
    assert e in events, (e, events)
p = json.load(open(sys.argv[4]))
assert p["status"] == "complete" and p["stages"]["critique"]["done"] == 9, p
PY
grep -q '^## Colour' out/s.md && grep -q '^## Mono' out/s.md || fail "summary categories"

# --stage critique reuses the cache; without one it says so and exits 1.
set +e
"$JV" run -i photos --stage critique --base-url "$SIM_URL/v1" --quiet \
    --iqa-cache nowhere/iqa.jsonl --output-jsonl out2/r.jsonl --log-file out2/log \
    --progress-file out2/p.json >/dev/null 2>err.txt
rc=$?
set -e
[ $rc -eq 1 ] || fail "--stage critique without a cache exited $rc"
grep -q "run --stage iqa first" err.txt || fail "no hint to run --stage iqa"
# shellcheck disable=SC2086
"$JV" run -i photos --stage critique --base-url "$SIM_URL/v1" --quiet --fresh $OUT \
    >/dev/null 2>&1 || fail "--stage critique with the cache"
[ "$(json_get out/r.metadata.json "j['iqa_cache']['hits']")" = 9 ] || fail "critique stage cache hits"
# shellcheck disable=SC2086
"$JV" run -i photos --stage two-pass --base-url "$SIM_URL/v1" --quiet --fresh $OUT \
    >/dev/null 2>&1 || fail "--stage two-pass"
/usr/bin/python3 - out/r.jsonl <<'PY' || fail "two-pass: critiques started before all IQA finished"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert len(recs) == 9 and all(r["status"] == "ok" for r in recs)
PY
# A server that is not there: said at once, exit 1, no results written.
set +e
"$JV" run -i photos --base-url http://127.0.0.1:1/v1 --quiet --output-jsonl out3/r.jsonl \
    --iqa-cache out3/iqa.jsonl --log-file out3/log --progress-file out3/p.json >/dev/null 2>err.txt
rc=$?
set -e
[ $rc -eq 1 ] || fail "unreachable server exited $rc"
grep -q "cannot reach the VLM server" err.txt || fail "unreachable server not explained"
[ ! -e out3/r.jsonl ] || fail "results written without a server"
echo "full_run: ok"
