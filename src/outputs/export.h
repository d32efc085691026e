/*
 * export.h - the papers a club hands out after a round (doc/SPEC.md 3.1):
 *   results   a printable results sheet: per category (each on a new printed
 *             page) its entries by rank with place, title, author, score,
 *             award and a thumbnail;
 *   entrants  one feedback section per entrant (each starting on a new
 *             printed page): their images, scores, awards, placings and
 *             critiques;
 *   csv       one row per entry for mail merge: category, rank, place,
 *             title, author, file, score, max, award, critique, compliance,
 *             checks, status (RFC 4180, UTF-8 with a byte-order mark).
 * The HTML files stand alone: one file with its print stylesheet inline and
 * the thumbnails embedded as data: URLs (base64 JPEG), so they can be mailed
 * or printed anywhere. Records should be ranked (playoff/placing.h) and have
 * any edits applied (overrides.h) first.
 *
 * Ownership: records, the competition and the thumbnail cache are borrowed;
 * the returned text is owned (g_free).
 */
#ifndef JV_OUTPUTS_EXPORT_H
#define JV_OUTPUTS_EXPORT_H

#include <jansson.h>

struct jv_competition;
struct jv_image_thumbs;

enum jv_export_format { JV_EXPORT_RESULTS, JV_EXPORT_ENTRANTS, JV_EXPORT_CSV };

struct jv_export_opts {
    const struct jv_competition *competition; /* nullable: name, scale */
    const char *round;                        /* the round's name, for titles (nullable) */
    struct jv_image_thumbs *thumbs;           /* nullable: no images embedded */
    /*
     * nullable: the photo file to embed for a record (owned), or NULL to show
     * none; without it jv_record_image_path(). The web page's downloads use it
     * to embed only photos inside the run's input folders.
     */
    char *(*image_path)(const json_t *rec, void *user);
    void *user;
};

/* "results", "entrants", "csv" -> the format; -1 for another name. */
int jv_export_format_parse(const char *name);
const char *jv_export_format_name(enum jv_export_format f);
/* "text/html; charset=utf-8" or "text/csv; charset=utf-8" (static). */
const char *jv_export_mime(enum jv_export_format f);
/* The file name for a round: ROUND_results.html, ROUND_entrants.html, ROUND.csv (owned). */
char *jv_export_file_name(const char *round, enum jv_export_format f);

/*
 * Renders `records` (borrowed array) in format `f`. A photo whose thumbnail
 * cannot be made is shown without one (the sheet says so). Returns owned
 * text (NUL-terminated; *len its length when non-NULL).
 */
char *jv_export_render(const json_t *records, enum jv_export_format f,
                       const struct jv_export_opts *o, size_t *len);

#endif
