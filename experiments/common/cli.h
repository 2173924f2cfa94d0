/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lfcli: a small command-line value parser that every program of the project
 * can share (benchmarks, the demo, tools).  It parses one option value at a
 * time and never exits or prints on its own: each function returns 0 or -1
 * and, on error, writes one complete message (naming the option and what it
 * accepts) into the caller's struct lfcli_err.  The program decides how to
 * report it (usually: print, then exit with LFCLI_EXIT_USAGE).
 *
 * Why not strtoull alone: it accepts "-5" for an unsigned value (and wraps it
 * to 2^64-5), " 5", "5abc" when the end pointer is not checked, and "" as 0.
 * Every function here rejects malformed text, trailing junk, a sign on an
 * unsigned value and anything outside [min, max].
 *
 * Numbers: decimal, or 0x hexadecimal for integers; integers also accept an
 * exact scientific form such as "1e6" (researchers write key counts that way)
 * but not "1.5e0" unless the value is integral.
 */
#ifndef LFCLI_H
#define LFCLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Conventional exit status for a usage error (BSD sysexits EX_USAGE). */
#define LFCLI_EXIT_USAGE 64
#define LFCLI_ERR_LEN 256

struct lfcli_err {
    char msg[LFCLI_ERR_LEN];
};

/* Parses an unsigned integer in [min, max]. */
int lfcli_parse_u64(const char *opt, const char *text, uint64_t min, uint64_t max, uint64_t *out,
                    struct lfcli_err *err);

/* Parses a signed integer in [min, max]. */
int lfcli_parse_i64(const char *opt, const char *text, int64_t min, int64_t max, int64_t *out,
                    struct lfcli_err *err);

/* Parses a finite double in [min, max]. */
int lfcli_parse_double(const char *opt, const char *text, double min, double max, double *out,
                       struct lfcli_err *err);

/* Index of text in the NULL-terminated names[], or -1 with a message listing
 * the accepted names. */
int lfcli_parse_enum(const char *opt, const char *text, const char *const *names, int *out,
                     struct lfcli_err *err);

/* Splits a comma-separated list in place-free fashion: calls item(i, text,
 * ctx) for every element (text is a NUL-terminated copy valid for the call).
 * Rejects an empty list, empty elements ("1,,2", "1,") and more than
 * max_items elements.  Returns the number of items, or -1 (the callback's
 * own failure included; it fills err). */
int lfcli_parse_list(const char *opt, const char *text, size_t max_items,
                     int (*item)(size_t index, const char *text, void *ctx, struct lfcli_err *err),
                     void *ctx, struct lfcli_err *err);

/* Convenience: a list of unsigned integers, each in [min, max]. */
int lfcli_parse_u64_list(const char *opt, const char *text, uint64_t min, uint64_t max,
                         uint64_t *out, size_t max_items, struct lfcli_err *err);

/* Help text support: one option per call, aligned in two columns. */
struct lfcli_option_doc {
    const char *names; /* "-n, --threads LIST" */
    const char *help;  /* one line (may contain \n for continuation lines) */
};
void lfcli_print_help(void *file, const char *usage, const struct lfcli_option_doc *docs, size_t n);

/* Formats err with printf-style text (used by the parsers and by programs
 * for their own combination checks). */
int lfcli_fail(struct lfcli_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The message for what getopt/getopt_long returned on an error, called with
 * opterr = 0 and an optstring starting with ':' (c is ':' for a missing
 * value, '?' for an unknown option) right after the call, while optind
 * and optopt are still getopt's.  Always -1, for `return`. */
int lfcli_getopt_error(int c, char *const *argv, struct lfcli_err *err);

/* After the options: -1 with a message naming the first operand if any
 * is left (the programs take options only), else 0. */
int lfcli_no_operands(int argc, char *const *argv, struct lfcli_err *err);

#endif /* LFCLI_H */
