/*
 * replies.h - the simulator's deterministic answers: a hidden true quality
 * per image, critiques, pairwise verdicts and IQA scores derived from it,
 * and the output-token pieces a reply is streamed in.
 *
 * Every draw comes from xxh3 hashes of (seed, image hash, purpose), so the
 * same request against the same simulator options always gets the same
 * answer, whatever the order or concurrency of requests.
 */
#ifndef JV_SIM_REPLIES_H
#define JV_SIM_REPLIES_H

#include <jansson.h>

#include "core/hash.h"

/* The hidden truth: content hash (32 hex) -> quality in 0..1. */
struct jv_sim_truth {
    GHashTable *q; /* char* -> double* (owned) */
};

void jv_sim_truth_init(struct jv_sim_truth *t);
void jv_sim_truth_release(struct jv_sim_truth *t);
/* Loads a JSON object {hash: quality}. Fails on malformed files or values outside 0..1. */
int jv_sim_truth_load(struct jv_sim_truth *t, const char *path, GError **err);

/*
 * Quality of an image: the truth file's value, else derived from the hash
 * alone: jv_sim_quality_from_hash(hash, 0), independent of --seed, so a
 * client can recompute it without the simulator.
 */
double jv_sim_quality(const struct jv_sim_truth *t, const char *hash_hex);
/* The hash-derived quality (uniform in [0,1)), mixing in `seed`. */
double jv_sim_quality_from_hash(const char *hash_hex, guint64 seed);

/* A uniform draw in [0,1) from a seed and a key string. */
double jv_sim_uniform(guint64 seed, const char *key, const char *purpose);
/* A standard normal draw, same inputs (Box-Muller of two uniforms). */
double jv_sim_normal(guint64 seed, const char *key, const char *purpose);

struct jv_sim_reply_opts {
    guint64 seed;
    double score_noise;    /* SD of the score noise, points */
    double sample_share;   /* share of its variance drawn per request (the rest per image) */
    double pairwise_noise; /* logistic scale of the quality difference */
    double position_bias;  /* extra P(A wins) */
    /* the model's leniency (+) or harshness (-) in a category, in points of its score */
    GHashTable *category_bias; /* case-folded category name -> double * (owned); NULL: none */
    double category_bias_sd;   /* SD of a seeded offset for every category not in the table */
};

/*
 * Parses --category-bias "NAME=POINTS,NAME=POINTS" (e.g. "Mono=-2,Nature=+1";
 * names compared without regard to case, spaces around items trimmed,
 * points a number in -20..20) into o->category_bias (made when NULL; the
 * entries add to those there). Returns -1 with err naming the bad item.
 */
int jv_sim_category_bias_parse(struct jv_sim_reply_opts *o, const char *spec, GError **err);

/*
 * The model's offset for a photo of `category` (NULL or "": none): the
 * table's, else category_bias_sd times a normal draw from (seed, the
 * case-folded name), else 0.
 */
double jv_sim_category_bias(const struct jv_sim_reply_opts *o, const char *category);

/*
 * The critique for an image of quality q: the JSON text
 * {"title": ..., "style": ..., "critique": "...", "score": n} (owned).
 * `title` may be NULL (JSON null). Stores the score in *score if non-NULL.
 * The score is round(8 + 12q + noise + bias): the noise has SD score_noise, of
 * which the share sample_share of the variance is drawn from `sample_key`
 * (the request's seed and prompt: a panel's judges differ, as a model's
 * samples do) and the rest from the image alone (what every sample of the
 * model believes). A NULL sample_key draws that part from the image too.
 * The bias is jv_sim_category_bias() of the photo's `category` (NULL: none).
 */
char *jv_sim_critique(const struct jv_sim_reply_opts *o, const char *hash_hex, double q,
                      const char *title, const char *category, const char *sample_key, int *score);

/* The score part of jv_sim_critique() alone. */
int jv_sim_critique_score(const struct jv_sim_reply_opts *o, const char *hash_hex, double q,
                          const char *category, const char *sample_key);

/*
 * The "human" judges' mark of an image of quality q, independent of the
 * model's: round(4 + 16q + human_noise * N(0,1)) clamped to 0..20, the noise
 * drawn from (seed, hash). Returns the mark.
 */
int jv_sim_human_score(guint64 seed, const char *hash_hex, double q, double human_noise);

/* The human award of a mark (club_dpi_2025's bands): static string, "" for none. */
const char *jv_sim_human_award(int score);

/*
 * The pairwise verdict {"winner": "A"|"B", "reason": "..."} (owned) for
 * entries A and B, drawn per (pair, seed, request text).
 */
char *jv_sim_pairwise(const struct jv_sim_reply_opts *o, const char *hash_a, double qa,
                      const char *hash_b, double qb, const char *request_text);

/* NIMA/MUSIQ-style scores for /infer (new reference). */
json_t *jv_sim_iqa(const struct jv_sim_reply_opts *o, const char *hash_hex, double q);

/*
 * Splits a reply into output-token pieces (a word of up to 8 letters with
 * its leading space, a punctuation mark, a run of whitespace), about 1.3
 * tokens per English word. Returns an array of owned strings (free with
 * g_ptr_array_unref).
 */
GPtrArray *jv_sim_tokenize(const char *text);

#endif
