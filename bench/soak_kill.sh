#!/bin/sh
# Soak of durability (doc/SPEC.md 5; issue 11): SIGKILL `judge-vision run` at
# random moments, again and again, against the real simulator, and check that
# no round is ever lost.
#
#   bench/soak_kill.sh [BUILD_DIR]        (default: build)
#   env: KILLS (default 50, half plain, half --pairwise), N (photos, default 30),
#        SEED (default: the pid), TIME_SCALE (simulator, default 0.02),
#        CONC (default 4)
#
# For each mode (plain, then --pairwise): one uninterrupted run gives the
# reference (its images with status ok, and how long it takes). Then rounds,
# until KILLS/2 kills: a round starts with empty outputs; a run is started,
# SIGKILLed at a random moment between 2% and 100% of the reference's
# duration, and started again (resuming) until one finishes before its kill;
# after every kill the results file is checked (every complete line parses; a
# torn last line is counted). A final run then ends the round (exit 0) and the
# round is compared with the reference:
#   lost       images ok in the reference, not ok at the end           (0)
#   extra      images ok at the end, not in the reference              (0)
#   duplicated records of an image beyond its first                    (0)
#   torn       lines that do not parse, or a last line without newline (0)
#   bad        lines that did not parse after any kill                 (0)
#   matches    (--pairwise) playoff lines that do not parse, a pair shown the
#              same way twice (0)
# Prints one line per mode with these figures and the kill moments; exits 1
# when any figure that must be 0 is not.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
JV=$BUILD/src/cli/judge-vision
export JV_SIM=$BUILD/sim/judge-vision-sim
KILLS=${KILLS:-50}
N=${N:-30}
SEED=${SEED:-$$}
TIME_SCALE=${TIME_SCALE:-0.02}
CONC=${CONC:-4}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
. "$SRC/tests/integration/lib_sim.sh"
W=$(mktemp -d "${TMPDIR:-/tmp}/jv-soak.XXXXXX")
SIM_WORK=$W/sim
sim_on_exit() {
    [ -n "${pid:-}" ] && kill -KILL "$pid" 2>/dev/null
    rm -rf "$W"
    return 0
}
[ -x "$JV" ] || { echo "soak_kill: no judge-vision at $JV (build first)" >&2; exit 1; }

