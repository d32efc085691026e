/*
 * hash.h - content hashes (xxHash XXH3-128 of a file's bytes, as used by the
 * IQA cache, resume and the simulator's truth file) and SHA-256 of text
 * (prompt profiles).
 */
#ifndef JV_HASH_H
#define JV_HASH_H

#define JV_CONTENT_HASH_LEN 33 /* 32 hex digits + NUL */

/* Hashes the file's bytes (streamed) into `out` as 32 lowercase hex digits. */
int jv_hash_file(const char *path, char out[JV_CONTENT_HASH_LEN], GError **err);

/* Hashes a buffer the same way. */
void jv_hash_buffer(const void *data, size_t len, char out[JV_CONTENT_HASH_LEN]);

/* SHA-256 of `len` bytes as 64 hex digits (owned, g_free). */
char *jv_sha256_hex(const void *data, size_t len);

#endif
