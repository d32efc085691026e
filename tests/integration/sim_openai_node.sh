#!/bin/sh
# The official `openai` npm client against the simulator (streaming and not).
# Skipped (exit 77) when node_modules/openai is absent: run `npm install` at
# the repository root first.
set -eu
SRC=${JV_SOURCE_DIR:?}
if [ ! -f "$SRC/node_modules/openai/package.json" ]; then
    echo "sim_openai_node: node_modules/openai absent (npm install): skipped"
    exit 77
fi
. "$SRC/tests/integration/lib_sim.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }
start_sim --time-scale 0.01 || fail "simulator did not start"
vips black "$SIM_WORK/b.v" 800 600 --bands 3
vips linear "$SIM_WORK/b.v" "$SIM_WORK/photo.jpg" 1 70
node "$SRC/tests/node/openai_client.mjs" "$SIM_API" "$SIM_WORK/photo.jpg" || fail "openai client"
stop_sim || fail "unclean exit"
echo "sim_openai_node: ok"
