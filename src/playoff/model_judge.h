/*
 * model_judge.h - an in-process playoff judge that draws each match's winner
 * from a hidden true quality per image, the way the simulator does
 * (doc/SPEC.md 7): P(first entry wins) = clamp(1 / (1 + exp(-(q_A - q_B) / noise)) + bias,
 * 0, 1), a Bradley–Terry draw whose noise scale is `noise` (quality units),
 * pulled towards Entry A by `bias`.
 *
 * The draw for a match is a pure function of (seed, round, path A, path B),
 * so repeated runs and resumed runs see the same answers; with `per_pair`
 * set (after init) it is a function of (seed, path A, path B) only, so the
 * same ordered pair gets the same verdict in every round, as from the
 * simulator or a model at temperature 0.2. For unit tests and the
 * ranking-quality benchmark; a real run uses match_http.h.
 */
#ifndef JV_MODEL_JUDGE_H
#define JV_MODEL_JUDGE_H

#include "playoff/playoff.h"

struct jv_model_judge {
    GHashTable *truth; /* path (owned) -> double* (owned) */
    double noise;      /* > 0 */
    double bias;       /* 0..1 */
    uint64_t seed;
    bool per_pair;    /* the verdict ignores the round (default false) */
    double latency_s; /* reported per match */
    size_t asked;     /* matches decided so far */
    GHashTable *seen; /* "round|a|b" keys of the matches asked (owned) */
    size_t repeats;   /* matches asked that had been asked before */
    struct jv_playoff_judge judge;
};

void jv_model_judge_init(struct jv_model_judge *m, double noise, double bias, uint64_t seed);
void jv_model_judge_release(struct jv_model_judge *m);
/* Sets the hidden quality of an image (copies path). */
void jv_model_judge_set(struct jv_model_judge *m, const char *path, double quality);
/* The judge for jv_playoff_params.judge (points into m). */
const struct jv_playoff_judge *jv_model_judge_get(struct jv_model_judge *m);

#endif
