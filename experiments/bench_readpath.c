/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What does the shared library's read path cost against the static one?
 *
 * The Makefile builds this program twice, as a user's program is built (no
 * LTO, only <lfmap.h>): build/experiments/bench_readpath against liblfmap.a
 * (initial-exec TLS, a direct call) and bench_readpath_shared against
 * liblfmap.so (global-dynamic TLS, so that dlopen works: __tls_get_addr for
 * liburcu's reader state; a call through the PLT).  One thread, a map of
 * -k keys (default 1024: cache-resident, so the read path dominates), looked
 * up in a fixed scrambled order; every lookup must hit with the key's value.
 * Prints ns per lfmap_get hit for each of -r runs (default 5) and the median.
 * scripts/bench-readpath.sh runs both builds side by side.
 *
 *   build/experiments/bench_readpath[_shared] [-r runs] [-k keys] [-n gets]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lfmap.h"

#ifndef LFMAP_LINKED
#define LFMAP_LINKED "static"
#endif
#define MAX_RUNS 101

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int runs = 5;
    uint64_t nkeys = 1024, gets = 20000000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "-r"))
            runs = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "-k"))
            nkeys = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "-n"))
            gets = strtoull(argv[i + 1], NULL, 10);
    }
    if (runs < 1 || runs > MAX_RUNS || nkeys < 1 || (nkeys & (nkeys - 1)) || gets < 1) {
        fprintf(stderr, "usage: %s [-r 1..%d] [-k power of two] [-n gets]\n", argv[0], MAX_RUNS);
        return 2;
    }
    if (lfmap_thread_register() != 0)
        return 1;
    lfmap *m = lfmap_new(&(struct lfmap_config){ .capacity = (size_t)nkeys, .seed = 1 });
    uint64_t *keys = malloc(nkeys * sizeof *keys);
    if (!m || !keys)
        return 1;
    for (uint64_t i = 0; i < nkeys; i++) {
        keys[i] = (i * 0x9E3779B97F4A7C15ull) ^ (i >> 3); /* scattered, distinct */
        if (lfmap_insert(m, keys[i], i) != 1)
            return 1;
    }
    double ns[MAX_RUNS];
    for (int r = 0; r < runs; r++) {
        uint64_t sum = 0, hits = 0, v;
        double t0 = now_ns();
        for (uint64_t j = 0; j < gets; j++) {
            uint64_t i = (j * 7919u) & (nkeys - 1);
            hits += lfmap_get(m, keys[i], &v);
            sum += v ^ i; /* 0 when v is i's value */
        }
        ns[r] = (now_ns() - t0) / (double)gets;
        if (hits != gets || sum != 0) {
            fprintf(stderr, "wrong lookups: %" PRIu64 " hits of %" PRIu64 "\n", hits, gets);
            return 1;
        }
        printf("%s run %d: %.2f ns/get\n", LFMAP_LINKED, r, ns[r]);
    }
    qsort(ns, (size_t)runs, sizeof ns[0], cmp_double);
    double med = runs % 2 ? ns[runs / 2] : (ns[runs / 2 - 1] + ns[runs / 2]) / 2;
    printf("{\"bench\":\"readpath\",\"linked\":\"%s\",\"keys\":%" PRIu64 ",\"gets\":%" PRIu64
           ",\"runs\":%d,\"median_ns_per_get\":%.2f,\"min\":%.2f,\"max\":%.2f}\n",
           LFMAP_LINKED, nkeys, gets, runs, med, ns[0], ns[runs - 1]);
    lfmap_free(m);
    free(keys);
    lfmap_thread_unregister();
    return 0;
}
