/*
 * buildinfo.h - identity of the build that runs: version, and the git commit
 * and dirty flag of the source tree it was built from ("unknown" outside git).
 */
#ifndef JV_BUILDINFO_H
#define JV_BUILDINFO_H

const char *jv_build_version(void);
const char *jv_build_git_commit(void);
bool jv_build_git_dirty(void);

#endif
