/*
 * toml.h - a TOML 1.0 parser producing a jansson tree.
 *
 * Debian 12 packages no C TOML library, so the competition registry (doc/SPEC.md
 * 2.3) is read with this parser. It implements all of TOML 1.0 with two
 * deliberate mappings, because the result must be plain JSON:
 *   - offset/local date-times, local dates and local times become JSON
 *     strings holding the text exactly as written (after validation);
 *   - inf and nan (any sign) are rejected with an error: JSON cannot hold them
 *     and a competition registry has no use for them.
 * Tables become objects (keys in file order), arrays become arrays, integers
 * json_integer, floats json_real, booleans json_true/json_false.
 *
 * The parser is meant for untrusted input (it is fuzzed): the input must be
 * valid UTF-8, nesting depth is capped at JV_TOML_MAX_DEPTH and it never reads
 * past `len` (the text need not be NUL-terminated).
 */
#ifndef JV_TOML_H
#define JV_TOML_H

#include <jansson.h>

/* Deepest nesting of tables and arrays accepted (keeps recursion bounded). */
#define JV_TOML_MAX_DEPTH 128

/*
 * Parses `len` bytes of `text`. Returns a new reference to the root object, or
 * NULL with `err` (JV_ERR_PARSE) set to "FILE:LINE:COL: message", where FILE
 * is `filename` (or "<input>" when NULL), LINE and COL count from 1 and COL
 * counts characters (code points) on the line.
 */
json_t *jv_toml_parse(const char *text, size_t len, const char *filename, GError **err);

#endif
