#!/bin/sh
# spec_refs.sh - every section of the product description that the tree cites
# ("SPEC 2.6", "doc/SPEC.md 4.1", "SPEC 3 and 5", "(SPEC" with the number on
# the next comment line) is a numbered heading of doc/SPEC.md, and nothing
# points at a specification outside the repository (shared/SPEC.md).
#
#   spec_refs.sh [ROOT]      checks ROOT (default $JV_SOURCE_DIR, else the
#                            checkout this script lives in); one line per bad
#                            citation, exit 1 when there is any
#   spec_refs.sh --self-test checks the checker on a small made-up tree
set -eu

# Where citations are looked for, relative to the root.
SPEC_SCAN="src sim tests bench fuzz scripts examples web prompts .ci README.md Makefile meson.build meson_options.txt"

# check_refs ROOT: prints the bad citations under ROOT; status 1 when any.
check_refs() {
    root=$1
    spec=$root/doc/SPEC.md
    if [ ! -f "$spec" ]; then
        echo "doc/SPEC.md: missing (the product description the code cites)"
        return 1
    fi
    set --
    for p in $SPEC_SCAN; do
        [ -e "$root/$p" ] && set -- "$@" "$root/$p"
    done
    # This script is left out: its self-test cites sections on purpose.
    files=$(grep -rIl --exclude-dir=node_modules --exclude=spec_refs.sh -e SPEC "$@" 2>/dev/null ||
        true)
    awk -v root="$root" -v spec="$spec" '
function fail(msg) {
    print msg
    bad++
}
# Checks the section numbers at the start of text (after a citation at line
# `where`): "2.6", "2.6, 3", "3 and 5". Returns how many it found.
function numbers(text, where, cite,    n, num) {
    n = 0
    while (match(text, /^(,[ \t]*|[ \t]+and[ \t]+|[ \t]*)[0-9]+(\.[0-9]+)*/)) {
        num = substr(text, 1, RLENGTH)
        sub(/^[^0-9]*/, "", num)
        text = substr(text, RLENGTH + 1)
        if (n > 0 && num !~ /\./ && text ~ /^[ \t]*(%|px|MB|s[ ,.)]|seconds|images|tokens)/)
            break
        n++
        ncited++
        if (!(num in heading))
            fail(where ": cites " cite " " num ", which is no heading of doc/SPEC.md")
    }
    return n
}
BEGIN {
    while ((getline line < spec) > 0) {
        if (line ~ /^```/)
            fenced = !fenced
        if (fenced || line !~ /^#+[ \t]+[0-9]/)
            continue
        sub(/^#+[ \t]+/, "", line)
        match(line, /^[0-9]+(\.[0-9]+)*/)
        heading[substr(line, 1, RLENGTH)] = 1
        nheadings++
    }
    close(spec)
}
FNR == 1 {
    pending = ""
}
{
    where = substr(FILENAME, length(root) + 2) ":" FNR
    line = $0
    if (line ~ /shared\/SPEC\.md/)
        fail(where ": points at shared/SPEC.md, outside the repository (use doc/SPEC.md)")
    if (pending != "") {
        text = line
        sub(/^[ \t]*(\*|#|\/\/)?[ \t]*/, "", text)
        numbers(text, where, pending)
        pending = ""
    }
    # Each "SPEC" or "doc/SPEC.md" that is a word of its own (not AF_UNSPEC).
    while (match(line, /(doc\/)?SPEC(\.md)?/)) {
        cite = substr(line, RSTART, RLENGTH)
        before = RSTART > 1 ? substr(line, RSTART - 1, 1) : ""
        line = substr(line, RSTART + RLENGTH)
        if (before ~ /[A-Za-z0-9_.\/]/ || line ~ /^[A-Za-z0-9_]/)
            continue
        if (line ~ /^[ \t]*$/)
            pending = cite
        else if (line ~ /^[ \t]+[0-9]/)
            numbers(line, where, cite)
    }
}
END {
    if (nheadings == 0)
        fail("doc/SPEC.md: no numbered headings")
    if (bad) {
        printf "spec_refs: %d bad citation(s)\n", bad
        exit 1
    }
    printf "spec_refs: %d citations of %d sections of doc/SPEC.md: ok\n", ncited, nheadings
}' /dev/null $files # one path per word: no blanks in the names of the tree
}

# expect NAME STATUS PATTERN: checking $tmp/t ends with STATUS (0 or 1) and
# prints a line holding PATTERN (a fixed string).
expect() {
    rc=0
    out=$(check_refs "$tmp/t") || rc=$?
    if [ "$rc" -ne "$2" ] || ! printf '%s\n' "$out" | grep -qF -- "$3"; then
        echo "FAIL: $1: status $rc, want $2 and a line \"$3\"; got:"
        printf '%s\n' "$out"
        failures=$((failures + 1))
        return 0
    fi
    echo "ok: $1"
}

self_test() {
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/jvspec.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    trap 'rm -rf "$tmp"; exit 1' INT TERM
    failures=0
    mkdir -p "$tmp/t/doc" "$tmp/t/src/a" "$tmp/t/tests"
    printf '%s\n' '# Title' '## 1. One' '### 1.2 One two' '## 2. Two' '```' '# 7 not a heading' \
        '```' >"$tmp/t/doc/SPEC.md"
    printf '%s\n' '/* x.h - a thing (SPEC 1.2), see also doc/SPEC.md 2. */' \
        '/* the SPEC 1 and 2 rules; SPEC 2, 1.2 too; the SPEC defaults; the SPEC'"'"'s example */' \
        '/* an address (AF_UNSPEC 5), NOSPEC 9 */' '/* wrapped (SPEC' ' * 1.2) */' \
        '/* SPEC 1.2, 5 images, and SPEC 2 and 10 seconds */' >"$tmp/t/src/a/x.h"
    printf '%s\n' '# runs (SPEC 2)' >"$tmp/t/tests/t.sh"
    expect "good tree" 0 "spec_refs: 10 citations of 3 sections"

    cp "$tmp/t/src/a/x.h" "$tmp/x.h"
    echo '/* see SPEC 2.2 */' >>"$tmp/t/src/a/x.h"
    expect "missing subsection" 1 "src/a/x.h:7: cites SPEC 2.2, which is no heading"
    cp "$tmp/x.h" "$tmp/t/src/a/x.h"
    echo '# (doc/SPEC.md 3)' >>"$tmp/t/tests/t.sh"
    expect "missing section" 1 "tests/t.sh:2: cites doc/SPEC.md 3, which is no heading"
    printf '%s\n' '# runs (SPEC 2)' >"$tmp/t/tests/t.sh"
    printf '%s\n' '/* wrapped (SPEC' ' * 7) */' >>"$tmp/t/src/a/x.h"
    expect "wrapped citation" 1 "src/a/x.h:8: cites SPEC 7"
    cp "$tmp/x.h" "$tmp/t/src/a/x.h"
    echo '/* SPEC 2 and 8 */' >>"$tmp/t/src/a/x.h"
    expect "second of a pair" 1 "src/a/x.h:7: cites SPEC 8"
    cp "$tmp/x.h" "$tmp/t/src/a/x.h"
    echo 'The product specification is `../shared/SPEC.md`.' >"$tmp/t/README.md"
    expect "outside pointer" 1 "README.md:1: points at shared/SPEC.md"
    rm "$tmp/t/README.md" "$tmp/t/doc/SPEC.md"
    expect "no description" 1 "doc/SPEC.md: missing"

    if [ "$failures" -ne 0 ]; then
        echo "spec_refs self-test: $failures failure(s)"
        return 1
    fi
    echo "spec_refs self-test: ok"
}

if [ "${1:-}" = "--self-test" ]; then
    self_test
    exit
fi
check_refs "${1:-${JV_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}}"
