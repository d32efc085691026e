/*
 * fuzz_entries.c - libFuzzer target for the entry list CSV and the
 * file-name patterns (input/entries.h): a club's spreadsheet export and a
 * registry's pattern come from anywhere, so both must take any bytes without
 * crashing, leaking or over-reading, and hand back valid UTF-8 only.
 */
#include "core/jv.h"

#include "input/entries.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *s)
{
    if (s && !g_utf8_validate(s, -1, NULL))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Exact-size copy so that any read past the end is caught. */
    char *copy = g_malloc(size ? size : 1);
    memcpy(copy, data, size);
    struct jv_entry_list *l = jv_entry_list_parse(copy, size, "fuzz.csv", NULL);
    for (size_t i = 0; i < jv_entry_list_size(l); i++) {
        const struct jv_entry *e = jv_entry_list_get(l, i);
        if (!e->file || !e->author)
            abort();
        check(e->file);
        check(e->author);
        check(e->title);
        check(e->category);
        if (jv_entry_list_find(l, e->file) == NULL)
            abort();
    }
    jv_entry_list_free(l);
    /* The same bytes as a pattern (up to the first newline) and as a stem after it. */
    char *text = g_strndup(copy, size);
    char *nl = strchr(text, '\n');
    const char *stem = nl ? nl + 1 : "A Title - An Author";
    if (nl)
        *nl = '\0';
    char *t = NULL, *a = NULL, *c = NULL;
    if (g_utf8_validate(text, -1, NULL)) {
        g_free(jv_filename_pattern_check(text));
        if (jv_filename_pattern_match(text, stem, &t, &a, &c)) {
            check(t);
            check(a);
            check(c);
        }
        g_free(t);
        g_free(a);
        g_free(c);
    }
    g_free(text);
    g_free(copy);
    return 0;
}
