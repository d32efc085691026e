/*
 * fsutil.h - file helpers with the project's error convention.
 */
#ifndef JV_FSUTIL_H
#define JV_FSUTIL_H

#include <sys/types.h>

/* Creates the parent directories of `path` (like mkdir -p of its dirname). */
int jv_mkdir_parents(const char *path, GError **err);

/*
 * Writes `len` bytes to `path` atomically: a temp file beside it, fsync, then
 * rename over the original, so readers see the old or the new file, never a
 * half-written one. Creates parent directories.
 */
int jv_write_file_atomic(const char *path, const void *data, size_t len, GError **err);

/*
 * Like jv_write_file_atomic() without the fsync: readers still never see a
 * half-written file, but a power cut may lose the update. For files that are
 * rewritten very often and are only a view of other state (progress).
 */
int jv_write_file_replace(const char *path, const void *data, size_t len, GError **err);

/*
 * Reads a whole file into a NUL-terminated buffer (returned owned, g_free).
 * Refuses files larger than `max_bytes`. Stores the length in *len if non-NULL.
 */
char *jv_read_file(const char *path, size_t max_bytes, size_t *len, GError **err);

struct stat;

/*
 * Reads a regular file whole, as one version: opened without blocking (a
 * FIFO is refused, never waited on), refused when not a regular file
 * (JV_ERR_IMAGE, "not a regular file") or larger than `max_bytes`, and
 * failed with "<path>: file changed while being read" (JV_ERR_IO) when its
 * size, mtime or ctime moved between the open and the end of the read or
 * the bytes read differ from its size. On success returns the bytes (owned)
 * and, when `st` is not NULL, the file's status at the open (the version
 * read). Messages quote `path` as given.
 */
GBytes *jv_read_file_stable(const char *path, size_t max_bytes, struct stat *st, GError **err);

/*
 * Writes the whole buffer with write(2), retrying on EINTR and short writes.
 * One call per record keeps a JSONL line whole even when the process is
 * killed between calls.
 */
int jv_write_all(int fd, const void *data, size_t len, const char *what, GError **err);

/*
 * Opens `path` for appending (O_APPEND|O_CREAT, 0644), creating parents.
 * Returns the fd or -1.
 */
int jv_open_append(const char *path, GError **err);

/*
 * If the file at fd does not end in '\n' (a torn last line from a killed
 * writer), truncates it back to just after the last newline so that appends
 * start on a fresh line. Returns 0, or -1 on I/O error.
 */
int jv_truncate_torn_tail(int fd, const char *path, GError **err);

/*
 * A path as valid UTF-8 for JSON, logs and the GUI: each byte that is not
 * part of valid UTF-8 written as \xNN, and a backslash that starts the text
 * of such an escape (a file literally named "caf\xE9.jpg") written as \x5C;
 * everything else, ordinary names included, unchanged. The mapping is
 * one-to-one: two paths never give the same text (it serves as a key:
 * cache, resume, records) and jv_path_from_utf8() gives the path back.
 * Owned.
 */
char *jv_path_utf8(const char *path);

/*
 * Keeps `path` as the first free numbered backup "<path>.N.bak" (N = 1, 2,
 * ...): never overwrites an earlier backup. `move` renames the file away
 * (it is gone afterwards); else it is copied (through a temp file, so a
 * backup is never half-written). Returns the backup's path (owned), or NULL
 * with err; NULL without err when `path` does not exist.
 */
char *jv_backup_numbered(const char *path, bool move, GError **err);

/*
 * Removes the temp files an atomic write of `path` leaves when its process
 * dies ("<path>.tmp.<pid>" and "<path>.tmp.<pid>.<any>") whose pid is no
 * longer alive. Returns how many were removed.
 */
int jv_remove_stale_tmp(const char *path);

/*
 * The inverse of jv_path_utf8(): each \xNN (NN not 00) back to its byte,
 * everything else copied. Owned.
 */
char *jv_path_from_utf8(const char *text);

/* Absolute, normalised form of `path` (owned; does not resolve symlinks). */
char *jv_abspath(const char *path);

#endif
