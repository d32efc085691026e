/*
 * playoff_quality - ranking quality of the Stage 3 schedules against a known
 * truth. For each seed, cohort size and bias towards Entry A, it draws a
 * hidden quality per entry (standard normal), Stage 2 scores loosely tied to
 * it (17..20, the eligible range), runs the real stage driver
 * (jv_playoff_run) with the in-process model judge (model_judge.h: the
 * simulator's Bradley–Terry draw with noise and a bias towards A) under the
 * random scheme and under ours (round robin up to 8, Swiss above), and
 * reports the mean Kendall tau-b between the final order (the adjustment's
 * ranking: win ratio, then Bradley–Terry strength) and the truth, and the
 * comparisons used. Also the tau of the plain Bradley–Terry order, and the
 * random scheme given ours' budget where the budgets differ.
 *
 * Usage: playoff_quality [--seeds N] [--sizes 8,16,40] [--noise X] [--biases 0,0.2] [--json]
 */
#include "core/jv.h"

#include <math.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/log.h"
#include "playoff/adjust.h"
#include "playoff/bt.h"
#include "playoff/model_judge.h"
#include "playoff/playoff.h"
#include "playoff/schedule.h"

struct tally {
    double tau_rank, tau_bt, comparisons;
    int runs;
};

static double normal(struct jv_rng *r)
{
    double u1 = jv_rng_unit(r), u2 = jv_rng_unit(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2 * log(u1)) * cos(2 * G_PI * u2);
}

/* One cohort under one scheme: adds its taus and comparisons to `t`. */
static void one_run(char **paths, const double *truth, const int *scores, size_t n, double noise,
                    double bias, uint64_t seed, enum jv_pairwise_schedule scheme, int rounds,
                    struct tally *t)
{
    struct jv_model_judge m;
    jv_model_judge_init(&m, noise, bias, seed * 7919 + 13);
    json_t *records = json_array();
    for (size_t i = 0; i < n; i++) {
        jv_model_judge_set(&m, paths[i], truth[i]);
        json_array_append_new(records, json_pack("{s:s, s:s, s:i}", "image", paths[i],
                                                 "competition_category", "Colour", "critique_total",
                                                 scores[i]));
    }
    struct jv_playoff_params p = {.threshold = 17,
                                  .rounds = rounds,
                                  .seed = seed,
                                  .schedule = scheme,
                                  .judge = jv_model_judge_get(&m)};
    GError *err = NULL;
    if (jv_playoff_run(records, &p, NULL, &err) < 0) {
        fprintf(stderr, "playoff_quality: %s\n", err->message);
        exit(1);
    }
    struct jv_adjust_entry *e = g_new0(struct jv_adjust_entry, n);
    double *rank_key = g_new(double, n), *bt = g_new(double, n);
    for (size_t i = 0; i < n; i++) {
        json_t *r = json_array_get(records, i);
        e[i].path = paths[i];
        e[i].initial = scores[i];
        e[i].wins = (int)json_integer_value(json_object_get(r, "pairwise_wins"));
        e[i].comparisons = (int)json_integer_value(json_object_get(r, "pairwise_comparisons"));
        e[i].strength = json_real_value(json_object_get(r, "pairwise_strength"));
        bt[i] = e[i].strength;
    }
    jv_adjust_classic(e, n);
    for (size_t i = 0; i < n; i++)
        rank_key[i] = -(double)e[i].rank;
    t->tau_rank += jv_kendall_tau_b(rank_key, truth, n);
    t->tau_bt += jv_kendall_tau_b(bt, truth, n);
    t->comparisons += (double)m.asked;
    t->runs++;
    g_free(e);
    g_free(rank_key);
    g_free(bt);
    json_decref(records);
    jv_model_judge_release(&m);
}

static void report(const char *label, size_t n, double bias, const struct tally *t, bool json)
{
    double k = t->runs ? (double)t->runs : 1;
    if (json)
        printf("{\"scheme\": \"%s\", \"n\": %zu, \"bias\": %.2f, \"runs\": %d, \"tau\": %.4f, "
               "\"tau_bt\": %.4f, \"comparisons\": %.1f}\n",
               label, n, bias, t->runs, t->tau_rank / k, t->tau_bt / k, t->comparisons / k);
    else
        printf("| %3zu | %4.2f | %-22s | %6.4f | %6.4f | %7.1f |\n", n, bias, label,
               t->tau_rank / k, t->tau_bt / k, t->comparisons / k);
}

