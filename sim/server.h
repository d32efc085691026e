/*
 * server.h - the simulator's HTTP server (libmicrohttpd, one thread per
 * connection): the OpenAI chat-completions API as vLLM serves it, vLLM-style
 * Prometheus metrics (or llama-server's /props, or Ollama's silence: --mode),
 * the IQA service endpoints and fault injection.
 */
#ifndef JV_SIM_SERVER_H
#define JV_SIM_SERVER_H

#include "replies.h"

/* Fault kinds, each with a rate in 0..1 (see sim/main.c for the flags). */
enum jv_sim_fault {
    JV_SIM_FAULT_500 = 0,
    JV_SIM_FAULT_502,
    JV_SIM_FAULT_503,
    JV_SIM_FAULT_429,
    JV_SIM_FAULT_STALL,
    JV_SIM_FAULT_CUT_STREAM,
    JV_SIM_FAULT_MALFORMED_JSON,
    JV_SIM_FAULT_PROSE,
    JV_SIM_FAULT_TRUNCATE,
    JV_SIM_FAULT_ERROR_EVENT,
    JV_SIM_FAULT_ENDLESS_STREAM,
    JV_SIM_FAULT_FAIL_FIRST,
    JV_SIM_FAULT_COUNT
};

/* The metric label of a fault kind ("500", "cut_stream", ...). */
const char *jv_sim_fault_name(enum jv_sim_fault f);

/* Which server it behaves like (--mode): the same engine behind each. */
enum jv_sim_mode {
    JV_SIM_MODE_VLLM,     /* /metrics with running and waiting requests */
    JV_SIM_MODE_LLAMACPP, /* llama-server: /props with total_slots, no /metrics */
    JV_SIM_MODE_OLLAMA,   /* no capacity figures at all */
};

/* "vllm", "llamacpp", "ollama". */
const char *jv_sim_mode_name(enum jv_sim_mode m);

struct jv_sim_config {
    enum jv_sim_mode mode;
    long max_queue;    /* chat requests allowed to wait for the batch; beyond: 503; < 0 = any */
    char *host;        /* bind address (IPv4), default 127.0.0.1 */
    int port;          /* 0 = any free port */
    char *model_name;  /* NULL: accept any model */
    int max_seqs;      /* batch size */
    double time_scale; /* multiplies every delay */
    long cache_blocks; /* prefix-cache capacity in 16-token blocks */
    size_t max_body;   /* request body cap in bytes */
    char *truth_path;
    struct jv_sim_reply_opts reply;
    double fault_rate[JV_SIM_FAULT_COUNT]; /* FAIL_FIRST unused */
    int retry_after;                       /* seconds, Retry-After of 429s */
    double stall_seconds;                  /* model seconds (scaled) */
    long fail_first;                       /* the first N chat requests fail */
    int fail_first_status;
    bool verbose;
    bool log_prompts; /* --log-prompts: each chat request's text parts on stderr */
};

/* Fills the defaults. */
void jv_sim_config_init(struct jv_sim_config *c);
void jv_sim_config_release(struct jv_sim_config *c);

struct jv_sim_server;

/*
 * Parses and validates a chat-completions request body exactly as the server
 * does (JSON, messages, max_tokens, stream_options, data: image URLs decoded
 * and probed with libvips; any model accepted). Returns 0, or -1 with the
 * HTTP status the server would answer in *status and the message in err.
 * For the fuzzer and tests; libvips must be initialised.
 */
int jv_sim_check_request(const char *body, size_t len, unsigned *status, GError **err);

/*
 * Starts serving (borrows `cfg` for the server's life). `on_shutdown` is
 * called (from a server thread) after a POST /shutdown reply went out.
 * Returns NULL with `err` set when the truth file or the socket fails.
 */
struct jv_sim_server *jv_sim_server_start(const struct jv_sim_config *cfg,
                                          void (*on_shutdown)(void *), void *data, GError **err);

/* The bound port. */
int jv_sim_server_port(const struct jv_sim_server *s);

/* Ends waits, stops the daemon (joins its threads) and frees everything. */
void jv_sim_server_stop(struct jv_sim_server *s);

#endif
