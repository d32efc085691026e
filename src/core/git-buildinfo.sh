#!/bin/sh
# Prints the commit of the source tree at $1 ("HASH" or "HASH-dirty") for
# meson's vcs_tag; exits non-zero (so vcs_tag uses its fallback "unknown")
# when $1 is not the top of a git work tree, e.g. a tarball unpacked inside
# some other repository.
set -eu
src=$(cd "$1" && pwd -P)
top=$(git -C "$src" rev-parse --show-toplevel 2>/dev/null) || exit 1
[ "$(cd "$top" && pwd -P)" = "$src" ] || exit 1
hash=$(git -C "$src" rev-parse --verify HEAD 2>/dev/null) || exit 1
if [ -n "$(git -C "$src" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    printf '%s-dirty\n' "$hash"
else
    printf '%s\n' "$hash"
fi
