/* tmpdir.h - a test file's temporary folder: tmpdir_make() makes it, tmpdir_remove() removes it. */
#ifndef JV_TEST_TMPDIR_H
#define JV_TEST_TMPDIR_H

#include <glib.h>
#include <stdlib.h>

static char *tmpdir;

/* Makes the folder from a g_dir_make_tmp() template; 0, or -1 when it cannot. */
static inline int tmpdir_make(const char *template_name)
{
    tmpdir = g_dir_make_tmp(template_name, NULL);
    return tmpdir ? 0 : -1;
}

/* Removes the folder and everything in it; 0, or -1 when that failed. */
static inline int tmpdir_remove(void)
{
    char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);
    int rc = system(cmd);
    g_free(cmd);
    g_clear_pointer(&tmpdir, g_free);
    return rc == 0 ? 0 : -1;
}

#endif
