/* model_judge.c - an in-process playoff judge drawing winners from a hidden quality. */
#include "core/jv.h"

#include <math.h>

#include "playoff/model_judge.h"
#include "playoff/schedule.h"

static uint64_t mix_string(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(0x100000001b3);
    return h;
}

static int run_round(void *user, struct jv_playoff_job *jobs, size_t n,
                     void (*finished)(struct jv_playoff_job *job, void *ctx), void *ctx,
                     GError **err)
{
    (void)err;
    struct jv_model_judge *m = user;
    for (size_t k = 0; k < n; k++) {
        struct jv_playoff_job *job = &jobs[k];
        char *key = g_strdup_printf("%s|%s|%s", job->category, job->path_a, job->path_b);
        char *rkey = g_strdup_printf("%s|%s|%s", job->category, job->path_b, job->path_a);
        if (g_hash_table_contains(m->seen, key) || g_hash_table_contains(m->seen, rkey))
            m->repeats++;
        g_hash_table_add(m->seen, key);
        g_free(rkey);
        const double *qa = g_hash_table_lookup(m->truth, job->path_a);
        const double *qb = g_hash_table_lookup(m->truth, job->path_b);
        double d = (qa ? *qa : 0) - (qb ? *qb : 0);
        double p_a = CLAMP(1 / (1 + exp(-d / m->noise)) + m->bias, 0.0, 1.0);
        /* by file name, so that the same images in another folder draw the same */
        char *na = g_path_get_basename(job->path_a), *nb = g_path_get_basename(job->path_b);
        uint64_t h = mix_string(m->seed ^ UINT64_C(0xcbf29ce484222325), na);
        h = mix_string(h ^ 0x1f, nb);
        g_free(na);
        g_free(nb);
        struct jv_rng r;
        jv_rng_seed(&r, h ^ (m->per_pair ? 0 : (uint64_t)job->round));
        job->replied = true;
        job->winner = jv_rng_unit(&r) < p_a ? 0 : 1;
        job->reason = g_strdup(job->winner == 0 ? "A drawn" : "B drawn");
        job->latency_s = m->latency_s;
        job->tokens = 12;
        m->asked++;
        finished(job, ctx);
    }
    return 0;
}

void jv_model_judge_init(struct jv_model_judge *m, double noise, double bias, uint64_t seed)
{
    memset(m, 0, sizeof(*m));
    m->truth = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    m->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    m->noise = noise > 0 ? noise : 1;
    m->bias = bias;
    m->seed = seed;
    m->latency_s = 0.25;
    m->judge.run = run_round;
    m->judge.user = m;
}

void jv_model_judge_release(struct jv_model_judge *m)
{
    if (m->truth)
        g_hash_table_destroy(m->truth);
    if (m->seen)
        g_hash_table_destroy(m->seen);
    m->truth = m->seen = NULL;
}

void jv_model_judge_set(struct jv_model_judge *m, const char *path, double quality)
{
    g_hash_table_replace(m->truth, g_strdup(path), g_memdup2(&quality, sizeof(quality)));
}

const struct jv_playoff_judge *jv_model_judge_get(struct jv_model_judge *m)
{
    return &m->judge;
}
