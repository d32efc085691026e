/*
 * entries.h - the entry list (doc/SPEC.md 2.2): the CSV a club's entry
 * system exports, naming each entry's file and its author, optionally its
 * title and category (`--entries FILE.csv`).
 *
 * The first row is the header. Columns are found by name, case-insensitively
 * and ignoring spaces, '_' and '-': file (also filename, image, photo,
 * entry_file), author (also entrant, member, photographer, name), title
 * (also entry_title), category (also section, class). Other columns are
 * ignored. file and author are required. Fields follow RFC 4180: separated by
 * ',' (or ';' when the header holds ';' and no ','), quoted with '"' ("" is a
 * quote), CRLF or LF line ends; a UTF-8 byte-order mark is skipped; text that
 * is not UTF-8 is read as Windows-1252 (what spreadsheets write).
 *
 * An entry is found by its file's base name, case-insensitively; a row whose
 * file has no extension matches any file with that stem.
 *
 * Ownership: the list owns everything in it (jv_entry_list_free); lookups
 * return borrowed entries.
 */
#ifndef JV_INPUT_ENTRIES_H
#define JV_INPUT_ENTRIES_H

#include <stddef.h>

struct jv_entry {
    char *file;     /* as written in the list */
    char *author;   /* never empty */
    char *title;    /* NULL when the list has no title for it */
    char *category; /* NULL likewise */
    int line;       /* 1-based line of the row, for messages */
};

struct jv_entry_list;

/*
 * Parses `len` bytes of CSV (need not be NUL-terminated); `origin` names the
 * source in messages. Returns an owned list or NULL with err (JV_ERR_PARSE,
 * "ORIGIN:LINE: message"): no header, a header without file or author, an
 * unterminated quote, a row without a file or an author, the same file twice.
 */
struct jv_entry_list *jv_entry_list_parse(const char *text, size_t len, const char *origin,
                                          GError **err);

/* Reads and parses the file at `path` (JV_ERR_IO / JV_ERR_NOT_FOUND when unreadable). */
struct jv_entry_list *jv_entry_list_load(const char *path, GError **err);

void jv_entry_list_free(struct jv_entry_list *l);

/* Number of entries. */
size_t jv_entry_list_size(const struct jv_entry_list *l);

/* The entry `i` (0-based, in file order; borrowed). */
const struct jv_entry *jv_entry_list_get(const struct jv_entry_list *l, size_t i);

/* The entry for the image at `path` (borrowed), or NULL. */
const struct jv_entry *jv_entry_list_find(const struct jv_entry_list *l, const char *path);

/*
 * Matches a file stem against a registry filename_pattern such as
 * "{title} - {author}" (placeholders {title}, {author}, {category} and {*} for
 * text to skip; everything else literal, case-sensitive). On a match sets the
 * found parts (owned, trimmed; NULL for a placeholder the pattern lacks or an
 * empty part) and returns true. False for no match or a bad pattern (an
 * unknown placeholder, an unclosed brace).
 */
bool jv_filename_pattern_match(const char *pattern, const char *stem, char **title, char **author,
                               char **category);

/* NULL when `pattern` is well formed, else an owned sentence saying what is wrong. */
char *jv_filename_pattern_check(const char *pattern);

#endif
