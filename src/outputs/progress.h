/*
 * progress.h - the progress file (doc/SPEC.md 3), replaced atomically after every
 * image or match so the GUI and scripts can watch a run:
 * {total, processed, current_image, status, message, phase, history[],
 *  stages {iqa, critique, pairwise: {done, total}}, eta_seconds, updated}.
 *
 * Single-threaded: owned by the pipeline's main loop.
 */
#ifndef JV_PROGRESS_H
#define JV_PROGRESS_H

#include <jansson.h>

enum jv_progress_stage { JV_PROG_IQA = 0, JV_PROG_CRITIQUE, JV_PROG_PLAYOFF, JV_PROG_NSTAGES };

struct jv_progress {
    char *path;
    json_t *history;
    char *status; /* idle|running|complete|error|interrupted */
    char *phase;
    char *message;
    char *current_image;
    size_t done[JV_PROG_NSTAGES], total[JV_PROG_NSTAGES];
    double stage_started[JV_PROG_NSTAGES];
    double last_line[JV_PROG_NSTAGES]; /* last plain progress line on stderr */
    double started;
    double last_write;
    bool interactive; /* a terminal: one-line display on stderr */
    bool line_open;   /* that line is drawn and not yet ended with a newline */
    bool quiet;
    int in_flight;       /* requests in flight to the VLM server now; shown when limit > 0 */
    int in_flight_limit; /* the number allowed (fixed or found by --concurrency auto); 0 = none */
};

void jv_progress_init(struct jv_progress *p, const char *path, bool quiet);
void jv_progress_release(struct jv_progress *p);

/* Enters a phase (recorded in history) and writes the file. */
void jv_progress_phase(struct jv_progress *p, const char *phase, const char *status,
                       const char *message);
void jv_progress_set_total(struct jv_progress *p, enum jv_progress_stage s, size_t total);
/* One more item of stage `s` done; `image` (borrowed) becomes current_image. */
void jv_progress_step(struct jv_progress *p, enum jv_progress_stage s, const char *image,
                      const char *message);
/* The requests in flight and the current limit, for the line and the file (next write). */
void jv_progress_set_in_flight(struct jv_progress *p, int in_flight, int limit);
/* Writes the file now (atomic replace). Errors are warned about once, not fatal. */
void jv_progress_write(struct jv_progress *p);
/*
 * Ends the line display on a terminal, if one is drawn, so that what is
 * printed next starts on a line of its own. Call before other output.
 */
void jv_progress_finish_line(struct jv_progress *p);

#endif
