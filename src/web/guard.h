/*
 * guard.h - the only ways the web server opens a file of a run (doc/SPEC.md 6).
 *
 * Side files (results, manifest, matches log, overrides, settings, cached
 * thumbnails) are opened beneath the outputs directory one path component at
 * a time with O_NOFOLLOW: a symbolic link anywhere below the outputs root is
 * never followed, "." and ".." are refused, and only a regular file is
 * returned (a FIFO or device is not even waited on: O_NONBLOCK).
 *
 * A photo is opened only when the record's path, resolved (realpath), lies
 * inside one of the run's input folders as its manifest records them
 * (parameters.input_dirs; a folder given as a relative path is taken from the
 * server's working directory, where the page's runs start) or is one of its
 * input files; the resolved path is then opened beneath that folder the same
 * way, so a link swapped in after the check is not followed either. A run
 * whose manifest has parameters.follow_symlinks true may reach photos through
 * linked folders (the record's own path must then lie inside an input
 * folder), but the photo itself is never a symbolic link.
 *
 * Refusals carry the JV_WEB_GUARD_ERROR domain (the API answers 403); a file
 * that is not there is JV_ERROR / JV_ERR_NOT_FOUND.
 *
 * Run ids: the first 16 hex digits of HMAC-SHA256(key, relative results
 * path), the key a secret drawn per server start, so ids differ between
 * machines and between starts and cannot be guessed by another page.
 *
 * Ownership: returned descriptors and strings belong to the caller.
 */
#ifndef JV_WEB_GUARD_H
#define JV_WEB_GUARD_H

#include <jansson.h>

#define JV_WEB_RUN_ID_LEN 17 /* 16 hex digits + NUL */

#define JV_WEB_GUARD_ERROR (jv_web_guard_error_quark())
GQuark jv_web_guard_error_quark(void);

enum jv_web_guard_code {
    JV_WEB_GUARD_REFUSED = 1, /* a link, outside the allowed folders, not a regular file */
};

/*
 * Opens `path` (absolute, lexically below `root`) for reading without
 * following any link below `root` (the root itself is the user's choice and
 * may be one). Returns a descriptor of a regular file, or -1 with err.
 */
int jv_web_open_beneath(const char *root, const char *path, GError **err);

/*
 * The whole file at `path` below `root`, opened as jv_web_open_beneath()
 * does, at most `max_bytes` (JV_ERR_IO beyond); *len (may be NULL) gets its
 * length. NULL with err.
 */
char *jv_web_read_beneath(const char *root, const char *path, size_t max_bytes, size_t *len,
                          GError **err);

/* True when `path` below `root` is a regular file reachable without links. */
bool jv_web_file_beneath(const char *root, const char *path);

/*
 * The input folders and files a manifest (borrowed) records, as absolute
 * paths (NULL-terminated, g_strfreev); an empty list when it records none.
 * *follow (may be NULL) gets parameters.follow_symlinks.
 */
char **jv_web_manifest_inputs(json_t *manifest, bool *follow);

/*
 * Opens the photo `image` (a record's absolute path) when it lies inside one
 * of `inputs` (from jv_web_manifest_inputs) as described above. *real (may be
 * NULL) gets the path opened. Returns the descriptor or -1 with err.
 */
int jv_web_open_photo(char *const *inputs, bool follow, const char *image, char **real,
                      GError **err);

/* The run id of results file `rel` (relative to the outputs root) under `key`. */
void jv_web_run_id_make(const char *key, const char *rel, char out[JV_WEB_RUN_ID_LEN]);

#endif
