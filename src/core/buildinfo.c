/* buildinfo.c - the identity of the running build (version, git commit, dirty flag). */
#include "core/jv.h"

#include "core/buildinfo.h"
#include "core/buildinfo_git.h"

/*
 * JV_BUILD_GIT_DESCRIBE is "HASH", "HASH-dirty" or "unknown" (the vcs_tag
 * fallback), written by src/core/git-buildinfo.sh at build time.
 */
#define DIRTY_SUFFIX "-dirty"

static const char describe[] = JV_BUILD_GIT_DESCRIBE;
static char commit[64];
static GOnce commit_once = G_ONCE_INIT;

static gpointer split_describe(gpointer unused)
{
    (void)unused;
    size_t n = strlen(describe);
    size_t k = strlen(DIRTY_SUFFIX);
    if (n > k && strcmp(describe + n - k, DIRTY_SUFFIX) == 0)
        n -= k;
    if (n == 0 || n >= sizeof commit)
        g_strlcpy(commit, "unknown", sizeof commit);
    else {
        memcpy(commit, describe, n);
        commit[n] = '\0';
    }
    return NULL;
}

const char *jv_build_git_commit(void)
{
    g_once(&commit_once, split_describe, NULL);
    return commit;
}

bool jv_build_git_dirty(void)
{
    size_t n = strlen(describe);
    size_t k = strlen(DIRTY_SUFFIX);
    return n > k && strcmp(describe + n - k, DIRTY_SUFFIX) == 0;
}

const char *jv_build_version(void)
{
    return JV_BUILD_VERSION;
}
