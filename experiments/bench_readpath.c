/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What does the shared library's read path cost against the static one?
 *
 * The Makefile builds this program twice, as a user's program is built (no
 * LTO, only <lfmap.h>): build/experiments/bench_readpath against liblfmap.a
 * (initial-exec TLS, a direct call) and bench_readpath_shared against
 * liblfmap.so (TLS descriptors, so that dlopen works; a call through the
 * PLT).  One thread, a map of
 * -k keys (default 1024: cache-resident, so the read path dominates), looked
 * up in a fixed scrambled order; every lookup must hit with the key's value.
 * Prints ns per lfmap_get hit for each of -r runs (default 5) and the median.
 * scripts/bench-readpath.sh runs both builds side by side.
 *
 * With -c (--chase) each lookup's key is the previous lookup's value (the
 * values link every key into one cycle), so no two lookups overlap: the time
 * is the latency of one lookup.  Without it the lookups are independent, and
 * when they miss the cache the processor overlaps several of them, as many as
 * its instruction window holds: there the number of instructions per lookup
 * matters more than their latency (results/speed/README.md, "Shared versus
 * static library: the read path").
 *
 *   build/experiments/bench_readpath[_shared] [-r runs] [-k keys] [-n gets] [-c]
 *
 * (--help gives the ranges; a bad option or value exits with status 64.)
 * The option parser (experiments/common/cli.c) is compiled into the program;
 * it plays no part in the timed loop.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "lfmap.h"

#ifndef LFMAP_LINKED
#define LFMAP_LINKED "static"
#endif
#define MAX_RUNS 101
#define DEFAULT_RUNS 5
#define DEFAULT_KEYS 1024
#define DEFAULT_GETS 20000000
#define MAX_KEYS (UINT64_C(1) << 30)
/* At a few ns a lookup: under a minute per run. */
#define MAX_GETS UINT64_C(10000000000)

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The value stored under key i: the next index of one cycle through every
 * key (i -> 5i + 7919 mod 2^k has full period: the multiplier is 1 mod 4 and
 * the increment odd). */
static uint64_t next_index(uint64_t i, uint64_t nkeys)
{
    return (i * 5u + 7919u) & (nkeys - 1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static const struct lfcli_option_doc docs[] = {
    { "-r, --runs N", "timed runs, 1 .. 101 (default 5)" },
    { "-k, --keys N", "keys in the map, a power of two, 1 .. 1073741824 (default 1024)" },
    { "-n, --gets N", "lookups per run, 1 .. 10000000000 (default 20000000;\n"
                      "1e6 notation accepted)" },
    { "-c, --chase", "dependent lookups: each key is the previous lookup's value" },
    { "-h, --help", "this help" },
};

static void help(const char *prog)
{
    char usage[512];
    snprintf(usage, sizeof usage,
             "Usage: %s [-r N] [-k N] [-n N] [-c]\n"
             "ns per lfmap_get hit, one thread, a map of -k keys looked up in a fixed\n"
             "scrambled order; this build links liblfmap %s.\n"
             "Exit status: 0 done, 1 a lookup was wrong or the run failed, 64 bad usage.",
             prog, LFMAP_LINKED);
    lfcli_print_help(stdout, usage, docs, sizeof docs / sizeof docs[0]);
}

static void usage_error(const char *prog, const char *msg)
{
    fprintf(stderr, "%s: %s\nTry '%s --help'.\n", prog, msg, prog);
    exit(LFCLI_EXIT_USAGE);
}

int main(int argc, char **argv)
{
    static const struct option long_opts[] = {
        { "runs", required_argument, NULL, 'r' },
        { "keys", required_argument, NULL, 'k' },
        { "gets", required_argument, NULL, 'n' },
        { "chase", no_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    uint64_t runs_arg = DEFAULT_RUNS, nkeys = DEFAULT_KEYS, gets = DEFAULT_GETS;
    bool chase = false;
    struct lfcli_err err;
    char msg[LFCLI_ERR_LEN + 64];
    int c;
    opterr = 0; /* our own messages */
    while ((c = getopt_long(argc, argv, ":r:k:n:ch", long_opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            chase = true;
            break;
        case 'r':
            if (lfcli_parse_u64("-r/--runs", optarg, 1, MAX_RUNS, &runs_arg, &err) != 0)
                usage_error(prog, err.msg);
            break;
        case 'k':
            if (lfcli_parse_u64("-k/--keys", optarg, 1, MAX_KEYS, &nkeys, &err) != 0)
                usage_error(prog, err.msg);
            if (nkeys & (nkeys - 1)) {
                snprintf(msg, sizeof msg, "-k/--keys: %s is not a power of two (accepted: "
                         "powers of two, 1 .. %" PRIu64 ")", optarg, MAX_KEYS);
                usage_error(prog, msg);
            }
            break;
        case 'n':
            if (lfcli_parse_u64("-n/--gets", optarg, 1, MAX_GETS, &gets, &err) != 0)
                usage_error(prog, err.msg);
            break;
        case 'h':
            help(prog);
            return 0;
        default: /* ':' a missing value, '?' an unknown option */
            lfcli_getopt_error(c, argv, &err);
            usage_error(prog, err.msg);
        }
    }
    if (lfcli_no_operands(argc, argv, &err) != 0)
        usage_error(prog, err.msg);
    int runs = (int)runs_arg;
    int rc = lfmap_thread_register();
    if (rc != 0) {
        const char *rcu = getenv("LFMAP_RCU");
        fprintf(stderr, "%s: lfmap_thread_register: %s%s%s%s\n", prog, strerror(-rc),
                rc == -ENOENT ? " (LFMAP_RCU=" : "", rc == -ENOENT && rcu ? rcu : "",
                rc == -ENOENT ? " names no reclamation scheme)" : "");
        return 1;
    }
    lfmap *m = lfmap_new(&(struct lfmap_config){ .capacity = (size_t)nkeys, .seed = 1 });
    if (!m) {
        const char *rcu = getenv("LFMAP_RCU");
        fprintf(stderr, "%s: lfmap_new(capacity %" PRIu64 "): %s%s%s%s\n", prog, nkeys, strerror(errno),
                errno == EINVAL && rcu ? " (LFMAP_RCU=" : "", errno == EINVAL && rcu ? rcu : "",
                errno == EINVAL && rcu ? " names no reclamation scheme)" : "");
        return 1;
    }
    uint64_t *keys = malloc(nkeys * sizeof *keys);
    if (!keys) {
        fprintf(stderr, "%s: out of memory for %" PRIu64 " keys\n", prog, nkeys);
        return 1;
    }
    for (uint64_t i = 0; i < nkeys; i++) {
        keys[i] = (i * 0x9E3779B97F4A7C15ull) ^ (i >> 3); /* scattered, distinct */
        rc = lfmap_insert(m, keys[i], next_index(i, nkeys));
        if (rc != 1) {
            fprintf(stderr, "%s: lfmap_insert of key %" PRIu64 " returned %d (%s)\n", prog, i, rc,
                    rc < 0 ? strerror(-rc) : "key already present");
            return 1;
        }
    }
    double ns[MAX_RUNS];
    for (int r = 0; r < runs; r++) {
        uint64_t sum = 0, hits = 0, v = 0, i = 0;
        double t0 = now_ns();
        if (chase) {
            for (uint64_t j = 0; j < gets; j++) {
                hits += lfmap_get(m, keys[i], &v);
                sum += v ^ next_index(i, nkeys); /* 0 when v is i's value */
                i = v & (nkeys - 1);
            }
        } else {
            for (uint64_t j = 0; j < gets; j++) {
                i = (j * 7919u) & (nkeys - 1);
                hits += lfmap_get(m, keys[i], &v);
                sum += v ^ next_index(i, nkeys); /* 0 when v is i's value */
            }
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
           ",\"chase\":%s,\"runs\":%d,\"median_ns_per_get\":%.2f,\"min\":%.2f,\"max\":%.2f}\n",
           LFMAP_LINKED, nkeys, gets, chase ? "true" : "false", runs, med, ns[0], ns[runs - 1]);
    lfmap_free(m);
    free(keys);
    lfmap_thread_unregister();
    return 0;
}
