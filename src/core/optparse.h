/*
 * optparse.h - command-line options declared once, in a table (after git's
 * parse-options).
 *
 * A command describes each of its options by one struct jv_option: its
 * names, what kind of value it takes, where in the command's settings struct
 * the value goes (a byte offset, written with offsetof), its range, its help
 * line, its default and the key under which it is recorded in a run's
 * manifest. From that one table come the defaults (jv_opt_defaults), the
 * release of the strings it owns (jv_opt_release), a deep copy
 * (jv_opt_copy_strings), the parsing of argv with GNU getopt_long
 * (jv_opt_parse), the help text (jv_opt_print_help) and the manifest's JSON
 * (jv_opt_to_json). This module knows no option of its own.
 *
 * Ownership: the table is borrowed (static tables are the rule). String
 * fields (JV_OPT_STRING, JV_OPT_SECRET) are char * owned by the settings
 * struct (g_free); JV_OPT_STRV fields are NULL-terminated char ** owned by it
 * (g_strfreev). Fields of the other kinds are plain values: bool (flags), int
 * (JV_OPT_INT and JV_OPT_ENUM, whose C enums must be int-sized), double,
 * uint64_t.
 *
 * Error messages (GError JV_ERROR / JV_ERR_USAGE) name the option as given in
 * the table, for example
 *   --concurrency: expected an integer from 1 to 1024, got '0'
 *   --stage: expected iqa, critique or full, got 'x'
 *   option --model needs a value
 *   unknown option '--bogus' (see --help)
 */
#ifndef JV_OPTPARSE_H
#define JV_OPTPARSE_H

#include <jansson.h>

enum jv_opt_kind {
    JV_OPT_END = 0, /* ends a table: {0} */
    JV_OPT_TRUE,    /* flag: sets its bool true */
    JV_OPT_FALSE,   /* flag: sets its bool false */
    JV_OPT_INT,     /* int in imin..imax; `choices` (optional) name special values ("auto") */
    JV_OPT_DOUBLE,  /* finite double in dmin..dmax */
    JV_OPT_UINT64,  /* uint64_t, a non-negative integer (strtoull) */
    JV_OPT_STRING,  /* char *, replaced; `choices` (optional) lists the allowed values */
    JV_OPT_STRV,    /* char **, repeatable: each use appends */
    JV_OPT_ENUM,    /* int: the value of the chosen name in `choices` */
    JV_OPT_SECRET,  /* char * never printed: wiped on release, recorded as set or not */
    JV_OPT_ALIAS,   /* flag: applies the flags named in `also` (offset unused) */
    JV_OPT_HELP,    /* -h/--help: jv_opt_parse() returns 1 (offset unused) */
};

/* Option flags (struct jv_option.flags). */
enum {
    JV_OPTF_NOCASE = 1 << 0, /* choices match without regard to ASCII case */
};

/* One allowed value of a JV_OPT_ENUM or JV_OPT_STRING option. */
struct jv_opt_choice {
    const char *name; /* NULL ends the list */
    int value;        /* JV_OPT_ENUM: what the field is set to */
    bool hidden;      /* accepted, but not listed in help or messages (a synonym) */
};

/* The default of an option's field, by kind (see jv_opt_defaults). */
union jv_opt_default {
    bool b;        /* flags: the field's default; only true is written */
    int i;         /* INT, ENUM */
    double d;      /* DOUBLE */
    uint64_t u;    /* UINT64 */
    const char *s; /* STRING, SECRET: copied (STRV fields start empty) */
};

struct jv_option {
    const char *long_name; /* without "--"; every option has one */
    char short_name;       /* 0: none */
    enum jv_opt_kind kind;
    size_t offset;       /* of the field in the settings struct */
    const char *metavar; /* the value's name in help ("N", "FILE"); NULL: "VALUE" */
    const char *help;    /* one line; NULL: a hidden option */
    const char *group;   /* help heading; a new heading starts where it changes */
    const char *key;     /* manifest key; NULL: not recorded */
    long imin, imax;     /* JV_OPT_INT range */
    double dmin, dmax;   /* JV_OPT_DOUBLE range */
    const struct jv_opt_choice *choices;
    const char *const *also; /* JV_OPT_ALIAS: long names of flags, NULL-terminated */
    union jv_opt_default def;
    const char *def_text; /* help's "(default ...)" when the default is set elsewhere */
    unsigned flags;       /* JV_OPTF_* */
};

/* One table and the struct its offsets point into (for jv_opt_parsev). */
struct jv_opt_target {
    const struct jv_option *opts;
    void *base;
};

/* Writes every table default into `base`, which the caller has zeroed. */
void jv_opt_defaults(const struct jv_option *opts, void *base);

/* Frees the table's string fields in `base` (wiping secrets) and NULLs them. */
void jv_opt_release(const struct jv_option *opts, void *base);

/*
 * Replaces each string field of `dst` (a byte copy of another struct, so
 * sharing its strings) by its own copy: after it, both structs own their
 * strings.
 */
void jv_opt_copy_strings(const struct jv_option *opts, void *dst);

/*
 * Parses argv (argv[0] is the command's name) against one or more tables with
 * getopt_long; later uses of an option win, repeatable ones append. Operands
 * are moved to the end (GNU); *rest receives the index of the first. Returns
 * 0, 1 at -h/--help (what follows it is not parsed), or -1 with err naming the
 * option.
 */
int jv_opt_parsev(const struct jv_opt_target *targets, size_t ntargets, int argc, char **argv,
                  int *rest, GError **err);
/* jv_opt_parsev() with one table. */
int jv_opt_parse(const struct jv_option *opts, void *base, int argc, char **argv, int *rest,
                 GError **err);

/*
 * Applies the option named `long_name` with `arg` (NULL for flags) to `base`,
 * with the same checks as on the command line. Returns 0 or -1 with err.
 */
int jv_opt_set(const struct jv_option *opts, void *base, const char *long_name, const char *arg,
               GError **err);

/*
 * Prints the table's visible options under their group headings, aligned,
 * each help line followed by its choices and default.
 */
void jv_opt_print_help(FILE *out, const struct jv_option *opts);

/*
 * The settings recorded in a manifest: one member per option with a key, in
 * table order (flags: boolean, INT and UINT64: integer, DOUBLE: real, STRING:
 * string or null, STRV: array of strings, ENUM: the chosen name, SECRET:
 * boolean "is set"). New reference.
 */
json_t *jv_opt_to_json(const struct jv_option *opts, const void *base);

/* The option with this long name / this manifest key, or NULL (borrowed). */
const struct jv_option *jv_opt_find(const struct jv_option *opts, const char *long_name);
const struct jv_option *jv_opt_find_key(const struct jv_option *opts, const char *key);
/*
 * The flag that sets the bool recorded under `key` to `value` (for example
 * "pipeline", false -> the --no-pipeline entry), or NULL.
 */
const struct jv_option *jv_opt_find_flag(const struct jv_option *opts, const char *key, bool value);

#endif
