/*
 * discover.h - finds the competition entries (doc/SPEC.md 2.1).
 */
#ifndef JV_DISCOVER_H
#define JV_DISCOVER_H

/*
 * Collects the images named by `inputs` (NULL-terminated; each a directory or
 * a single file). Directories are walked recursively when `recursive`
 * (each directory visited once by device and inode, so loops end). A
 * symbolic link inside a walked directory is followed only when it resolves
 * inside one of the input directories, unless `follow_symlinks`; one leading
 * elsewhere is skipped with a warning. A FIFO, device or socket with a photo's
 * name is skipped with a warning, never opened. Kept: extensions .jpg .jpeg .png .tif .tiff .webp
 * in any case, except files whose stem contains "_lab_" or "backup" in any case. Returns an owned
 * array of owned absolute paths (free function set; paths are bytes, not necessarily UTF-8), sorted
 * bytewise and de-duplicated. A missing or unreadable input is an error naming it (JV_ERR_NOT_FOUND
 * / JV_ERR_IO); an unreadable subdirectory is skipped with a warning (jv_warn); a single file that
 * the rules exclude is skipped with a warning. Zero images is not an error (the array is empty).
 */
GPtrArray *jv_discover(const char *const *inputs, bool recursive, bool follow_symlinks,
                       GError **err);

/* True when the file name passes the extension and ignored-stem rules. */
bool jv_discover_is_candidate(const char *name);

#endif
