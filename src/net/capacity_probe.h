/*
 * capacity_probe.h - what a VLM server says about its capacity, fed to an
 * in-flight controller (net/capacity.h) (doc/SPEC.md 2.6 "Concurrency").
 *
 * At start (blocking, a short timeout per endpoint): llama-server's GET
 * /props "total_slots" (summed over the endpoints) puts the controller in
 * slots mode; else a /metrics with vLLM's vllm:num_requests_running and
 * vllm:num_requests_waiting (or llama.cpp's llamacpp:requests_processing and
 * llamacpp:requests_deferred) starts a scrape of every endpoint every
 * `interval_s` on the run's scheduler (non-blocking, one scrape per endpoint
 * at a time), each summed reading fed to jv_capacity_server_load(); a server
 * with neither (Ollama) leaves the controller probing. The server root is
 * the base URL without its path ("http://h:8000/v1" -> "http://h:8000").
 *
 * Ownership: borrows the controller, the scheduler and the VLM pool (for
 * its in-flight count); copies the URLs and the key. jv_capacity_probe_stop()
 * ends it (a scrape still in flight is dropped when it returns).
 */
#ifndef JV_CAPACITY_PROBE_H
#define JV_CAPACITY_PROBE_H

#include "net/capacity.h"
#include "net/http.h"

struct jv_capacity_probe;

struct jv_capacity_probe *jv_capacity_probe_start(struct jv_capacity *cap,
                                                  struct jv_http_sched *sched,
                                                  struct jv_http_pool *vlm_pool,
                                                  const char *const *base_urls, const char *api_key,
                                                  double interval_s);
/* Stops scraping and frees the probe (NULL is fine). */
void jv_capacity_probe_stop(struct jv_capacity_probe *p);

/*
 * llama-server's /props reply: its top-level "total_slots" when a positive
 * integer, else 0. Never fails on any input.
 */
int jv_capacity_props_slots(const char *body, size_t len);

/*
 * Running and waiting requests in a /metrics body (vLLM's or llama.cpp's
 * names). Returns false when neither figure is there.
 */
bool jv_capacity_metrics_load(const char *body, size_t len, double *running, double *waiting);

#endif
