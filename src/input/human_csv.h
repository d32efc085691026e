/*
 * human_csv.h - a club's own results for a round, as a CSV file (doc/SPEC.md
 * 3.2): the marks, awards and placings its human judges gave, to compare with
 * the model's (`judge-vision agree`) or to fit a calibration to
 * (`judge-vision calibrate`).
 *
 * The file: a header row, then one row per entry (RFC 4180: fields may be
 * quoted, "" is a quote inside quotes, quoted fields may hold commas and line
 * breaks; a UTF-8 byte-order mark and CRLF line ends are accepted). Columns
 * are found by name, without regard to case or surrounding spaces:
 *   file (or filename, image, path)  the entry's file: a name or a path ending
 *   title                            the entry's title
 *   score (or mark, total)           a number
 *   award                            text; empty for none
 *   placing (or place, position, rank)  1, 2, 3, ...; empty for none
 * A file or a title column is required, and at least one of score, award and
 * placing. Other columns are ignored. Blank rows are skipped.
 *
 * Ownership: struct jv_human owns its rows and their strings.
 */
#ifndef JV_INPUT_HUMAN_CSV_H
#define JV_INPUT_HUMAN_CSV_H

#include <glib.h>
#include <stdbool.h>

/* One entry as the club's judges saw it. Strings NULL when the column is absent or empty. */
struct jv_human_row {
    char *file;
    char *title;
    bool has_score;
    double score;
    char *award;
    int placing; /* 0: none */
    int line;    /* of the row in the file, for messages */
};

struct jv_human {
    char *origin;
    GArray *rows;                           /* struct jv_human_row */
    bool has_score, has_award, has_placing; /* the columns present */
};

/*
 * Parses `len` bytes (need not be NUL-terminated, must be UTF-8). Returns an
 * owned table or NULL with err (JV_ERR_PARSE): "ORIGIN:LINE: what is wrong"
 * for an unterminated quote, a row with more fields than the header, a
 * score that is not a number or a placing that is not a whole number >= 1,
 * a missing key column, no rows.
 */
struct jv_human *jv_human_parse(const char *text, size_t len, const char *origin, GError **err);

/* Reads and parses a file (at most 16 MiB). NULL with err naming the file. */
struct jv_human *jv_human_load(const char *path, GError **err);

void jv_human_free(struct jv_human *h);

#endif
