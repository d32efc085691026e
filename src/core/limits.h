/*
 * limits.h - the size caps of the whole program, in one list.
 *
 * Every file or body we read whole (or stream into memory) stops at a cap,
 * so that a runaway file or server cannot take the process's memory. The
 * caps are generous: they are there to stop the absurd, never to refuse a
 * file a real run writes. Each names who reads against it. Where two
 * modules used to disagree, the larger value was kept.
 */
#ifndef JV_LIMITS_H
#define JV_LIMITS_H

#include <stddef.h>

#define JV_KIB ((size_t)1 << 10)
#define JV_MIB ((size_t)1 << 20)
#define JV_GIB ((size_t)1 << 30)

/* --- files a run writes, read back by the web page and the report --- */

/* A results JSONL read into memory (the web page). The run's own streaming
 * scans of its results file are not capped. */
#define JV_LIMIT_RESULTS (2 * JV_GIB)
/* The first line of a file the web page checks for being a results file. */
#define JV_LIMIT_RESULTS_FIRST_LINE (64 * JV_KIB)
/* A run manifest (<stem>.metadata.json). */
#define JV_LIMIT_MANIFEST (64 * JV_MIB)
/* A playoff matches log (<stem>.matches.jsonl). */
#define JV_LIMIT_MATCHES_LOG (1 * JV_GIB)
/* The web page's edits (<stem>.overrides.json). */
#define JV_LIMIT_OVERRIDES (64 * JV_MIB)
/* The progress file, polled by the web server. */
#define JV_LIMIT_PROGRESS (16 * JV_MIB)

/* --- inputs --- */

/* The web page's saved settings file. */
#define JV_LIMIT_SETTINGS (1 * JV_MIB)
/* A competition registry (TOML). */
#define JV_LIMIT_REGISTRY (4 * JV_MIB)
/* An entry list (--entries): a club's CSV of entries, a few thousand rows at most. */
#define JV_LIMIT_ENTRIES (16 * JV_MIB)
/* A prompt file (--prompt-file). */
#define JV_LIMIT_PROMPT_FILE (1 * JV_MIB)
/* A photo read whole to be sent to a server (VLM request, playoff match, IQA
 * service). */
#define JV_LIMIT_IMAGE_FILE (1 * JV_GIB)

/* --- network --- */

/* A request body the web server accepts. */
#define JV_LIMIT_WEB_BODY (1 * JV_MIB)
/* A reply of the HTTP client when the caller gives no cap: a plain body, one
 * SSE event, and an event stream in total (an endless stream stops here). */
#define JV_LIMIT_HTTP_BODY (32 * JV_MIB)
/* A Prometheus /metrics scrape. */
#define JV_LIMIT_METRICS_SCRAPE (8 * JV_MIB)
/* A reply of the IQA service. */
#define JV_LIMIT_IQA_REPLY (1 * JV_MIB)

#endif
