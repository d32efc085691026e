/* thumbnail.c - cached JPEG thumbnails for the web page, made with libvips. */
#include "core/jv.h"

#include <sys/stat.h>

#include <vips/vips.h>

#include "core/fsutil.h"
#include "core/hash.h"
#include "image/thumbnail.h"
#include "image/vips_error.h"

struct jv_image_thumbs {
    char *dir;
    GMutex lock;
    GHashTable *hashes; /* "path\nsize\nmtime" -> content hash; saves rehashing */
};

struct jv_image_thumbs *jv_image_thumbs_new(const char *cache_dir)
{
    struct jv_image_thumbs *t = g_new0(struct jv_image_thumbs, 1);
    t->dir = g_strdup(cache_dir);
    g_mutex_init(&t->lock);
    t->hashes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return t;
}

void jv_image_thumbs_free(struct jv_image_thumbs *t)
{
    if (!t)
        return;
    g_hash_table_destroy(t->hashes);
    g_mutex_clear(&t->lock);
    g_free(t->dir);
    g_free(t);
}

int jv_image_thumb_size(int size)
{
    static const int sizes[] = {64, 128, 256, 512, 1024};
    for (size_t i = 0; i < JV_ARRAY_LEN(sizes); i++)
        if (size <= sizes[i])
            return sizes[i];
    return 1024;
}

static int content_hash(struct jv_image_thumbs *t, const char *image, char out[JV_CONTENT_HASH_LEN],
                        GError **err)
{
    struct stat st;
    if (stat(image, &st) != 0 || !S_ISREG(st.st_mode)) {
        g_set_error(err, JV_ERROR, JV_ERR_NOT_FOUND, "%s: %s", image,
                    errno ? g_strerror(errno) : "not a file");
        return -1;
    }
    char *key = g_strdup_printf("%s\n%lld\n%lld.%09ld", image, (long long)st.st_size,
                                (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    g_mutex_lock(&t->lock);
    const char *known = g_hash_table_lookup(t->hashes, key);
    if (known)
        g_strlcpy(out, known, JV_CONTENT_HASH_LEN);
    g_mutex_unlock(&t->lock);
    if (known) {
        g_free(key);
        return 0;
    }
    if (jv_hash_file(image, out, err) < 0) {
        g_free(key);
        return -1;
    }
    g_mutex_lock(&t->lock);
    if (g_hash_table_size(t->hashes) > 100000)
        g_hash_table_remove_all(t->hashes);
    g_hash_table_replace(t->hashes, key, g_strdup(out));
    g_mutex_unlock(&t->lock);
    return 0;
}

char *jv_image_thumb_path(struct jv_image_thumbs *t, const char *image, int size, GError **err)
{
    char hash[JV_CONTENT_HASH_LEN];
    if (content_hash(t, image, hash, err) < 0)
        return NULL;
    char *name = g_strdup_printf("%s_%d.jpg", hash, size);
    char *path = g_build_filename(t->dir, name, NULL);
    g_free(name);
    if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
        return path;

    VipsImage *thumb = NULL;
    void *buf = NULL;
    size_t len = 0;
    if (vips_thumbnail(image, &thumb, size, "size", VIPS_SIZE_DOWN, NULL) != 0 ||
        vips_jpegsave_buffer(thumb, &buf, &len, "Q", 80, "strip", TRUE, NULL) != 0) {
        jv_image_vips_error(err, JV_ERR_IMAGE, image, "cannot make a thumbnail");
        g_clear_object(&thumb);
        g_free(path);
        return NULL;
    }
    g_object_unref(thumb);
    /* Two requests racing here write the same bytes; the rename keeps it whole. */
    int rc = jv_write_file_atomic(path, buf, len, err);
    g_free(buf);
    if (rc < 0) {
        g_free(path);
        return NULL;
    }
    return path;
}
