/*
 * latency.h - the simulator's model of a vLLM engine: token counting, the
 * prefix cache, a continuous batch of at most --max-seqs sequences and the
 * time each step takes.
 *
 * Calibration (doc/SPEC.md 1): the real run served one request at a time, a
 * 1600x1200 JPEG plus about 1,500 text prompt tokens and about 250 output
 * tokens, in about 4.3 s on one GPU (Qwen3-VL-8B FP8 on vLLM). With the
 * constants below one such request takes
 *
 *   TTFT   = 0.120 s overhead + (2,451 image + ~1,500 text tokens) x 50 us
 *          ≈ 0.120 + 0.198 = 0.318 s
 *   decode = 250 tokens x 16 ms = 4.000 s
 *   total  ≈ 4.32 s
 *
 * Prefill is compute-bound, so concurrent prefills share one timeline (they
 * run one after another, first come first served) while decode is
 * memory-bound and batched: each sequence's per-token time grows by 2 % per
 * extra sequence in the batch (x1.14 with 8 running, x1.30 with 16). Eight
 * such requests in flight then finish in about 0.12 + 8 x 0.198 + 250 x
 * 0.016 x 1.14 ≈ 6.3 s against 8 x 4.32 ≈ 34.6 s one after another: a
 * speed-up of about 5.5.
 *
 * The fixed overhead (HTTP, image decoding and preprocessing on the CPU)
 * runs in parallel for all requests. A prefix-cache hit removes its tokens
 * from the prefill, but not the overhead. Every delay is multiplied by
 * --time-scale.
 *
 * Tokens: text counts ceil(chars / 4) per message plus 4 template tokens per
 * message; an image counts as Qwen2.5-VL does (jv_sim_image_tokens()).
 * The prefix cache hashes the prompt in blocks of 16 tokens, each block's
 * hash chained to the previous block's, keeps the most recently used blocks
 * (bounded), and counts queries and hits in tokens as vLLM does. vLLM always
 * recomputes at least the last prompt token, so hits are at most
 * prompt_tokens - 1.
 */
#ifndef JV_SIM_LATENCY_H
#define JV_SIM_LATENCY_H

#define JV_SIM_OVERHEAD_S        0.120    /* per request, parallel */
#define JV_SIM_PREFILL_S_PER_TOK 50e-6    /* shared prefill timeline */
#define JV_SIM_DECODE_S_PER_TOK  0.016    /* one sequence alone */
#define JV_SIM_BATCH_SLOWDOWN    0.02     /* per extra running sequence */
#define JV_SIM_BLOCK_TOKENS      16       /* prefix-cache block */
#define JV_SIM_TEMPLATE_TOKENS   4        /* chat template tokens per message */
#define JV_SIM_MAX_PIXELS        12845056 /* Qwen2.5-VL max_pixels */
#define JV_SIM_MIN_PIXELS        3136     /* Qwen2.5-VL min_pixels */

/*
 * Image tokens as Qwen2.5-VL's processor counts them for a W x H image:
 * h = round(H/28)*28, w = round(W/28)*28; if h*w > max_pixels both sides are
 * scaled down by sqrt(h*w/max) (floored to multiples of 28), if below
 * min_pixels scaled up (ceiled); tokens = h*w/784. 1600x1200 -> 2,451.
 */
long jv_sim_image_tokens(long width, long height);

/* Text tokens of one message's text: ceil(chars/4). */
long jv_sim_text_tokens(size_t chars);

/*
 * A prompt as the prefix cache sees it: a sequence of 64-bit token ids
 * (text in 4-byte pieces, each image as its tokens tagged with the image's
 * hash, a marker per message).
 */
struct jv_sim_prompt {
    GArray *ids; /* guint64 */
};

void jv_sim_prompt_init(struct jv_sim_prompt *p);
void jv_sim_prompt_release(struct jv_sim_prompt *p);
/* Appends the marker tokens that open a message of `role`. */
void jv_sim_prompt_add_role(struct jv_sim_prompt *p, const char *role);
void jv_sim_prompt_add_text(struct jv_sim_prompt *p, const char *text, size_t len);
/* Appends `tokens` image tokens tied to the image's content hash (hex). */
void jv_sim_prompt_add_image(struct jv_sim_prompt *p, const char *hash_hex, long tokens);
long jv_sim_prompt_tokens(const struct jv_sim_prompt *p);

/*
 * The engine: scheduling state, the prefix cache and counters. All functions
 * are thread-safe. Waits are condition-variable waits (no busy waiting) and
 * end early when jv_sim_engine_shutdown() is called.
 */
struct jv_sim_engine;

struct jv_sim_engine *jv_sim_engine_new(int max_seqs, double time_scale, long cache_blocks);
void jv_sim_engine_free(struct jv_sim_engine *e);

/* Wakes every waiter; later waits return at once with false. */
void jv_sim_engine_shutdown(struct jv_sim_engine *e);
bool jv_sim_engine_is_shutdown(struct jv_sim_engine *e);

/*
 * Sleeps `seconds` of model time (multiplied by the time scale). Returns
 * false if the engine was shut down meanwhile.
 */
bool jv_sim_engine_sleep(struct jv_sim_engine *e, double seconds);

/* Sleeps real (unscaled) seconds, interruptible by shutdown. */
bool jv_sim_engine_sleep_real(struct jv_sim_engine *e, double seconds);

/*
 * Waits for a place in the batch (counted as waiting meanwhile), then counts
 * the sequence as running. Returns false on shutdown (nothing held).
 */
bool jv_sim_engine_admit(struct jv_sim_engine *e);
/* Gives the place back (once per successful admit). */
void jv_sim_engine_leave(struct jv_sim_engine *e);

/*
 * Looks the prompt up in the prefix cache and inserts its full blocks.
 * Returns the number of prompt tokens already cached (the prefill skips
 * them) and counts queries and hits.
 */
long jv_sim_engine_cache_lookup(struct jv_sim_engine *e, const struct jv_sim_prompt *p);

/*
 * Runs the prefill: the fixed overhead, then `uncached` tokens on the shared
 * prefill timeline. Returns false on shutdown.
 */
bool jv_sim_engine_prefill(struct jv_sim_engine *e, long uncached);

/*
 * Decodes `n` tokens at the current batch's per-token speed. `*clock` is the
 * sequence's decode deadline (monotonic seconds; 0 before its first step):
 * each step ends at the previous deadline plus its duration, so timer slack
 * does not add up over hundreds of steps.
 */
bool jv_sim_engine_decode(struct jv_sim_engine *e, long n, double *clock);

struct jv_sim_engine_stats {
    long running, waiting;
    long long cache_queries, cache_hits; /* tokens */
    long cache_blocks_used, cache_blocks_max;
};
void jv_sim_engine_stats(struct jv_sim_engine *e, struct jv_sim_engine_stats *out);

#endif
