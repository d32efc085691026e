/*
 * critique.h - reading the judge's verdict out of the model's reply text
 * (doc/SPEC.md 2.6): {"title", "style", "critique", "score"}, tolerant of markdown
 * fences and prose around the object.
 */
#ifndef JV_CRITIQUE_H
#define JV_CRITIQUE_H

#include <jansson.h>

/* The subscores a reply may give instead of a score; each is clamped to 0..5. */
#define JV_SUBSCORE_MAX 5.0

struct jv_critique {
    char *title;       /* owned; NULL when the model gave none (null or empty) */
    const char *style; /* static: one of jv_critique_styles() */
    char *critique;    /* owned, never NULL after a successful parse */
    json_t *subscores; /* owned: {impact, composition, technical, category_fit} as given,
                          clamped; NULL when the reply had none */
    double score_raw;  /* critique_total_initial: the model's score, or the subscore sum */
    int total;         /* critique_total: round(clamp(score_raw, 0, 20)), halves to even
                          as Python's round() (12.5 -> 12, 13.5 -> 14) */
};

void jv_critique_init(struct jv_critique *c);
void jv_critique_release(struct jv_critique *c);

/*
 * Parses the reply text. The verdict is the first balanced {...} in the text
 * (string literals respected, so braces inside the critique do not count)
 * that is a JSON object with at least one of the keys critique, score, title,
 * style; fences and prose around it are ignored. "score" may be a number or a
 * string starting with one ("17", "17/20"); without a usable score, the
 * subscores (object "subscores" or top-level keys impact, composition,
 * technical, category_fit; at least one number) are clamped to 0..5 and
 * summed. Fills `out` (released first) and returns 0, or -1 with err
 * JV_ERR_PARSE naming what is missing; `out` is then left empty.
 */
int jv_critique_parse(const char *content, struct jv_critique *out, GError **err);

/*
 * The style label for what the model wrote: one of Open, Nature, Portrait,
 * Creative, Documentary, Abstract, Street, Landscape, Other, matched without
 * regard to case or surrounding space and punctuation, also when it is the
 * first word ("Street photography"), plus a few synonyms (Wildlife -> Nature);
 * anything else, NULL or empty -> "Other". Returns a static string.
 */
const char *jv_critique_style_normalise(const char *label);

/* The style labels, NULL-terminated (static). */
const char *const *jv_critique_styles(void);

#endif
