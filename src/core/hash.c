/* hash.c - content hashes of files (XXH3-128) and SHA-256 of text. */
#include "core/jv.h"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include "core/hash.h"

static void format_hash(XXH128_hash_t h, char out[JV_CONTENT_HASH_LEN])
{
    snprintf(out, JV_CONTENT_HASH_LEN, "%016llx%016llx", (unsigned long long)h.high64,
             (unsigned long long)h.low64);
}

int jv_hash_file(const char *path, char out[JV_CONTENT_HASH_LEN], GError **err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot open %s: %s", path, g_strerror(errno));
        return -1;
    }
    XXH3_state_t *st = XXH3_createState();
    XXH3_128bits_reset(st);
    int rc = 0;
    enum { CHUNK = 1 << 16 };
    char *buf = g_malloc(CHUNK);
    for (;;) {
        ssize_t n = read(fd, buf, CHUNK);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            g_set_error(err, JV_ERROR, JV_ERR_IO, "cannot read %s: %s", path, g_strerror(errno));
            rc = -1;
            break;
        }
        if (n == 0)
            break;
        XXH3_128bits_update(st, buf, (size_t)n);
    }
    if (rc == 0)
        format_hash(XXH3_128bits_digest(st), out);
    XXH3_freeState(st);
    g_free(buf);
    close(fd);
    return rc;
}

void jv_hash_buffer(const void *data, size_t len, char out[JV_CONTENT_HASH_LEN])
{
    format_hash(XXH3_128bits(data, len), out);
}

char *jv_sha256_hex(const void *data, size_t len)
{
    return g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
}
