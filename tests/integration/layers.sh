#!/bin/sh
# layers.sh - the floors of src/ hold. The table is src/FLOORS. Every
# #include "folder/file.h" in a .c or .h under src/ names an existing header
# of the file's own folder, of core/ or of a folder on a lower floor; every
# function or variable an object of the build takes from another (nm's
# undefined symbols against the others' definitions) obeys the same rule, so
# a declaration put in a lower header cannot hide an upward call; and there
# are no cycles, through includes or links: no module (foo.c, foo.h and
# foo_internal.h) depends on itself through other modules, and no file of a
# module includes itself through its others.
#
#   layers.sh [ROOT [BUILD]]  checks ROOT/src (default $JV_SOURCE_DIR, else the
#                             checkout this script lives in) and the objects
#                             under BUILD (default $JV_BUILD_DIR; links are not
#                             checked without one); prints one line per
#                             violation and exits 1 when there is any
#   layers.sh --self-test     checks the checker on small made-up trees: a good
#                             one passes, and each kind of violation is caught
#
# Violations, one per line:
#   src/a/x.c: includes c/y.h (floor 2 above floor 1)
#   src/a/x.c: includes b/y.h (floor 1 beside floor 1)
#   src/a/x.c: uses jv_y from src/c/y.c (floor 2 above floor 1)
#   src/a/x.c: includes a/nope.h (no such file under src/)
#   src/a/x.c: includes ../y.h (not a folder/file.h path)
#   src/a/x.c: includes zz/y.h (folder zz is not in src/FLOORS)
#   src/zz/: folder zz is not in src/FLOORS
#   src/FLOORS: folder d has no directory src/d/
#   src/x.c: not inside a folder of src/
#   cycle: a/p -> a/q -> a/p
#     src/a/p.c: includes a/q.h
#     src/a/q.c: uses jv_p from src/a/p.c
# An include without a folder ("x.h") means the file's own folder, or a
# header the build generates (a "generated" line of src/FLOORS).
set -eu

