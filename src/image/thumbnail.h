/*
 * thumbnail.h - thumbnails for the page, made with libvips (vips_thumbnail) and
 * cached on disk as JPEG under <cache_dir>/<content hash>_<size>.jpg, so an
 * unchanged photo is shrunk once whatever its name or run. Safe to call from
 * several threads on one cache.
 *
 * Ownership: the cache is owned by its creator (jv_image_thumbs_free);
 * returned paths are owned by the caller (g_free).
 */
#ifndef JV_IMAGE_THUMBNAIL_H
#define JV_IMAGE_THUMBNAIL_H

struct jv_image_thumbs;

/* `cache_dir` (borrowed, copied) is created on first use. */
struct jv_image_thumbs *jv_image_thumbs_new(const char *cache_dir);
void jv_image_thumbs_free(struct jv_image_thumbs *t);

/* The sizes served: `size` rounded up to 64, 128, 256, 512 or 1024. */
int jv_image_thumb_size(int size);

/*
 * Returns the path (owned) of the cached thumbnail of `image` whose longer
 * side is at most `size` (a value from jv_image_thumb_size), making it first
 * if needed. NULL with JV_ERR_IMAGE when libvips cannot read the image.
 */
char *jv_image_thumb_path(struct jv_image_thumbs *t, const char *image, int size, GError **err);

#endif
