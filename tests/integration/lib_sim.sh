# lib_sim.sh - start and stop the Judge Vision simulator from shell tests.
# POSIX sh; source it:  . "$JV_SOURCE_DIR/tests/integration/lib_sim.sh"
#
#   start_sim [SIM OPTIONS...]   starts judge-vision-sim on 127.0.0.1 with --port 0,
#                                reads its "http://127.0.0.1:PORT" line, waits for
#                                GET /health, and sets SIM_URL (base URL), SIM_API
#                                ($SIM_URL/v1), SIM_PID and SIM_LOG (its stderr).
#                                Returns 1 (after printing the log) if it does not
#                                come up within SIM_START_TIMEOUT seconds (default 15).
#                                Several simulators may run at once; the variables
#                                describe the last one started.
#   stop_sim [PID]               SIGTERM, wait up to 5 s for a clean exit (then
#                                SIGKILL); returns the simulator's exit status
#                                (0 = clean). Default PID: $SIM_PID.
#   sim_cleanup                  stops every simulator still running and removes
#                                the work folder; installed as the EXIT/INT/TERM
#                                trap by the first start_sim. A script that needs
#                                its own exit work defines sim_on_exit(), which
#                                sim_cleanup calls first.
#   Private names start with _sim_. Call start_sim in the test's own shell,
#   not inside $(...), so that the trap and `wait` see the simulator.
#   sim_metric NAME [URL]        prints the value of the first /metrics sample
#                                whose line starts with NAME (e.g.
#                                'vllm:prompt_tokens_total' or
#                                'sim_faults_total{kind="500"}').
#
# Environment: JV_SIM (the binary) or JV_BUILD_DIR (binary at
# $JV_BUILD_DIR/sim/judge-vision-sim); SIM_WORK (a folder for logs; default a
# fresh mktemp -d, removed by sim_cleanup).

SIM_BIN=${JV_SIM:-${JV_BUILD_DIR:-build}/sim/judge-vision-sim}
SIM_PIDS=""
SIM_URL=""
SIM_API=""
SIM_PID=""
SIM_LOG=""
_sim_work_owned=0
_sim_trap_set=0
_sim_seq=0

_sim_workdir() {
    if [ -z "${SIM_WORK:-}" ]; then
        SIM_WORK=$(mktemp -d "${TMPDIR:-/tmp}/jv-sim.XXXXXX") || return 1
        _sim_work_owned=1
    fi
    mkdir -p "$SIM_WORK"
}

sim_cleanup() {
    _sim_rc=$?
    trap - EXIT INT TERM
    if command -v sim_on_exit >/dev/null 2>&1; then
        sim_on_exit || true
    fi
    for _sim_q in $SIM_PIDS; do
        stop_sim "$_sim_q" >/dev/null 2>&1 || true
    done
    SIM_PIDS=""
    if [ "$_sim_work_owned" = 1 ] && [ -n "${SIM_WORK:-}" ]; then
        rm -rf "$SIM_WORK"
    fi
    return $_sim_rc
}

_sim_on_signal() {
    sim_cleanup
    exit 1
}

start_sim() {
    [ -x "$SIM_BIN" ] || { echo "lib_sim: no simulator at $SIM_BIN" >&2; return 1; }
    _sim_workdir || return 1
    if [ "$_sim_trap_set" = 0 ]; then
        trap sim_cleanup EXIT
        trap _sim_on_signal INT TERM
        _sim_trap_set=1
    fi
    _sim_seq=$((_sim_seq + 1))
    _sim_out="$SIM_WORK/sim$_sim_seq.out"
    SIM_LOG="$SIM_WORK/sim$_sim_seq.log"
    : >"$_sim_out"
    "$SIM_BIN" --host 127.0.0.1 --port 0 "$@" >"$_sim_out" 2>"$SIM_LOG" &
    SIM_PID=$!
    SIM_PIDS="$SIM_PIDS $SIM_PID"
    _sim_deadline=$(( $(date +%s) + ${SIM_START_TIMEOUT:-15} ))
    SIM_URL=""
    while :; do
        if [ -z "$SIM_URL" ]; then
            SIM_URL=$(sed -n '1{/^http:\/\/[0-9.]*:[0-9][0-9]*$/p}' "$_sim_out" 2>/dev/null)
        fi
        if [ -n "$SIM_URL" ] && curl -sf -o /dev/null --max-time 2 "$SIM_URL/health"; then
            break
        fi
        if ! _sim_running "$SIM_PID"; then
            echo "lib_sim: simulator exited during start-up; its log:" >&2
            cat "$SIM_LOG" >&2
            SIM_URL=""
            return 1
        fi
        if [ "$(date +%s)" -ge "$_sim_deadline" ]; then
            echo "lib_sim: simulator not ready after ${SIM_START_TIMEOUT:-15} s; its log:" >&2
            cat "$SIM_LOG" >&2
            stop_sim "$SIM_PID" >/dev/null 2>&1
            SIM_URL=""
            return 1
        fi
        sleep 0.05
    done
    SIM_API="$SIM_URL/v1"
    return 0
}

# True while the process runs (a zombie, exited but not yet reaped, is not running).
_sim_running() {
    _sim_state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
    [ -n "$_sim_state" ] && [ "$_sim_state" != Z ]
}

stop_sim() {
    _sim_pid=${1:-$SIM_PID}
    [ -n "$_sim_pid" ] || return 0
    _sim_rest=""
    for _sim_p in $SIM_PIDS; do
        [ "$_sim_p" = "$_sim_pid" ] || _sim_rest="$_sim_rest $_sim_p"
    done
    SIM_PIDS=$_sim_rest
    kill -TERM "$_sim_pid" 2>/dev/null || { wait "$_sim_pid" 2>/dev/null; return $?; }
    _sim_i=0
    while _sim_running "$_sim_pid" && [ $_sim_i -lt 100 ]; do
        sleep 0.05
        _sim_i=$((_sim_i + 1))
    done
    if _sim_running "$_sim_pid"; then
        echo "lib_sim: simulator $_sim_pid ignored SIGTERM; killing it" >&2
        kill -KILL "$_sim_pid" 2>/dev/null
    fi
    wait "$_sim_pid" 2>/dev/null
}

sim_metric() {
    curl -sf "${2:-$SIM_URL}/metrics" | awk -v n="$1" \
        'index($0, n) == 1 && substr($0, length(n) + 1, 1) ~ /[ {]/ { print $NF; exit }'
}
