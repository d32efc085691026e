/*
 * buildinfo.h - identity of the build that is running: the tool version and
 * the git commit (with a dirty flag) of the source tree it was built from.
 *
 * The commit is taken by meson's vcs_tag at every build (not only at
 * configure time), so a rebuild after a commit or an edit reports the new
 * state. Outside a git checkout (a source tarball) the commit is "unknown"
 * and the dirty flag false. "Dirty" means tracked files differ from HEAD
 * (uncommitted edits, staged or not); untracked files do not count, as with
 * `git describe --dirty`.
 */
#ifndef JV_BUILDINFO_H
#define JV_BUILDINFO_H

/* The 40-hex commit id of the source tree, or "unknown". Static string. */
const char *jv_build_git_commit(void);

/* True when the tree had uncommitted changes to tracked files at build time. */
bool jv_build_git_dirty(void);

/* The project version from meson.build ("0.1.0"). Static string. */
const char *jv_build_version(void);

#endif
