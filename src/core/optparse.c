/* optparse.c - table-driven command-line options: defaults, parsing, help, manifest JSON. */
#include "core/jv.h"

#include <getopt.h>
#include <inttypes.h>
#include <math.h>

#include "core/optparse.h"

#define HELP_COLUMN 30   /* where help text starts */
#define HELP_WIDTH  79   /* where it wraps */
#define NBSP        '\1' /* a space help never breaks at ("default\1X") */

static void *field(void *base, const struct jv_option *o)
{
    return (char *)base + o->offset;
}

static const void *cfield(const void *base, const struct jv_option *o)
{
    return (const char *)base + o->offset;
}

static bool takes_arg(const struct jv_option *o)
{
    switch (o->kind) {
    case JV_OPT_INT:
    case JV_OPT_DOUBLE:
    case JV_OPT_UINT64:
    case JV_OPT_STRING:
    case JV_OPT_STRV:
    case JV_OPT_ENUM:
    case JV_OPT_SECRET:
        return true;
    default:
        return false;
    }
}

static bool is_string(const struct jv_option *o)
{
    return o->kind == JV_OPT_STRING || o->kind == JV_OPT_SECRET || o->kind == JV_OPT_STRV;
}

static bool is_flag(const struct jv_option *o)
{
    return o->kind == JV_OPT_TRUE || o->kind == JV_OPT_FALSE;
}

/* True when an entry before `o` already names the same string field. */
static bool string_seen(const struct jv_option *opts, const struct jv_option *o)
{
    for (const struct jv_option *p = opts; p < o; p++)
        if (is_string(p) && p->offset == o->offset)
            return true;
    return false;
}

void jv_opt_defaults(const struct jv_option *opts, void *base)
{
    for (const struct jv_option *o = opts; o->kind != JV_OPT_END; o++) {
        void *f = field(base, o);
        switch (o->kind) {
        case JV_OPT_TRUE:
        case JV_OPT_FALSE:
            if (o->def.b)
                *(bool *)f = true;
            break;
        case JV_OPT_INT:
        case JV_OPT_ENUM:
            *(int *)f = o->def.i;
            break;
        case JV_OPT_DOUBLE:
            *(double *)f = o->def.d;
            break;
        case JV_OPT_UINT64:
            *(uint64_t *)f = o->def.u;
            break;
        case JV_OPT_STRING:
        case JV_OPT_SECRET:
            if (o->def.s && !string_seen(opts, o)) {
                g_free(*(char **)f);
                *(char **)f = g_strdup(o->def.s);
            }
            break;
        default:
            break;
        }
    }
}

void jv_opt_release(const struct jv_option *opts, void *base)
{
    for (const struct jv_option *o = opts; o->kind != JV_OPT_END; o++) {
        if (o->kind == JV_OPT_STRV) {
            char ***v = field(base, o);
            g_strfreev(*v);
            *v = NULL;
        } else if (o->kind == JV_OPT_STRING || o->kind == JV_OPT_SECRET) {
            char **s = field(base, o);
            if (o->kind == JV_OPT_SECRET && *s)
                memset(*s, 0, strlen(*s));
            g_free(*s);
            *s = NULL;
        }
    }
}

void jv_opt_copy_strings(const struct jv_option *opts, void *dst)
{
    for (const struct jv_option *o = opts; o->kind != JV_OPT_END; o++) {
        if (!is_string(o) || string_seen(opts, o))
            continue;
        if (o->kind == JV_OPT_STRV) {
            char ***v = field(dst, o);
            *v = g_strdupv(*v);
        } else {
            char **s = field(dst, o);
            *s = g_strdup(*s);
        }
    }
}

/* "a, b or c" of the visible choices. Owned. */
static char *choice_list(const struct jv_opt_choice *c, const char *sep, const char *last)
{
    GPtrArray *names = g_ptr_array_new();
    for (; c->name; c++)
        if (!c->hidden)
            g_ptr_array_add(names, (gpointer)c->name);
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < names->len; i++) {
        if (i > 0)
            g_string_append(s, i + 1 == names->len ? last : sep);
        g_string_append(s, g_ptr_array_index(names, i));
    }
    g_ptr_array_free(names, TRUE);
    return g_string_free(s, FALSE);
}