# N photos: real ones from Debian's mate-backgrounds when there, else noise.
mkdir -p "$W/photos"
i=0
for f in /usr/share/backgrounds/mate/nature/*.jpg; do
    [ -f "$f" ] && [ "$i" -lt "$N" ] || break
    vipsthumbnail "$f" -s 640x640 -o "$W/photos/photo_$i.jpg[Q=85]"
    i=$((i + 1))
done
while [ "$i" -lt "$N" ]; do
    vips gaussnoise "$W/photos/noise_$i.jpg" 480 360 --mean $((60 + i * 7 % 120)) --sigma 30
    i=$((i + 1))
done

start_sim --time-scale "$TIME_SCALE" --seed 3
cd "$W"

run_args() { # run_args OUTDIR MODE: the options of one run
    printf '%s\n' -i photos --quiet --base-url "$SIM_API" --concurrency "$CONC" \
        --output-jsonl "$1/r.jsonl" --iqa-cache "$1/iqa.jsonl" --progress-file "$1/p.json" \
        --log-file "$1/run.log" --summary "$1/summary.md" --flush-every 2
    [ "$2" = pairwise ] && printf '%s\n' --pairwise --pairwise-threshold 10 --pairwise-seed 7
    return 0
}
run_fg() { # run_fg OUTDIR MODE
    # shellcheck disable=SC2046
    (IFS='
'; exec "$JV" run $(run_args "$1" "$2"))
}
now_ms() { date +%s%3N; }

# check FILE: "records torn bad" of a results file as it is now.
check() {
    "$PY" - "$1" <<'PY'
import json, sys
try:
    data = open(sys.argv[1], "rb").read()
except FileNotFoundError:
    data = b""
lines = data.split(b"\n")
torn = 1 if lines and lines[-1] != b"" else 0
bad = recs = 0
for l in lines[:-1]:
    if not l.strip():
        continue
    try:
        o = json.loads(l)
        recs += 1 if isinstance(o, dict) else 0
        bad += 0 if isinstance(o, dict) else 1
    except ValueError:
        bad += 1
print(recs, torn, bad)
PY
}

verify_round() { # adds the last round's figures to the mode's
    line=$("$PY" - "$ref/r.jsonl" "$out/r.jsonl" "$out/r.matches.jsonl" "$mode" <<'PY'
import collections, json, sys
def load(p):
    data = open(p, "rb").read()
    lines = data.split(b"\n")
    torn = 1 if lines[-1] != b"" else 0
    recs, bad = [], 0
    for l in lines[:-1]:
        try:
            recs.append(json.loads(l))
        except ValueError:
            bad += 1
    return recs, torn + bad
ref, _ = load(sys.argv[1])
fin, torn = load(sys.argv[2])
ok_ref = {r["image"] for r in ref if r.get("status") == "ok"}
ok_fin = {r["image"] for r in fin if r.get("status") == "ok"}
count = collections.Counter(r["image"] for r in fin)
dup = sum(c - 1 for c in count.values())
matches = 0
if sys.argv[4] == "pairwise":
    log, mbad = load(sys.argv[3])
    # the eig schedule may show a pair both ways, never the same way twice
    pairs = collections.Counter((m.get("category"), m["a"], m["b"]) for m in log)
    matches = mbad + sum(c - 1 for c in pairs.values())
    played = sum(1 for r in fin if r.get("pairwise_comparisons"))
    ref_played = sum(1 for r in ref if r.get("pairwise_comparisons"))
    ref_log, _ = load(sys.argv[1][: -len(".jsonl")] + ".matches.jsonl")
    extra = (f" matches {len(log)} (reference {len(ref_log)}; bad or repeated {matches}),"
             f" entries in the playoff {played} (reference {ref_played})")
else:
    extra = ""
print(f"{len(ok_ref)} {len(ok_ref - ok_fin)} {len(ok_fin - ok_ref)} {dup} {torn} {matches} {len(fin)}{extra}")
PY
)
    set -- $line
    ref_ok=$1
    lost=$((lost + $2)) extra=$((extra + $3)) dup=$((dup + $4)) torn=$((torn + $5))
    mbad=$((mbad + $6)) recs=$7
    shift 7
    detail="$*"
}

rand_ms() { # rand_ms MAX DRAW: a random moment in [2%, 100%] of MAX milliseconds
    awk -v s=$((SEED * 1000 + $2)) -v d="$1" 'BEGIN { srand(s); printf "%d", d * (0.02 + rand() * 0.98) }'
}
draws=0
t_start=$(date +%s)
status=0
per_mode=$((KILLS / 2))
for mode in plain pairwise; do
    ref=$W/ref_$mode
    out=$W/out_$mode
    mkdir -p "$ref"
    a=$(now_ms)
    run_fg "$ref" "$mode" >/dev/null 2>"$ref/err" || { cat "$ref/err" >&2; exit 1; }
    ref_ms=$(($(now_ms) - a))

    killed=0
    rounds=0
    finished=0
    bad_seen=0
    torn_seen=0
    lost=0 extra=0 dup=0 torn=0 mbad=0 recs=0 detail=""
    : >"$W/tmp_$mode"
    moments=""
    # Rounds: each starts empty and is killed again and again, each rerun resuming,
    # until a run finishes before its kill; then the round is checked.
    while [ $killed -lt $per_mode ]; do
        rm -rf "$out"
        mkdir -p "$out"
        rounds=$((rounds + 1))
        while [ $killed -lt $per_mode ]; do
            draws=$((draws + 1))
            ms=$(rand_ms "$ref_ms" "$draws")
            # shellcheck disable=SC2046
            (IFS='
'; exec "$JV" run $(run_args "$out" "$mode")) >/dev/null 2>>"$out/err" &
            pid=$!
            sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
            if ! kill -KILL "$pid" 2>/dev/null; then
                wait "$pid" 2>/dev/null || true
                pid=""
                finished=$((finished + 1))
                break
            fi
            wait "$pid" 2>/dev/null || true
            pid=""
            killed=$((killed + 1))
            moments="$moments $ms"
            set -- $(check "$out/r.jsonl")
            torn_seen=$((torn_seen + $2))
            bad_seen=$((bad_seen + $3))
        done
        run_fg "$out" "$mode" >/dev/null 2>"$out/final.err" || {
            echo "soak_kill: the final $mode run of round $rounds failed:" >&2
            tail -n 5 "$out/final.err" >&2
            status=1
        }
        find "$out" -name '*.tmp.*' | sed 's|.*/||; s/\.tmp\..*/.tmp.*/' >>"$W/tmp_$mode"
        verify_round
    done
    tmp_left=$(wc -l <"$W/tmp_$mode")
    tmp_names=$(sort "$W/tmp_$mode" | uniq -c | awk '{ printf " %s x%d", $2, $1 }')
    echo "soak_kill $mode: $killed kills in $rounds rounds (reference run ${ref_ms} ms," \
        "$ref_ok images ok); over all rounds: lost $lost, extra $extra, duplicated $dup," \
        "torn $torn, bad lines after a kill $bad_seen, torn tails after a kill $torn_seen," \
        "temp files left $tmp_left${tmp_names:+ (}${tmp_names# }${tmp_names:+)};" \
        "last round: $recs records;$detail"
    echo "soak_kill $mode: kill moments (ms):$moments"
    [ $((lost + extra + dup + torn + bad_seen + mbad)) -eq 0 ] || status=1
done
echo "soak_kill: $(($(date +%s) - t_start)) s, seed $SEED, $N photos, time scale $TIME_SCALE," \
    "concurrency $CONC: $([ $status -eq 0 ] && echo ok || echo FAILED)"
exit $status
