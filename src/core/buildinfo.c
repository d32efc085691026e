#include "core/jv.h"

#include "core/buildinfo.h"

/* Replaced by the telemetry work's build-time identity; see meson.build. */
const char *jv_build_version(void)
{
    return JV_VERSION;
}

const char *jv_build_git_commit(void)
{
    return "unknown";
}

bool jv_build_git_dirty(void)
{
    return false;
}