static const struct jv_opt_choice *find_choice(const struct jv_option *o, const char *arg)
{
    for (const struct jv_opt_choice *c = o->choices; c && c->name; c++)
        if ((o->flags & JV_OPTF_NOCASE) ? g_ascii_strcasecmp(c->name, arg) == 0
                                        : strcmp(c->name, arg) == 0)
            return c;
    return NULL;
}

static int bad_choice(const struct jv_option *o, const char *arg, GError **err)
{
    char *list = choice_list(o->choices, ", ", " or ");
    g_set_error(err, JV_ERROR, JV_ERR_USAGE, "--%s: expected %s, got '%s'", o->long_name, list,
                arg);
    g_free(list);
    return -1;
}

/* The name of an INT option's special value `v` (its choices), or NULL. */
static const char *int_name(const struct jv_option *o, int v)
{
    for (const struct jv_opt_choice *c = o->choices; c && c->name; c++)
        if (c->value == v && !c->hidden)
            return c->name;
    return NULL;
}

static int parse_int(const struct jv_option *o, const char *arg, int *out, GError **err)
{
    const struct jv_opt_choice *named = o->choices ? find_choice(o, arg) : NULL;
    if (named) {
        *out = named->value;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno || !end || *end || end == arg || v < o->imin || v > o->imax) {
        char *names = o->choices ? choice_list(o->choices, ", ", " or ") : NULL;
        g_set_error(err, JV_ERROR, JV_ERR_USAGE,
                    "--%s: expected %s%san integer from %ld to %ld, got '%s'", o->long_name,
                    names ? names : "", names ? " or " : "", o->imin, o->imax, arg);
        g_free(names);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int parse_double(const struct jv_option *o, const char *arg, double *out, GError **err)
{
    char *end = NULL;
    errno = 0;
    double v = g_ascii_strtod(arg, &end);
    if (errno || !end || *end || end == arg || !isfinite(v) || v < o->dmin || v > o->dmax) {
        g_set_error(err, JV_ERROR, JV_ERR_USAGE, "--%s: expected a number from %g to %g, got '%s'",
                    o->long_name, o->dmin, o->dmax, arg);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_uint64(const struct jv_option *o, const char *arg, uint64_t *out, GError **err)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(arg, &end, 10);
    if (errno || !end || *end || end == arg) {
        g_set_error(err, JV_ERROR, JV_ERR_USAGE, "--%s: expected a non-negative integer, got '%s'",
                    o->long_name, arg);
        return -1;
    }
    *out = v;
    return 0;
}

static void push_str(char ***vec, const char *v)
{
    guint n = *vec ? g_strv_length(*vec) : 0;
    *vec = g_realloc_n(*vec, n + 2, sizeof(char *));
    (*vec)[n] = g_strdup(v);
    (*vec)[n + 1] = NULL;
}

static int apply_alias(const struct jv_option *opts, const struct jv_option *o, void *base,
                       GError **err);

/*
 * Applies one option of `opts` with its value (NULL for flags) to `base`.
 * Returns 0 or -1 with err naming the option and what it accepts.
 */
static int apply(const struct jv_option *opts, const struct jv_option *o, void *base,
                 const char *arg, GError **err)
{
    void *f = field(base, o);
    const struct jv_opt_choice *c;
    switch (o->kind) {
    case JV_OPT_TRUE:
    case JV_OPT_FALSE:
        *(bool *)f = o->kind == JV_OPT_TRUE;
        return 0;
    case JV_OPT_INT:
        return parse_int(o, arg, f, err);
    case JV_OPT_DOUBLE:
        return parse_double(o, arg, f, err);
    case JV_OPT_UINT64:
        return parse_uint64(o, arg, f, err);
    case JV_OPT_STRING:
    case JV_OPT_SECRET:
        if (o->choices && !find_choice(o, arg))
            return bad_choice(o, arg, err);
        g_free(*(char **)f);
        *(char **)f = g_strdup(arg);
        return 0;
    case JV_OPT_STRV:
        push_str(f, arg);
        return 0;
    case JV_OPT_ENUM:
        if (!(c = find_choice(o, arg)))
            return bad_choice(o, arg, err);
        *(int *)f = c->value;
        return 0;
    case JV_OPT_ALIAS:
        return apply_alias(opts, o, base, err);
    default:
        return 0;
    }
}

static int apply_alias(const struct jv_option *opts, const struct jv_option *o, void *base,
                       GError **err)
{
    for (const char *const *n = o->also; n && *n; n++) {
        const struct jv_option *t = jv_opt_find(opts, *n);
        if (!t || !is_flag(t)) {
            g_set_error(err, JV_ERROR, JV_ERR_FAILED, "--%s: names no flag '%s'", o->long_name, *n);
            return -1;
        }
        apply(opts, t, base, NULL, err);
    }
    return 0;
}

int jv_opt_set(const struct jv_option *opts, void *base, const char *long_name, const char *arg,
               GError **err)
{
    const struct jv_option *o = jv_opt_find(opts, long_name);
    if (!o || o->kind == JV_OPT_HELP || takes_arg(o) != (arg != NULL)) {
        g_set_error(err, JV_ERROR, JV_ERR_USAGE, "no option --%s%s", long_name,
                    arg ? " with a value" : " without a value");
        return -1;
    }
    return apply(opts, o, base, arg, err);
}

/* One table entry as getopt sees it. */
struct flat {
    const struct jv_option *opts; /* its table */
    const struct jv_option *o;
    void *base;
};

/* Every entry of every table, and the getopt tables built from them. */
struct parser {
    GArray *flat;     /* struct flat */
    GArray *longopts; /* struct option, zero-terminated */
    GString *shorts;  /* ":h..." */
};

#define LONG_VAL_BASE 1000 /* getopt's val for long options: LONG_VAL_BASE + flat index */

static void parser_init(struct parser *p, const struct jv_opt_target *targets, size_t n)
{
    p->flat = g_array_new(FALSE, FALSE, sizeof(struct flat));
    p->longopts = g_array_new(TRUE, TRUE, sizeof(struct option));
    p->shorts = g_string_new(":");
    for (size_t t = 0; t < n; t++)
        for (const struct jv_option *o = targets[t].opts; o->kind != JV_OPT_END; o++) {
            struct flat f = {targets[t].opts, o, targets[t].base};
            struct option lo = {o->long_name, takes_arg(o) ? required_argument : no_argument, NULL,
                                LONG_VAL_BASE + (int)p->flat->len};
            g_array_append_val(p->flat, f);
            g_array_append_val(p->longopts, lo);
            if (o->short_name) {
                g_string_append_c(p->shorts, o->short_name);
                if (takes_arg(o))
                    g_string_append_c(p->shorts, ':');
            }
        }
}

static void parser_release(struct parser *p)
{
    g_array_free(p->flat, TRUE);
    g_array_free(p->longopts, TRUE);
    g_string_free(p->shorts, TRUE);
}

/* The entry getopt returned `c` for, or NULL. */
static const struct flat *parser_entry(const struct parser *p, int c)
{
    if (c >= LONG_VAL_BASE && c - LONG_VAL_BASE < (int)p->flat->len)
        return &g_array_index(p->flat, struct flat, c - LONG_VAL_BASE);
    for (guint i = 0; c > 0 && c < 256 && i < p->flat->len; i++)
        if (g_array_index(p->flat, struct flat, i).o->short_name == c)
            return &g_array_index(p->flat, struct flat, i);
    return NULL;
}

int jv_opt_parsev(const struct jv_opt_target *targets, size_t ntargets, int argc, char **argv,
                  int *rest, GError **err)
{
    struct parser p;
    int rc = 0, c;
    parser_init(&p, targets, ntargets);
    optind = 0; /* full re-initialisation of getopt (GNU) */
    opterr = 0;
    while ((c = getopt_long(argc, argv, p.shorts->str, (struct option *)p.longopts->data, NULL)) !=
           -1) {
        const struct flat *f = parser_entry(&p, c);
        if (c == ':') {
            g_set_error(err, JV_ERROR, JV_ERR_USAGE, "option %s needs a value", argv[optind - 1]);
            rc = -1;
        } else if (!f) {
            g_set_error(err, JV_ERROR, JV_ERR_USAGE, "unknown option '%s' (see --help)",
                        argv[optind - 1]);
            rc = -1;
        } else if (f->o->kind == JV_OPT_HELP) {
            rc = 1;
        } else if (apply(f->opts, f->o, f->base, optarg, err) < 0) {
            rc = -1;
        }
        if (rc != 0)
            break;
    }
    *rest = optind;
    parser_release(&p);
    return rc;
}

int jv_opt_parse(const struct jv_option *opts, void *base, int argc, char **argv, int *rest,
                 GError **err)
{
    struct jv_opt_target t = {opts, base};
    return jv_opt_parsev(&t, 1, argc, argv, rest, err);
}

/* True when another flag of the table sets the same bool the other way. */
static bool has_partner(const struct jv_option *opts, const struct jv_option *o)
{
    for (const struct jv_option *p = opts; p->kind != JV_OPT_END; p++)
        if (p != o && is_flag(p) && p->offset == o->offset && p->kind != o->kind)
            return true;
    return false;
}

/* "default X" for help, or NULL. Owned. */
static char *default_text(const struct jv_option *opts, const struct jv_option *o)
{
    if (o->def_text)
        return g_strdup_printf("default\1%s", o->def_text);
    switch (o->kind) {
    case JV_OPT_TRUE:
    case JV_OPT_FALSE:
        return (o->kind == JV_OPT_TRUE) == o->def.b && (o->def.b || has_partner(opts, o))
                   ? g_strdup("default")
                   : NULL;
    case JV_OPT_INT:
        if (int_name(o, o->def.i))
            return g_strdup_printf("default\1%s", int_name(o, o->def.i));
        return g_strdup_printf("default\1%d", o->def.i);
    case JV_OPT_DOUBLE:
        return g_strdup_printf("default\1%g", o->def.d);
    case JV_OPT_UINT64:
        return g_strdup_printf("default\1%" PRIu64, o->def.u);
    case JV_OPT_STRING:
        return o->def.s ? g_strdup_printf("default\1%s", o->def.s) : NULL;
    case JV_OPT_ENUM:
        for (const struct jv_opt_choice *c = o->choices; c && c->name; c++)
            if (c->value == o->def.i)
                return g_strdup_printf("default\1%s", c->name);
        return NULL;
    default:
        return NULL;
    }
}

/* The help text of one option with its "(choices; default; ...)" note. Owned. */
static char *help_text(const struct jv_option *opts, const struct jv_option *o)
{
    GPtrArray *notes = g_ptr_array_new_with_free_func(g_free);
    if (o->choices)
        g_ptr_array_add(notes, choice_list(o->choices, "\1| ", "\1| "));
    if (o->kind == JV_OPT_STRV)
        g_ptr_array_add(notes, g_strdup("repeatable"));
    if (o->kind == JV_OPT_ALIAS) {
        GString *s = g_string_new("same as");
        for (const char *const *n = o->also; n && *n; n++)
            g_string_append_printf(s, " --%s", *n);
        g_ptr_array_add(notes, g_string_free(s, FALSE));
    }
    char *d = default_text(opts, o);
    if (d)
        g_ptr_array_add(notes, d);
    GString *s = g_string_new(o->help);
    for (guint i = 0; i < notes->len; i++)
        g_string_append_printf(s, "%s%s", i == 0 ? " (" : "; ",
                               (const char *)g_ptr_array_index(notes, i));
    if (notes->len)
        g_string_append_c(s, ')');
    g_ptr_array_free(notes, TRUE);
    return g_string_free(s, FALSE);
}

/* Writes `text` from column `col` on, wrapped at HELP_WIDTH (never at NBSP). */
static void print_wrapped(FILE *out, const char *text, size_t col)
{
    char **words = g_strsplit(text, " ", -1);
    size_t at = col;
    bool first = true;
    for (char **w = words; *w; w++) {
        size_t n = strlen(*w);
        if (!first && at + 1 + n > HELP_WIDTH) {
            fprintf(out, "\n%*s", (int)HELP_COLUMN, "");
            at = HELP_COLUMN;
        } else if (!first) {
            fputc(' ', out);
            at++;
        }
        for (const char *c = *w; *c; c++)
            fputc(*c == NBSP ? ' ' : *c, out);
        at += n;
        first = false;
    }
    fputc('\n', out);
    g_strfreev(words);
}

void jv_opt_print_help(FILE *out, const struct jv_option *opts)
{
    const char *group = NULL;
    for (const struct jv_option *o = opts; o->kind != JV_OPT_END; o++) {
        if (!o->help)
            continue;
        if (o->group && (!group || strcmp(group, o->group) != 0)) {
            fprintf(out, "%s%s:\n", group ? "\n" : "", o->group);
            group = o->group;
        }
        GString *left = g_string_new(NULL);
        if (o->short_name)
            g_string_append_printf(left, "  -%c, ", o->short_name);
        else
            g_string_append(left, "      ");
        g_string_append_printf(left, "--%s", o->long_name);
        if (takes_arg(o))
            g_string_append_printf(left, " %s", o->metavar ? o->metavar : "VALUE");
        size_t col = left->len + 2 > HELP_COLUMN ? left->len + 2 : HELP_COLUMN;
        fprintf(out, "%-*s", (int)col, left->str);
        char *text = help_text(opts, o);
        print_wrapped(out, text, col);
        g_free(text);
        g_string_free(left, TRUE);
    }
}

/* One option's manifest value (new reference). */
static json_t *value_json(const struct jv_option *o, const void *base)
{
    const void *f = cfield(base, o);
    switch (o->kind) {
    case JV_OPT_TRUE:
    case JV_OPT_FALSE:
        return json_boolean(*(const bool *)f);
    case JV_OPT_INT:
        if (int_name(o, *(const int *)f))
            return json_string(int_name(o, *(const int *)f));
        return json_integer(*(const int *)f);
    case JV_OPT_DOUBLE:
        return json_real(*(const double *)f);
    case JV_OPT_UINT64:
        return json_integer((json_int_t) * (const uint64_t *)f);
    case JV_OPT_STRING: {
        const char *s = *(char *const *)f;
        return s ? json_string(s) : json_null();
    }
    case JV_OPT_SECRET:
        return json_boolean(*(char *const *)f != NULL);
    case JV_OPT_STRV: {
        json_t *a = json_array();
        for (char *const *v = *(char **const *)f; v && *v; v++)
            json_array_append_new(a, json_string(*v));
        return a;
    }
    case JV_OPT_ENUM:
        for (const struct jv_opt_choice *c = o->choices; c && c->name; c++)
            if (c->value == *(const int *)f && !c->hidden)
                return json_string(c->name);
        return json_null();
    default:
        return json_null();
    }
}

json_t *jv_opt_to_json(const struct jv_option *opts, const void *base)
{
    json_t *j = json_object();
    for (const struct jv_option *o = opts; o->kind != JV_OPT_END; o++)
        if (o->key)
            json_object_set_new(j, o->key, value_json(o, base));
    return j;
}

const struct jv_option *jv_opt_find(const struct jv_option *opts, const char *long_name)
{
    for (const struct jv_option *o = opts; o->kind != JV_OPT_END; o++)
        if (strcmp(o->long_name, long_name) == 0)
            return o;
    return NULL;
}

const struct jv_option *jv_opt_find_key(const struct jv_option *opts, const char *key)
{
    for (const struct jv_option *o = opts; o->kind != JV_OPT_END; o++)
        if (o->key && strcmp(o->key, key) == 0)
            return o;
    return NULL;
}

const struct jv_option *jv_opt_find_flag(const struct jv_option *opts, const char *key, bool value)
{
    const struct jv_option *k = jv_opt_find_key(opts, key);
    if (!k || !is_flag(k))
        return NULL;
    for (const struct jv_option *o = opts; o->kind != JV_OPT_END; o++)
        if (is_flag(o) && o->offset == k->offset && (o->kind == JV_OPT_TRUE) == value)
            return o;
    return NULL;
}
