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
 *   build/experiments/bench_rcu_readside [-r reps] [-n pairs]
 */
#include "lfrcu.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_REPS 7
#define DEFAULT_PAIRS 50000000ull
#define MAX_REPS 101

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

int main(int argc, char **argv)
{
    int reps = DEFAULT_REPS;
    uint64_t pairs = DEFAULT_PAIRS;
    int opt;
    while ((opt = getopt(argc, argv, "r:n:")) != -1) {
        if (opt == 'r')
            reps = atoi(optarg);
        else if (opt == 'n')
            pairs = strtoull(optarg, NULL, 10);
        else {
            fprintf(stderr, "usage: %s [-r reps] [-n pairs]\n", argv[0]);
            return 2;
        }
    }
    if (reps < 1 || reps > MAX_REPS || pairs == 0) {
        fprintf(stderr, "bench_rcu_readside: need 1 <= reps <= %d and pairs > 0\n", MAX_REPS);
        return 2;
    }
    if (lfrcu_thread_register() != 0)
        return 1;
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