int main(int argc, char **argv)
{
    int seeds = 50;
    double noise = 0.1;
    const char *sizes_arg = "8,16,40", *biases_arg = "0,0.2";
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seeds") && i + 1 < argc)
            seeds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--sizes") && i + 1 < argc)
            sizes_arg = argv[++i];
        else if (!strcmp(argv[i], "--noise") && i + 1 < argc)
            noise = g_ascii_strtod(argv[++i], NULL);
        else if (!strcmp(argv[i], "--biases") && i + 1 < argc)
            biases_arg = argv[++i];
        else if (!strcmp(argv[i], "--json"))
            json = true;
        else {
            fprintf(stderr,
                    "usage: %s [--seeds N] [--sizes 8,16,40] [--noise X] "
                    "[--biases 0,0.2] [--json]\n",
                    argv[0]);
            return 2;
        }
    }
    jv_log_set_quiet(true);
    char **sizes = g_strsplit(sizes_arg, ",", -1);
    char **biases = g_strsplit(biases_arg, ",", -1);
    GError *err = NULL;
    char *dir = g_dir_make_tmp("jvquality-XXXXXX", &err);
    if (!dir) {
        fprintf(stderr, "playoff_quality: %s\n", err->message);
        return 1;
    }
    size_t max_n = 0;
    for (char **s = sizes; *s; s++)
        max_n = MAX(max_n, (size_t)atoi(*s));
    char **paths = g_new0(char *, max_n + 1);
    for (size_t i = 0; i < max_n; i++) {
        char name[32];
        snprintf(name, sizeof(name), "e%03zu.jpg", i);
        paths[i] = g_build_filename(dir, name, NULL);
        if (jv_write_file_atomic(paths[i], name, strlen(name), &err) < 0) {
            fprintf(stderr, "playoff_quality: %s\n", err->message);
            return 1;
        }
    }
    if (!json) {
        printf("In-process model judge (the simulator's draw): quality ~ U(0.62, 1), noise %.2f, "
               "%d seeds\n\n",
               noise, seeds);
        printf("|   n | bias | scheme                 | tau    | tau_bt | matches |\n");
        printf("|----:|-----:|------------------------|-------:|-------:|--------:|\n");
    }
    double *truth = g_new(double, max_n);
    int *scores = g_new(int, max_n);
    for (char **s = sizes; *s; s++) {
        size_t n = (size_t)atoi(*s);
        for (char **b = biases; *b; b++) {
            double bias = g_ascii_strtod(*b, NULL);
            struct tally rnd = {0}, ours = {0}, rnd_budget = {0};
            int budget_rounds = (int)(n - 1); /* a round robin's comparisons per entry */
            for (int seed = 0; seed < seeds; seed++) {
                struct jv_rng r;
                jv_rng_seed(&r, (uint64_t)seed * 1000003u + n);
                /* the simulator's model: quality 0..1, score = 8 + 12 q + N(0, 1);
                 * an eligible cohort (>= 17) holds the top of the field */
                for (size_t i = 0; i < n; i++) {
                    truth[i] = 0.62 + 0.38 * jv_rng_unit(&r);
                    double sc = 8 + 12 * truth[i] + normal(&r);
                    scores[i] = (int)CLAMP(lround(sc), 17, 20);
                }
                one_run(paths, truth, scores, n, noise, bias, (uint64_t)seed, JV_SCHEDULE_RANDOM, 0,
                        &rnd);
                one_run(paths, truth, scores, n, noise, bias, (uint64_t)seed, JV_SCHEDULE_SWISS, 0,
                        &ours);
                if (n <= JV_ROUND_ROBIN_MAX)
                    one_run(paths, truth, scores, n, noise, bias, (uint64_t)seed,
                            JV_SCHEDULE_RANDOM, budget_rounds, &rnd_budget);
            }
            report("random (Python)", n, bias, &rnd, json);
            report(n <= JV_ROUND_ROBIN_MAX ? "ours (round robin)" : "ours (Swiss)", n, bias, &ours,
                   json);
            if (n <= JV_ROUND_ROBIN_MAX)
                report("random, same budget", n, bias, &rnd_budget, json);
        }
    }
    for (size_t i = 0; i < max_n; i++) {
        unlink(paths[i]);
        g_free(paths[i]);
    }
    rmdir(dir);
    g_free(dir);
    g_free(paths);
    g_free(truth);
    g_free(scores);
    g_strfreev(sizes);
    g_strfreev(biases);
    return 0;
}
