/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What does the pluggable reclamation layer cost on the read side?
 *
 * Times one read-side enter/exit pair three ways, in the same process and
 * interleaved per repetition: liburcu's inlined memb calls directly, lfrcu's
 * inline wrappers (one branch on a global flag, the default path), and an
 * indirect call through the scheme table (what a naive plugin design pays).
 * Prints ns per pair for each repetition and the medians.
 *
 *   build/experiments/bench_rcu_readside [-r reps] [-n pairs]   (--help: ranges)
 */
#include "lfrcu.h"
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_REPS 7
#define DEFAULT_PAIRS 50000000ull
#define MAX_REPS 101
/* At about 1 ns a pair: 10 s per timing, 30 s per repetition. */
#define MAX_PAIRS 10000000000ull

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Keeps the loop body from being optimised into nothing. */
static volatile uint64_t sink;

static double time_direct(uint64_t pairs)
{
    double t0 = now_ns();
    for (uint64_t i = 0; i < pairs; i++) {
        urcu_memb_read_lock();
        sink = i;
        urcu_memb_read_unlock();
    }
    return (now_ns() - t0) / (double)pairs;
}

static double time_lfrcu(uint64_t pairs)
{
    double t0 = now_ns();
    for (uint64_t i = 0; i < pairs; i++) {
        lfrcu_read_lock();
        sink = i;
        lfrcu_read_unlock();
    }
    return (now_ns() - t0) / (double)pairs;
}

static double time_indirect(const struct lfrcu_scheme *volatile *sp, uint64_t pairs)
{
    double t0 = now_ns();
    for (uint64_t i = 0; i < pairs; i++) {
        const struct lfrcu_scheme *s = *sp;
        s->read_lock();
        sink = i;
        s->read_unlock();
    }
    return (now_ns() - t0) / (double)pairs;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static const struct lfcli_option_doc docs[] = {
    { "-r, --reps N", "repetitions, 1 .. 101 (default 7)" },
    { "-n, --pairs N", "read-side enter/exit pairs per timing, 1 .. 10000000000\n"
                       "(default 50000000; 1e6 notation accepted)" },
    { "-h, --help", "this help" },
};

static void help(void)
{
    lfcli_print_help(stdout,
                     "Usage: bench_rcu_readside [-r N] [-n N]\n"
                     "Times one RCU read-side enter/exit pair three ways (liburcu directly,\n"
                     "lfrcu's inline wrappers, an indirect call through the scheme table);\n"
                     "prints JSON lines: one per repetition, then the medians.\n"
                     "Exit status: 0 done, 1 the run failed, 64 bad usage.",
                     docs, sizeof docs / sizeof docs[0]);
}

static void usage_error(const char *msg)
{
    fprintf(stderr, "bench_rcu_readside: %s\nTry 'bench_rcu_readside --help'.\n", msg);
    exit(LFCLI_EXIT_USAGE);
}

int main(int argc, char **argv)
{
    static const struct option long_opts[] = {
        { "reps", required_argument, NULL, 'r' },
        { "pairs", required_argument, NULL, 'n' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    uint64_t reps_arg = DEFAULT_REPS;
    uint64_t pairs = DEFAULT_PAIRS;
    struct lfcli_err err;
    int opt;
    opterr = 0; /* our own messages */
    while ((opt = getopt_long(argc, argv, ":r:n:h", long_opts, NULL)) != -1) {
        switch (opt) {
        case 'r':
            if (lfcli_parse_u64("-r/--reps", optarg, 1, MAX_REPS, &reps_arg, &err) != 0)
                usage_error(err.msg);
            break;
        case 'n':
            if (lfcli_parse_u64("-n/--pairs", optarg, 1, MAX_PAIRS, &pairs, &err) != 0)
                usage_error(err.msg);
            break;
        case 'h':
            help();
            return 0;
        default: /* ':' a missing value, '?' an unknown option */
            lfcli_getopt_error(opt, argv, &err);
            usage_error(err.msg);
        }
    }
    if (lfcli_no_operands(argc, argv, &err) != 0)
        usage_error(err.msg);
    int reps = (int)reps_arg;
    int rc = lfrcu_thread_register();
    if (rc != 0) {
        const char *rcu = getenv("LFMAP_RCU");
        fprintf(stderr, "bench_rcu_readside: lfrcu_thread_register: %s%s%s%s\n", strerror(-rc),
                rc == -ENOENT ? " (LFMAP_RCU=" : "", rc == -ENOENT && rcu ? rcu : "",
                rc == -ENOENT ? " names no reclamation scheme)" : "");
        return 1;
    }
    const struct lfrcu_scheme *volatile scheme = lfrcu_schemes()[0];
    double direct[MAX_REPS], wrapped[MAX_REPS], indirect[MAX_REPS];
    printf("{\"bench\":\"rcu_readside\",\"scheme\":\"%s\",\"pairs\":%llu,\"reps\":%d}\n",
           lfrcu_scheme_name(), (unsigned long long)pairs, reps);
    for (int r = 0; r < reps; r++) {
        /* Rotate the order so drift on a noisy machine hits all three. */
        for (int k = 0; k < 3; k++) {
            switch ((r + k) % 3) {
            case 0: direct[r] = time_direct(pairs); break;
            case 1: wrapped[r] = time_lfrcu(pairs); break;
            default: indirect[r] = time_indirect(&scheme, pairs); break;
            }
        }
        printf("{\"rep\":%d,\"direct_ns\":%.3f,\"lfrcu_ns\":%.3f,\"indirect_ns\":%.3f}\n", r, direct[r],
               wrapped[r], indirect[r]);
    }
    double md = median(direct, reps), mw = median(wrapped, reps), mi = median(indirect, reps);
    printf("{\"median_direct_ns\":%.3f,\"median_lfrcu_ns\":%.3f,\"median_indirect_ns\":%.3f,"
           "\"lfrcu_over_direct\":%.3f,\"indirect_over_direct\":%.3f}\n",
           md, mw, mi, mw / md, mi / md);
    lfrcu_thread_unregister();
    return 0;
}
