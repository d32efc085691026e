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
 * Judges: by default the in-process model judge; with --sim BIN the real
 * simulator (started once per bias on 127.0.0.1, a free port, --time-scale 0,
 * a truth file for the pool of test images) through the real HTTP judge
 * (match_http.h) and scheduler.
 *
 * Cohorts: a pool of 200 small JPEGs with qualities U(0.62, 1) (the top of a
 * field under the simulator's score model); each seed draws a random cohort
 * of n from the pool.
 *
 * Usage: playoff_quality [--seeds N] [--sizes 8,16,40] [--noise X] [--biases 0,0.2]
 *                        [--sim BIN] [--concurrency N] [--json]
 */
#include "core/jv.h"

#include <math.h>
#include <signal.h>
#include <unistd.h>
#include <gio/gio.h>
#include <vips/vips.h>

#include "core/fsutil.h"
#include "core/hash.h"
#include "core/log.h"
#include "net/http.h"
#include "playoff/adjust.h"
#include "playoff/bt.h"
#include "playoff/match_http.h"
#include "playoff/model_judge.h"
#include "playoff/playoff.h"
#include "playoff/schedule.h"

struct tally {
    double tau_rank, tau_bt, comparisons, no_decision;
    int runs;
};

static double normal(struct jv_rng *r)
{
    double u1 = jv_rng_unit(r), u2 = jv_rng_unit(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2 * log(u1)) * cos(2 * G_PI * u2);
}

#define POOL 200

struct bench {
    char *paths[POOL];
    double quality[POOL];
    double noise, bias;
    /* simulator mode */
    struct jv_http_sched *sched;
    struct jv_http_pool *pool;
};

/* One cohort under one scheme: adds its taus and comparisons to `t`. */
static void one_run(struct bench *b, const size_t *members, const int *scores, size_t n,
                    uint64_t seed, enum jv_playoff_schedule scheme, int rounds, struct tally *t)
{
    struct jv_model_judge m;
    struct jv_match_http mh;
    const struct jv_playoff_judge *judge;
    jv_model_judge_init(&m, b->noise, b->bias, seed * 7919 + 13);
    if (b->sched) {
        jv_match_http_init(&mh, b->sched, b->pool, NULL, "sim", 60, 3);
        judge = jv_match_http_judge(&mh);
    } else {
        judge = jv_model_judge_get(&m);
    }
    json_t *records = json_array();
    double *truth = g_new(double, n);
    char **paths = g_new(char *, n);
    for (size_t i = 0; i < n; i++) {
        paths[i] = b->paths[members[i]];
        truth[i] = b->quality[members[i]];
        jv_model_judge_set(&m, paths[i], truth[i]);
        json_array_append_new(records, json_pack("{s:s, s:s, s:i}", "image", paths[i],
                                                 "competition_category", "Colour", "critique_total",
                                                 scores[i]));
    }
    struct jv_playoff_params p = {
        .threshold = 17, .rounds = rounds, .seed = seed, .schedule = scheme, .judge = judge};
    GError *err = NULL;
    json_t *stats = NULL;
    if (jv_playoff_run(records, &p, &stats, &err) < 0) {
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
    t->comparisons += (double)json_integer_value(json_object_get(stats, "completed"));
    t->no_decision += (double)json_integer_value(json_object_get(stats, "no_decision"));
    t->runs++;
    json_decref(stats);
    g_free(e);
    g_free(rank_key);
    g_free(bt);
    g_free(truth);
    g_free(paths);
    json_decref(records);
    if (b->sched)
        jv_match_http_release(&mh);
    jv_model_judge_release(&m);
}

/* Starts the simulator; returns the process and stores its API base URL. */
static GSubprocess *sim_start(const char *bin, const char *truth, double noise, double bias,
                              char **api)
{
    char *a_truth = g_strconcat("--truth=", truth, NULL);
    char *a_noise = g_strdup_printf("--pairwise-noise=%.6g", noise);
    char *a_bias = g_strdup_printf("--position-bias=%.6g", bias);
    const char *argv[] = {
        bin,    "--host=127.0.0.1", "--port=0", "--time-scale=0", a_truth, a_noise,
        a_bias, "--max-seqs=64",    NULL};
    GError *err = NULL;
    GSubprocess *proc = g_subprocess_newv(
        argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &err);
    if (!proc) {
        fprintf(stderr, "playoff_quality: cannot start %s: %s\n", bin, err->message);
        exit(1);
    }
    GDataInputStream *in = g_data_input_stream_new(g_subprocess_get_stdout_pipe(proc));
    char *line = g_data_input_stream_read_line(in, NULL, NULL, &err);
    if (!line || !g_str_has_prefix(line, "http://")) {
        fprintf(stderr, "playoff_quality: the simulator did not start\n");
        exit(1);
    }
    *api = g_strconcat(line, "/v1", NULL);
    g_free(line);
    g_object_unref(in);
    g_free(a_truth);
    g_free(a_noise);
    g_free(a_bias);
    return proc;
}

static void report(const char *label, size_t n, double bias, const struct tally *t, bool json)
{
    double k = t->runs ? (double)t->runs : 1;
    if (json)
        printf("{\"scheme\": \"%s\", \"n\": %zu, \"bias\": %.2f, \"runs\": %d, \"tau\": %.4f, "
               "\"tau_bt\": %.4f, \"comparisons\": %.1f}\n",
               label, n, bias, t->runs, t->tau_rank / k, t->tau_bt / k, t->comparisons / k);
    else
        printf("| %3zu | %4.2f | %-22s | %6.4f | %6.4f | %7.1f | %5.2f |\n", n, bias, label,
               t->tau_rank / k, t->tau_bt / k, t->comparisons / k, t->no_decision / k);
}

int main(int argc, char **argv)
{
    int seeds = 50, concurrency = 8;
    double noise = 0.1;
    const char *sizes_arg = "8,16,40", *biases_arg = "0,0.2", *sim_bin = NULL;
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
        else if (!strcmp(argv[i], "--sim") && i + 1 < argc)
            sim_bin = argv[++i];
        else if (!strcmp(argv[i], "--concurrency") && i + 1 < argc)
            concurrency = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--json"))
            json = true;
        else {
            fprintf(stderr,
                    "usage: %s [--seeds N] [--sizes 8,16,40] [--noise X] [--biases 0,0.2] "
                    "[--sim BIN] [--concurrency N] [--json]\n",
                    argv[0]);
            return 2;
        }
    }
    if (VIPS_INIT(argv[0]))
        return 1;
    jv_log_set_quiet(true);
    char **sizes = g_strsplit(sizes_arg, ",", -1);
    char **biases = g_strsplit(biases_arg, ",", -1);
    GError *err = NULL;
    char *dir = g_dir_make_tmp("jvquality-XXXXXX", &err);
    if (!dir) {
        fprintf(stderr, "playoff_quality: %s\n", err->message);
        return 1;
    }

    /* the pool: small distinct JPEGs (the simulator probes real images) */
    struct bench b = {.noise = noise};
    struct jv_rng pr;
    jv_rng_seed(&pr, 20261126);
    json_t *truth_json = json_object();
    for (size_t i = 0; i < POOL; i++) {
        char name[32];
        snprintf(name, sizeof(name), "e%03zu.jpg", i);
        b.paths[i] = g_build_filename(dir, name, NULL);
        VipsImage *img = NULL, *lin = NULL;
        if (vips_black(&img, 32 + (int)(i % 50), 24 + (int)(i / 50), "bands", 3, NULL) ||
            vips_linear1(img, &lin, 1.0, (double)(i % 251), NULL) ||
            vips_jpegsave(lin, b.paths[i], NULL)) {
            fprintf(stderr, "playoff_quality: cannot write %s: %s\n", b.paths[i],
                    vips_error_buffer());
            return 1;
        }
        g_object_unref(img);
        g_object_unref(lin);
        b.quality[i] = 0.62 + 0.38 * jv_rng_unit(&pr);
        char hash[JV_CONTENT_HASH_LEN];
        if (jv_hash_file(b.paths[i], hash, &err) < 0) {
            fprintf(stderr, "playoff_quality: %s\n", err->message);
            return 1;
        }
        json_object_set_new(truth_json, hash, json_real(b.quality[i]));
    }
    char *truth_path = g_build_filename(dir, "truth.json", NULL);
    if (json_dump_file(truth_json, truth_path, 0) != 0) {
        fprintf(stderr, "playoff_quality: cannot write %s\n", truth_path);
        return 1;
    }
    json_decref(truth_json);

    if (!json) {
        printf("Judge: %s; pool quality ~ U(0.62, 1), pairwise noise %.2f, %d seeds\n\n",
               sim_bin ? "the real simulator over HTTP (--time-scale 0)"
                       : "in-process model of the simulator's draw",
               noise, seeds);
        printf("|   n | bias | scheme                 | tau    | tau_bt | matches | no-dec |\n");
        printf("|----:|-----:|------------------------|-------:|-------:|--------:|-------:|\n");
    }
    size_t max_n = 0;
    for (char **s = sizes; *s; s++)
        max_n = MAX(max_n, (size_t)atoi(*s));
    size_t *members = g_new(size_t, POOL);
    int *scores = g_new(int, max_n);
    for (char **bs = biases; *bs; bs++) {
        b.bias = g_ascii_strtod(*bs, NULL);
        GSubprocess *sim = NULL;
        char *api = NULL;
        if (sim_bin) {
            sim = sim_start(sim_bin, truth_path, noise, b.bias, &api);
            const char *urls[] = {api, NULL};
            b.pool = jv_http_pool_new(urls);
            b.sched = jv_http_sched_new(concurrency);
        }
        for (char **s = sizes; *s; s++) {
            size_t n = (size_t)atoi(*s);
            if (n < 2 || n > POOL)
                continue;
            struct tally rnd = {0}, ours = {0}, rnd_budget = {0};
            for (int seed = 0; seed < seeds; seed++) {
                struct jv_rng r;
                jv_rng_seed(&r, (uint64_t)seed * 1000003u + n);
                for (size_t i = 0; i < POOL; i++)
                    members[i] = i;
                for (size_t i = 0; i < n; i++) { /* partial Fisher–Yates */
                    size_t j = i + (size_t)jv_rng_below(&r, POOL - i);
                    size_t t = members[i];
                    members[i] = members[j];
                    members[j] = t;
                }
                /* Stage 2 scores as the simulator gives them: 8 + 12 q + N(0, 1) */
                for (size_t i = 0; i < n; i++) {
                    long sc = lround(8 + 12 * b.quality[members[i]] + normal(&r));
                    scores[i] = (int)CLAMP(sc, 17, 20); /* the cohort is the eligible part */
                }
                one_run(&b, members, scores, n, (uint64_t)seed, JV_SCHEDULE_RANDOM, 0, &rnd);
                one_run(&b, members, scores, n, (uint64_t)seed, JV_SCHEDULE_SWISS, 0, &ours);
                if (n <= JV_ROUND_ROBIN_MAX)
                    one_run(&b, members, scores, n, (uint64_t)seed, JV_SCHEDULE_RANDOM, (int)n - 1,
                            &rnd_budget);
            }
            report("random (Python)", n, b.bias, &rnd, json);
            report(n <= JV_ROUND_ROBIN_MAX ? "ours (round robin)" : "ours (Swiss)", n, b.bias,
                   &ours, json);
            if (n <= JV_ROUND_ROBIN_MAX)
                report("random, same budget", n, b.bias, &rnd_budget, json);
        }
        if (sim) {
            jv_http_sched_free(b.sched);
            jv_http_pool_free(b.pool);
            b.sched = NULL;
            b.pool = NULL;
            g_subprocess_send_signal(sim, SIGTERM);
            g_subprocess_wait(sim, NULL, NULL);
            g_object_unref(sim);
            g_free(api);
        }
    }
    for (size_t i = 0; i < POOL; i++) {
        unlink(b.paths[i]);
        g_free(b.paths[i]);
    }
    unlink(truth_path);
    g_free(truth_path);
    rmdir(dir);
    g_free(dir);
    g_free(members);
    g_free(scores);
    g_strfreev(sizes);
    g_strfreev(biases);
    vips_shutdown();
    return 0;
}
