/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lfcli: see cli.h. */
#include "cli.h"

#include <getopt.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest list element accepted (a key count or a map name is far shorter). */
#define LFCLI_ITEM_MAX 128
/* Help layout: option names padded to this column. */
#define LFCLI_HELP_COLUMN 28

int lfcli_fail(struct lfcli_err *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static const char *shown(const char *text)
{
    return text ? text : "(missing)";
}

/* Exact integer from a decimal scientific form "1e6" / "2.5e3"; -1 when the
 * text is not of that form or not integral. */
static int parse_scientific_u64(const char *text, uint64_t *out)
{
    if (!strpbrk(text, "eE"))
        return -1;
    char *end = NULL;
    errno = 0;
    double d = strtod(text, &end);
    /* 2^64 as a double; integral doubles below it convert exactly. */
    const double two64 = 18446744073709551616.0;
    if (errno || *end != '\0' || !isfinite(d) || d < 0 || d >= two64 || d != floor(d))
        return -1;
    *out = (uint64_t)d;
    return 0;
}

int lfcli_parse_u64(const char *opt, const char *text, uint64_t min, uint64_t max, uint64_t *out,
                    struct lfcli_err *err)
{
    if (!text || !*text || isspace((unsigned char)text[0]) || text[0] == '-' || text[0] == '+')
        return lfcli_fail(err, "%s: '%s' is not a non-negative integer (accepted: %" PRIu64
                               " .. %" PRIu64 ")", opt, shown(text), min, max);
    char *end = NULL;
    errno = 0;
    uint64_t v = strtoull(text, &end, 0);
    if (end == text || *end != '\0') {
        if (parse_scientific_u64(text, &v) != 0)
            return lfcli_fail(err, "%s: '%s' is not a non-negative integer (accepted: %" PRIu64
                                   " .. %" PRIu64 ")", opt, text, min, max);
    } else if (errno == ERANGE) {
        return lfcli_fail(err, "%s: '%s' is out of range (accepted: %" PRIu64 " .. %" PRIu64 ")",
                          opt, text, min, max);
    }
    if (v < min || v > max)
        return lfcli_fail(err, "%s: %s is out of range (accepted: %" PRIu64 " .. %" PRIu64 ")",
                          opt, text, min, max);
    *out = v;
    return 0;
}

int lfcli_parse_i64(const char *opt, const char *text, int64_t min, int64_t max, int64_t *out,
                    struct lfcli_err *err)
{
    if (!text || !*text || isspace((unsigned char)text[0]))
        return lfcli_fail(err, "%s: '%s' is not an integer (accepted: %" PRId64 " .. %" PRId64 ")",
                          opt, shown(text), min, max);
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 0);
    if (end == text || *end != '\0')
        return lfcli_fail(err, "%s: '%s' is not an integer (accepted: %" PRId64 " .. %" PRId64 ")",
                          opt, text, min, max);
    if (errno == ERANGE || v < min || v > max)
        return lfcli_fail(err, "%s: %s is out of range (accepted: %" PRId64 " .. %" PRId64 ")", opt,
                          text, min, max);
    *out = v;
    return 0;
}

int lfcli_parse_double(const char *opt, const char *text, double min, double max, double *out,
                       struct lfcli_err *err)
{
    if (!text || !*text || isspace((unsigned char)text[0]))
        return lfcli_fail(err, "%s: '%s' is not a number (accepted: %g .. %g)", opt, shown(text),
                          min, max);
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !isfinite(v))
        return lfcli_fail(err, "%s: '%s' is not a finite number (accepted: %g .. %g)", opt, text,
                          min, max);
    if (errno == ERANGE || v < min || v > max)
        return lfcli_fail(err, "%s: %s is out of range (accepted: %g .. %g)", opt, text, min, max);
    *out = v;
    return 0;
}

int lfcli_parse_enum(const char *opt, const char *text, const char *const *names, int *out,
                     struct lfcli_err *err)
{
    for (int i = 0; text && names[i]; i++) {
        if (strcmp(text, names[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    char list[LFCLI_ERR_LEN] = "";
    size_t used = 0;
    for (int i = 0; names[i] && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", names[i]);
    return lfcli_fail(err, "%s: unknown value '%s' (accepted: %s)", opt, shown(text), list);
}

int lfcli_parse_list(const char *opt, const char *text, size_t max_items,
                     int (*item)(size_t index, const char *text, void *ctx, struct lfcli_err *err),
                     void *ctx, struct lfcli_err *err)
{
    if (!text || !*text)
        return lfcli_fail(err, "%s: empty list", opt);
    size_t n = 0;
    const char *p = text;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == 0)
            return lfcli_fail(err, "%s: empty element in list '%s'", opt, text);
        if (len >= LFCLI_ITEM_MAX)
            return lfcli_fail(err, "%s: element too long in list '%s'", opt, text);
        if (n >= max_items)
            return lfcli_fail(err, "%s: more than %zu elements in list '%s'", opt, max_items, text);
        char buf[LFCLI_ITEM_MAX];
        memcpy(buf, p, len);
        buf[len] = '\0';
        if (item(n, buf, ctx, err) != 0)
            return -1;
        n++;
        if (!comma)
            break;
        p = comma + 1;
    }
    return (int)n;
}

struct u64_list_ctx {
    const char *opt;
    uint64_t min, max;
    uint64_t *out;
};

static int u64_item(size_t index, const char *text, void *ctx, struct lfcli_err *err)
{
    struct u64_list_ctx *c = ctx;
    return lfcli_parse_u64(c->opt, text, c->min, c->max, &c->out[index], err);
}

int lfcli_parse_u64_list(const char *opt, const char *text, uint64_t min, uint64_t max,
                         uint64_t *out, size_t max_items, struct lfcli_err *err)
{
    struct u64_list_ctx c = {opt, min, max, out};
    return lfcli_parse_list(opt, text, max_items, u64_item, &c, err);
}

void lfcli_print_help(void *file, const char *usage, const struct lfcli_option_doc *docs, size_t n)
{
    FILE *f = file;
    fprintf(f, "%s\n\nOptions:\n", usage);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "  %-*s ", LFCLI_HELP_COLUMN, docs[i].names);
        if (strlen(docs[i].names) > LFCLI_HELP_COLUMN)
            fprintf(f, "\n  %-*s ", LFCLI_HELP_COLUMN, "");
        for (const char *h = docs[i].help; *h; h++) {
            fputc(*h, f);
            if (*h == '\n')
                fprintf(f, "  %-*s ", LFCLI_HELP_COLUMN, "");
        }
        fputc('\n', f);
    }
}

int lfcli_getopt_error(int c, char *const *argv, struct lfcli_err *err)
{
    if (c == ':')
        return lfcli_fail(err, "option '%s' needs a value", argv[optind - 1]);
    if (optopt)
        return lfcli_fail(err, "unknown option '-%c' (--help lists them)", optopt);
    return lfcli_fail(err, "unknown option '%s' (--help lists them)", argv[optind - 1]);
}

int lfcli_no_operands(int argc, char *const *argv, struct lfcli_err *err)
{
    if (optind < argc)
        return lfcli_fail(err, "unexpected argument '%s' (--help lists the options)", argv[optind]);
    return 0;
}
