/*
 * jv.h - the project header, included first by every .c file of Judge Vision.
 *
 * It fixes the feature macros, pulls in the few headers nearly every module
 * needs, defines the project-wide error convention and bans the C library
 * calls we never want to see (after the system headers, so their own inline
 * uses are untouched).
 *
 * Error convention (the whole program): a function that can fail returns int,
 * 0 on success and -1 on failure, and takes a trailing `GError **err` that it
 * fills with a message naming the file, image or request and what went wrong.
 * Callers own the GError and free it with g_error_free()/g_clear_error().
 * Functions returning pointers return NULL on failure with the same GError.
 * Nothing below the command layer (src/cli) exits the process.
 *
 * jansson ownership: json_object_set_new(), json_array_append_new() and
 * friends steal the reference of their value argument; json_object_get()
 * borrows. Our own functions that take json_t say "takes" or "borrows" in their
 * header, and functions returning json_t return a new reference unless the
 * header says "borrowed".
 */
#ifndef JV_H
#define JV_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#define JV_ERROR (jv_error_quark())

/* Error codes of the JV_ERROR domain. */
enum jv_error_code {
    JV_ERR_FAILED = 1, /* generic failure */
    JV_ERR_IO,         /* file system or socket error */
    JV_ERR_PARSE,      /* malformed input (TOML, JSON, reply) */
    JV_ERR_USAGE,      /* bad command-line usage */
    JV_ERR_IMAGE,      /* undecodable or refused image */
    JV_ERR_HTTP,       /* HTTP transport or status error */
    JV_ERR_CANCELLED,  /* interrupted by a signal */
    JV_ERR_NOT_FOUND,  /* missing file, key or id */
};

GQuark jv_error_quark(void);

/* Exit codes of the judge-vision commands (doc/SPEC.md 9). */
enum jv_exit {
    JV_EXIT_OK = 0,
    JV_EXIT_FATAL = 1,
    JV_EXIT_USAGE = 2,
    JV_EXIT_SOME_FAILED = 3,
    JV_EXIT_SIGINT = 130,
    JV_EXIT_SIGTERM = 143,
};

#define JV_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define JV_ARRAY_LEN(a)      (sizeof(a) / sizeof((a)[0]))

/* Version of the tool (also in meson.build). */
#define JV_VERSION "0.1.0"

#include "core/banned.h"

#endif