# The whole check, in one awk pass over a list on stdin: "D path" for each
# folder of src/, "F path" for each .c and .h (sorted), then "N object: symbol
# type ..." lines of nm for the objects of a build, when one is given (the awk
# program reads each source file itself). Prints the violations; exit status 1
# when there is any.
check_tree() {
    root=$1
    build=${2:-}
    src=$root/src
    if [ ! -f "$src/FLOORS" ]; then
        echo "$src/FLOORS: missing (the table of floors)"
        return 1
    fi
    {
        {
            find "$src" -mindepth 1 -maxdepth 1 -type d | sed 's/^/D /'
            find "$src" -type f \( -name '*.c' -o -name '*.h' \) | sed 's/^/F /'
        } | LC_ALL=C sort
        if [ -n "$build" ] && [ -d "$build" ]; then
            find "$build" -type f -name '*.c.o' | LC_ALL=C sort |
                xargs -r nm -A -P 2>/dev/null | sed 's/^/N /'
        fi
    } | awk -v src="$src" -v build="$build" '
function fail(msg) {
    print msg
    bad++
}
# The module a file belongs to: foo.c, foo.h and foo_internal.h are module foo.
function stem(path) {
    sub(/\.[ch]$/, "", path)
    sub(/_internal$/, "", path)
    return path
}
# Adds the edge a -> b (why: the include behind it) unless it is known.
function edge(a, b, where) {
    if ((a, b) in why)
        return
    why[a, b] = where
    if (!(a in deg)) {
        deg[a] = 0
        nodes[++nnodes] = a
    }
    adj[a, ++deg[a]] = b
}
# The source file (folder/name.c) an object of the build was compiled from:
# meson names the objects of libjv src_FOLDER_NAME.c.o and those of a target
# in src/FOLDER NAME.c.o under build/src/FOLDER/; anything else is not ours.
function object_source(obj,    b, i, prefix) {
    b = obj
    sub(/.*\//, "", b)
    sub(/\.o$/, "", b)
    if (b ~ /^src_/) {
        b = substr(b, 5)
        i = index(b, "_")
        return i ? substr(b, 1, i - 1) "/" substr(b, i + 1) : ""
    }
    prefix = build "/src/"
    if (substr(obj, 1, length(prefix)) != prefix)
        return ""
    obj = substr(obj, length(prefix) + 1)
    i = index(obj, "/")
    return i ? substr(obj, 1, i - 1) "/" b : ""
}
# Checks that folder own may depend on folder to; where says how it does.
function check_floor(own, to, where) {
    if (!(own in floor) || !(to in floor) || to == own)
        return
    if (floor[to] > floor[own])
        fail(where " (floor " floor[to] " above floor " floor[own] ")")
    else if (floor[to] == floor[own])
        fail(where " (floor " floor[to] " beside floor " floor[own] ")")
}
# Tarjan: v gets an index; components of more than one module are cycles.
function strong(v,    i, w, n) {
    idx[v] = ++counter
    low[v] = counter
    stack[++sp] = v
    on[v] = 1
    for (i = 1; i <= deg[v]; i++) {
        w = adj[v, i]
        if (!(w in idx)) {
            strong(w)
            if (low[w] < low[v])
                low[v] = low[w]
        } else if (on[w] && idx[w] < low[v]) {
            low[v] = idx[w]
        }
    }
    if (low[v] != idx[v])
        return
    n = 0
    do {
        w = stack[sp--]
        on[w] = 0
        comp[w] = v
        n++
    } while (w != v)
    if (n > 1)
        roots[++nroots] = v
}
# Prints one shortest cycle through r inside its component, with the include
# behind each step.
function show_cycle(r,    head, tail, q, v, w, i, path, steps, k, from) {
    head = 1
    tail = 0
    split("", prev)
    q[++tail] = r
    while (head <= tail) {
        v = q[head++]
        for (i = 1; i <= deg[v]; i++) {
            w = adj[v, i]
            if (comp[w] != r)
                continue
            if (w == r) {
                prev[r] = v
                head = tail + 1
                break
            }
            if (!(w in prev)) {
                prev[w] = v
                q[++tail] = w
            }
        }
    }
    k = 0
    w = r
    do {
        chain[++k] = w
        w = prev[w]
    } while (w != r)
    path = r
    steps = ""
    from = r
    for (i = k; i >= 1; i--) {
        w = (i == 1) ? r : chain[i]
        path = path " -> " w
        steps = steps "\n  " why[from, w]
        from = w
    }
    fail("cycle: " path steps)
}
BEGIN {
    floors = src "/FLOORS"
    while ((getline line < floors) > 0) {
        sub(/#.*/, "", line)
        nf = split(line, f, /[ \t]+/)
        if (nf == 0)
            continue
        first = (f[1] == "") ? 2 : 1
        if (f[first] == "generated") {
            generated[f[first + 1]] = f[first + 2]
            continue
        }
        for (i = first + 1; i <= nf; i++) {
            if (f[i] == "")
                continue
            if (f[i] in floor)
                fail("src/FLOORS: folder " f[i] " is placed twice")
            floor[f[i]] = f[first] + 0
            tabled[++ntabled] = f[i]
        }
    }
    close(floors)
}
{
    kind = substr($0, 1, 1)
    path = substr($0, 3)
    rel = substr(path, length(src) + 2)
    if (kind == "N") {
        line = substr($0, 3)
        i = index(line, ": ")
        obj = substr(line, 1, i - 1)
        if (!(obj in osrc))
            osrc[obj] = object_source(obj)
        file = osrc[obj]
        if (!(file in have))
            next
        split(substr(line, i + 2), t, " ")
        if (t[2] == "U") {
            if (!((file, t[1]) in used)) {
                used[file, t[1]] = 1
                ufile[++nuses] = file
                usym[nuses] = t[1]
            }
        } else if (t[2] ~ /^[BCDGRSTVW]$/ && !(t[1] in def)) {
            def[t[1]] = file
        }
        next
    }
    if (kind == "D") {
        dir[rel] = 1
        if (!(rel in floor))
            fail("src/" rel "/: folder " rel " is not in src/FLOORS")
    } else {
        have[rel] = 1
        files[++nfiles] = rel
    }
}
END {
    for (i = 1; i <= ntabled; i++)
        if (!(tabled[i] in dir))
            fail("src/FLOORS: folder " tabled[i] " has no directory src/" tabled[i] "/")
    for (n = 1; n <= nfiles; n++) {
        rel = files[n]
        slash = index(rel, "/")
        if (slash == 0) {
            fail("src/" rel ": not inside a folder of src/")
            continue
        }
        own = substr(rel, 1, slash - 1)
        path = src "/" rel
        while ((getline line < path) > 0) {
            if (line !~ /^[ \t]*#[ \t]*include[ \t]*"/)
                continue
            sub(/^[^"]*"/, "", line)
            sub(/".*/, "", line)
            inc = line
            nincludes++
            where = "src/" rel ": includes " inc
            if (inc ~ /^\.|\/\.|\/\/|^\//) {
                fail(where " (not a folder/file.h path)")
                continue
            }
            if (inc in generated) {
                to = generated[inc]
                target = ""
            } else {
                target = (index(inc, "/") == 0) ? own "/" inc : inc
                to = substr(target, 1, index(target, "/") - 1)
                if (!(target in have)) {
                    fail(where " (no such file under src/)")
                    continue
                }
            }
            if (!(to in floor)) {
                fail(where " (folder " to " is not in src/FLOORS)")
                continue
            }
            check_floor(own, to, where)
            if (target == "")
                continue
            # Cycles between modules, and between the files of one module.
            a = stem(rel)
            b = stem(target)
            if (a != b)
                edge(a, b, where)
            else if (rel != target)
                edge(rel, target, where)
        }
        close(path)
    }
    # What each object of the build takes from the definitions of the others.
    for (n = 1; n <= nuses; n++) {
        rel = ufile[n]
        if (!(usym[n] in def) || def[usym[n]] == rel || (rel, def[usym[n]]) in uses)
            continue
        target = def[usym[n]]
        uses[rel, target] = 1
        ncalls++
        where = "src/" rel ": uses " usym[n] " from src/" target
        check_floor(substr(rel, 1, index(rel, "/") - 1),
            substr(target, 1, index(target, "/") - 1), where)
        if (stem(rel) != stem(target))
            edge(stem(rel), stem(target), where)
    }
    for (i = 1; i <= nnodes; i++)
        if (!(nodes[i] in idx))
            strong(nodes[i])
    for (i = 1; i <= nroots; i++)
        show_cycle(roots[i])
    if (bad) {
        printf "layers: %d violation(s) in %s\n", bad, src
        exit 1
    }
    links = build == "" ? "no build given, so links not checked" : ncalls " links between files"
    printf "layers: %d files, %d includes, %s, %d folders on their floors: ok\n",
        nfiles, nincludes, links, ntabled
}'
}

# expect_caught NAME PATTERN: the tree in $case (with its objects in
# $case/build) must fail with a line holding PATTERN (a fixed string).
expect_caught() {
    if out=$(check_tree "$case" "$case/build"); then
        echo "FAIL: $1: the checker passed a broken tree"
        failures=$((failures + 1))
        return 0
    fi
    if ! printf '%s\n' "$out" | grep -qF -- "$2"; then
        echo "FAIL: $1: no line \"$2\" in:"
        printf '%s\n' "$out"
        failures=$((failures + 1))
        return 0
    fi
    echo "ok: $1 caught"
}

# code NAME TEXT: C source NAME for the objects of the self-test, all compiled
# at once by compile_code; object TREE OBJECT NAME puts NAME's object in
# TREE/build/OBJECT.
code() {
    printf '%s\n' "$2" >"$tmp/cc/$1.c"
}
compile_code() {
    (cd "$tmp/cc" && ${CC:-cc} -c ./*.c)
}
object() {
    mkdir -p "$(dirname "$1/build/$2")"
    cp "$tmp/cc/$3.o" "$1/build/$2"
}

# new_case: a fresh copy of the good tree in $case.
new_case() {
    case=$tmp/case
    rm -rf "$case"
    cp -R "$tmp/good" "$case"
}

self_test() {
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/jvlayers.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    trap 'rm -rf "$tmp"; exit 1' INT TERM
    failures=0
    g=$tmp/good/src
    mkdir -p "$g/core" "$g/a" "$g/b" "$g/c"
    printf '%s\n' '# floors of the self-test' '0 core' '1 a b' '  2   c   # top' \
        'generated gen.h c' 'generated core/made.h core' >"$g/FLOORS"
    printf '#include <stdio.h>\n' >"$g/core/x.h"
    printf '#include "core/x.h"\n#include "core/made.h"\n' >"$g/core/x.c"
    printf '#include "core/x.h"\n' >"$g/a/a1.h"
    printf '#include "core/x.h"\n#include "a/a1.h"\n#include "a1.h"\n' >"$g/a/a1.c"
    printf '#include "a/q.h"\n' >"$g/a/p.h"
    printf '#include "a/p.h"\n #  include "a/q.h"\n' >"$g/a/p.c"
    : >"$g/a/q.h"
    : >"$g/a/q.c"
    : >"$g/b/b1.h"
    : >"$g/c/c1.h"
    printf '#include "a/r.h"\n' >"$g/a/r_internal.h"
    printf '#include "a/r_internal.h"\n' >"$g/a/r.c"
    : >"$g/a/r.h"
    printf '#include "a/a1.h"\n#include "b/b1.h"\n#include "gen.h"\n#include "c/c1.h"\n' \
        >"$g/c/c1.c"
    : >"$g/b/b1.c"
    if command -v "${CC:-cc}" >/dev/null 2>&1; then
        have_cc=1
        mkdir "$tmp/cc"
        code x 'int jv_x(void) { return 1; }'
        code a1 'int jv_x(void); int jv_a1(void) { return jv_x(); }'
        code p 'int jv_q(void); int jv_p(void) { return jv_q(); }'
        code q 'int jv_q(void) { return 0; }'
        code b1 'int jv_b1(void) { return 0; }'
        code c1 'int jv_a1(void); int jv_b1(void); int main(void) { return jv_a1() + jv_b1(); }'
        code gone 'int main(void); int jv_g(void) { return main(); }'
        code x_up 'int jv_a1(void); int jv_x(void) { return jv_a1(); }'
        code b1_beside 'int jv_a1(void); int jv_b1(void) { return jv_a1(); }'
        code q_back 'int jv_p(void); int jv_q(void) { return jv_p(); }'
        code c1_low 'int jv_b1(void); int jv_c1(void) { return jv_b1(); }'
        code b1_up 'int jv_c1(void); int jv_b1(void) { return jv_c1(); }'
        compile_code
        object "$tmp/good" libjv.a.p/src_core_x.c.o x
        object "$tmp/good" libjv.a.p/src_a_a1.c.o a1
        object "$tmp/good" libjv.a.p/src_a_p.c.o p
        object "$tmp/good" libjv.a.p/src_a_q.c.o q
        object "$tmp/good" libjv.a.p/src_b_b1.c.o b1
        object "$tmp/good" src/c/prog.p/c1.c.o c1
        # An object whose source is gone (a stale build) is not looked at.
        object "$tmp/good" libjv.a.p/src_a_gone.c.o gone
    else
        have_cc=
        echo "skip: no C compiler, so the links between objects are not tested"
    fi
    if out=$(check_tree "$tmp/good" "$tmp/good/build"); then
        echo "ok: the good tree passes ($out)"
    else
        echo "FAIL: the good tree fails:"
        printf '%s\n' "$out"
        failures=$((failures + 1))
    fi

    new_case
    echo '#include "c/c1.h"' >>"$case/src/a/a1.c"
    expect_caught "upward include" "src/a/a1.c: includes c/c1.h (floor 2 above floor 1)"
    new_case
    echo '#include "a/a1.h"' >>"$case/src/core/x.h"
    expect_caught "core including up" "src/core/x.h: includes a/a1.h (floor 1 above floor 0)"
    new_case
    echo '#include "b/b1.h"' >>"$case/src/a/a1.c"
    expect_caught "same-floor include" "src/a/a1.c: includes b/b1.h (floor 1 beside floor 1)"
    new_case
    echo '#include "a/p.h"' >>"$case/src/a/q.c"
    expect_caught "module cycle" "cycle: a/p -> a/q -> a/p"
    expect_caught "module cycle's evidence" "  src/a/q.c: includes a/p.h"
    new_case
    echo '#include "a/h2.h"' >"$case/src/a/h1.h"
    echo '#include "a/h3.h"' >"$case/src/a/h2.h"
    echo '#include "a/h1.h"' >"$case/src/a/h3.h"
    expect_caught "header cycle of three" "cycle: a/h1 -> a/h2 -> a/h3 -> a/h1"
    new_case
    echo '#include "a/r_internal.h"' >"$case/src/a/r.h"
    expect_caught "cycle inside a module" "cycle: a/r_internal.h -> a/r.h -> a/r_internal.h"
    new_case
    mkdir "$case/src/zz"
    : >"$case/src/zz/z.c"
    expect_caught "folder without a floor" "src/zz/: folder zz is not in src/FLOORS"
    new_case
    echo '#include "core/nope.h"' >>"$case/src/c/c1.c"
    expect_caught "missing header" "src/c/c1.c: includes core/nope.h (no such file under src/)"
    new_case
    echo '#include "nope.h"' >>"$case/src/c/c1.c"
    expect_caught "missing same-folder header" "src/c/c1.c: includes nope.h (no such file"
    new_case
    echo '#include "../c/c1.h"' >>"$case/src/a/a1.c"
    expect_caught "relative path" "src/a/a1.c: includes ../c/c1.h (not a folder/file.h path)"
    new_case
    echo '3 d' >>"$case/src/FLOORS"
    expect_caught "stale table" "src/FLOORS: folder d has no directory src/d/"
    new_case
    : >"$case/src/stray.c"
    expect_caught "file outside a folder" "src/stray.c: not inside a folder of src/"
    new_case
    rm "$case/src/FLOORS"
    expect_caught "no table" "FLOORS: missing"

    if [ -n "$have_cc" ]; then
        new_case
        object "$case" libjv.a.p/src_core_x.c.o x_up
        expect_caught "upward call" "src/core/x.c: uses jv_a1 from src/a/a1.c (floor 1 above floor 0)"
        new_case
        object "$case" libjv.a.p/src_b_b1.c.o b1_beside
        expect_caught "same-floor call" "src/b/b1.c: uses jv_a1 from src/a/a1.c (floor 1 beside floor 1)"
        new_case
        object "$case" libjv.a.p/src_a_q.c.o q_back
        expect_caught "call cycle" "cycle: a/p -> a/q -> a/p"
        expect_caught "call cycle's evidence" "  src/a/q.c: uses jv_p from src/a/p.c"
        new_case
        object "$case" src/c/prog.p/c1.c.o c1_low
        object "$case" libjv.a.p/src_b_b1.c.o b1_up
        expect_caught "call up from an object outside libjv" "src/b/b1.c: uses jv_c1 from src/c/c1.c (floor 2 above floor 1)"
    fi
    if [ "$failures" -ne 0 ]; then
        echo "layers self-test: $failures failure(s)"
        return 1
    fi
    echo "layers self-test: ok"
}

if [ "${1:-}" = "--self-test" ]; then
    self_test
    exit
fi
root=${1:-${JV_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}}
check_tree "$root" "${2:-${JV_BUILD_DIR:-}}"
