/*
 * thumbs.h - thumbnails for the page, made with libvips (vips_thumbnail) and
 * cached on disk as JPEG under <cache_dir>/<content hash>_<size>.jpg, so an
 * unchanged photo is shrunk once whatever its name or run.
 */
#ifndef JV_WEB_THUMBS_H
#define JV_WEB_THUMBS_H

struct jv_web_thumbs;

/* `cache_dir` (borrowed, copied) is created on first use. */
struct jv_web_thumbs *jv_web_thumbs_new(const char *cache_dir);
void jv_web_thumbs_free(struct jv_web_thumbs *t);

/* The sizes served: `size` rounded up to 64, 128, 256, 512 or 1024. */
int jv_web_thumb_size(int size);

/*
 * Returns the path (owned) of the cached thumbnail of `image` whose longer
 * side is at most `size` (a value from jv_web_thumb_size), making it first
 * if needed. NULL with JV_ERR_IMAGE when libvips cannot read the image.
 */
char *jv_web_thumb_path(struct jv_web_thumbs *t, const char *image, int size, GError **err);

#endif
