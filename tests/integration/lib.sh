# Shared helpers for the integration tests (sourced).
JV=${JUDGE_VISION:?JUDGE_VISION must point at the judge-vision binary}
SIM=${JV_BUILD_DIR:?}/sim/judge-vision-sim
PHOTO_SRC=/usr/share/backgrounds/mate/nature

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

. "$(dirname "$0")/lib_sim.sh"

# A scratch directory removed at exit (with any simulator still running).
make_workdir() {
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/jvtest.XXXXXX")
    trap sim_cleanup EXIT
    trap 'sim_cleanup; exit 1' INT TERM
}

sim_on_exit() {
    [ -n "${WORK:-}" ] && rm -rf "$WORK"
    return 0
}

# Chat requests the last simulator completed (all finish reasons).
sim_requests() {
    curl -s "$SIM_URL/metrics" |
        awk '/^vllm:request_success_total/ { s += $NF } END { printf "%d\n", s }'
}

# make_photos DIR N: N real photographs (Debian's mate-backgrounds), scaled to
# at most 800 px so tests stay quick; synthetic noise images when absent.
make_photos() {
    dir=$1
    n=$2
    mkdir -p "$dir"
    i=0
    if [ -d "$PHOTO_SRC" ]; then
        for f in "$PHOTO_SRC"/*.jpg; do
            [ "$i" -ge "$n" ] && break
            vipsthumbnail "$f" -s 800x800 -o "$(cd "$dir" && pwd)/photo_$i.jpg[Q=90]" || fail "vipsthumbnail $f"
            i=$((i + 1))
        done
    fi
    while [ "$i" -lt "$n" ]; do
        vips gaussnoise "$dir/noise_$i.jpg" 640 480 --mean $((60 + i * 7 % 120)) --sigma 30 ||
            fail "vips gaussnoise"
        i=$((i + 1))
    done
}

# json_get FILE EXPR: evaluates a Python expression on the parsed JSON file `j`.
json_get() {
    /usr/bin/python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"
}
