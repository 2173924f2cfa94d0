/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The read-side cost of each reclamation scheme, in nanoseconds per get.
 *
 * One thread, one small map per scheme (prefilled, in cache), every scheme's
 * map alive at once; each repetition times a batch of lfmap_get calls on
 * each map in turn, the schemes in a rotating order (so drift on a noisy
 * machine hits them alike), in two modes:
 *   get     lfmap_get alone (it enters and leaves the scheme's read side);
 *   locked  lfmap_read_lock, lfmap_get, lfmap_read_unlock: what a user who
 *           keeps a pointer value alive pays.
 * Reports the median over repetitions (and min .. max), and the issue's
 * target: the default scheme's get costs at most 2 ns more than that of a
 * scheme with no read side (`leak`: the reference is the first scheme
 * measured that declares no_read_side, rcu/lfrcu.h; median against median,
 * measured side by side).  urcu-qsbr: the thread
 * announces a quiescent state (lfmap_quiescent) between timings, never
 * inside one, as an application would between requests.
 *
 *   build/experiments/bench_scheme_get [-s LIST] [-r N] [-n N] [-k N] [-o FILE]
 *
 * JSON lines (schema "scheme-get/1", experiments/RESULTS-SCHEMA.md) on stdout
 * or into FILE: an env line, one line per timing, one summary line per
 * (scheme, mode) and the target line.  The readable table goes to stderr
 * when -o is given, else the JSON goes to stdout and the table to stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_env.h"
#include "cli.h"
#include "lfmap.h"
#define LFRCU_NO_INLINE_MEMB
#include "lfrcu.h"

#define DEFAULT_REPS 11u
#define MAX_REPS 101u
/* 2e6 gets of ~5-20 ns: 10-40 ms per timing, long against the clock's
 * resolution and short enough that a repetition of 16 timings stays under
 * a second. */
#define DEFAULT_GETS 2000000ull
#define MAX_GETS 10000000000ull
/* 1024 keys: a 2048-slot table (32 KiB) and the key array (8 KiB) stay in
 * L1/L2, so the timing is the get path itself, not cache misses. */
#define DEFAULT_KEYS 1024u
#define MIN_KEYS 16u
#define MAX_KEYS (1u << 20)
#define MAX_SCHEMES 32
#define TARGET_NS 2.0
#define SCHEMA "scheme-get/1"

static volatile uint64_t sink;

enum mode { MODE_GET, MODE_LOCKED, NMODES };
static const char *const mode_names[NMODES] = {"get", "locked"};

static double time_gets(lfmap *m, const uint64_t *keys, uint64_t mask, uint64_t n, enum mode mode)
{
    uint64_t sum = 0, v;
    uint64_t t0 = bench_now_ns();
    if (mode == MODE_GET) {
        for (uint64_t i = 0; i < n; i++)
            if (lfmap_get(m, keys[i & mask], &v))
                sum += v;
    } else {
        for (uint64_t i = 0; i < n; i++) {
            lfmap_read_lock(m);
            if (lfmap_get(m, keys[i & mask], &v))
                sum += v;
            lfmap_read_unlock(m);
        }
    }
    uint64_t t1 = bench_now_ns();
    sink = sum;
    return (double)(t1 - t0) / (double)n;
}

/* Whether the named scheme declares no read side (the reference). */
static bool no_read_side(const char *name)
{
    for (const struct lfrcu_scheme *const *s = lfrcu_schemes(); *s; s++)
        if (strcmp((*s)->name, name) == 0)
            return (*s)->no_read_side;
    return false;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *in, unsigned n, double *lo, double *hi)
{
    double v[MAX_REPS];
    memcpy(v, in, n * sizeof *v);
    qsort(v, n, sizeof *v, cmp_double);
    *lo = v[0];
    *hi = v[n - 1];
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static const struct lfcli_option_doc docs[] = {
    {"-s, --schemes LIST", "reclamation schemes, comma-separated, or 'all' (default all)"},
    {"-r, --reps N", "repetitions, 1 .. 101 (default 11)"},
    {"-n, --gets N", "gets per timing, 1 .. 10000000000 (default 2000000; 1e6 notation accepted)"},
    {"-k, --keys N", "prefilled keys per map, a power of two, 16 .. 1048576 (default 1024)"},
    {"-o, --output FILE", "JSON lines into FILE (appended) instead of stdout"},
    {"-h, --help", "this help"},
};

static void usage_error(const char *msg)
{
    fprintf(stderr, "bench_scheme_get: %s\nTry 'bench_scheme_get --help'.\n", msg);
    exit(LFCLI_EXIT_USAGE);
}

struct opts {
    const char *schemes[MAX_SCHEMES];
    unsigned nschemes;
};

static int scheme_item(size_t index, const char *text, void *ctx, struct lfcli_err *err)
{
    struct opts *o = ctx;
    for (size_t i = 0; lfmap_reclamation_scheme(i); i++) {
        if (strcmp(lfmap_reclamation_scheme(i), text) == 0) {
            for (size_t j = 0; j < index; j++)
                if (o->schemes[j] == lfmap_reclamation_scheme(i))
                    return lfcli_fail(err, "-s/--schemes: '%s' is listed twice", text);
            o->schemes[index] = lfmap_reclamation_scheme(i);
            return 0;
        }
    }
    return lfcli_fail(err, "-s/--schemes: unknown reclamation scheme '%s' (build/lfbench --list-schemes "
                           "lists them)", text);
}

int main(int argc, char **argv)
{
    static const struct option long_opts[] = {
        {"schemes", required_argument, NULL, 's'},
        {"reps", required_argument, NULL, 'r'},
        {"gets", required_argument, NULL, 'n'},
        {"keys", required_argument, NULL, 'k'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static struct opts o;
    uint64_t reps = DEFAULT_REPS, gets = DEFAULT_GETS, nkeys = DEFAULT_KEYS;
    const char *output = NULL;
    struct lfcli_err err;
    char msg[LFCLI_ERR_LEN + 64];
    int opt, n;
    opterr = 0; /* our own messages */
    while ((opt = getopt_long(argc, argv, ":s:r:n:k:o:h", long_opts, NULL)) != -1) {
        switch (opt) {
        case 's':
            if (strcmp(optarg, "all") == 0) {
                o.nschemes = 0;
                for (size_t i = 0; lfmap_reclamation_scheme(i) && o.nschemes < MAX_SCHEMES; i++)
                    o.schemes[o.nschemes++] = lfmap_reclamation_scheme(i);
                break;
            }
            n = lfcli_parse_list("-s/--schemes", optarg, MAX_SCHEMES, scheme_item, &o, &err);
            if (n <= 0)
                usage_error(err.msg);
            o.nschemes = (unsigned)n;
            break;
        case 'r':
            if (lfcli_parse_u64("-r/--reps", optarg, 1, MAX_REPS, &reps, &err) != 0)
                usage_error(err.msg);
            break;
        case 'n':
            if (lfcli_parse_u64("-n/--gets", optarg, 1, MAX_GETS, &gets, &err) != 0)
                usage_error(err.msg);
            break;
        case 'k':
            if (lfcli_parse_u64("-k/--keys", optarg, MIN_KEYS, MAX_KEYS, &nkeys, &err) != 0)
                usage_error(err.msg);
            if (nkeys & (nkeys - 1)) {
                snprintf(msg, sizeof msg, "-k/--keys: %s is not a power of two (accepted: 16 .. 1048576)",
                         optarg);
                usage_error(msg);
            }
            break;
        case 'o':
            if (!*optarg)
                usage_error("-o/--output: empty file name");
            output = optarg;
            break;
        case 'h':
            lfcli_print_help(stdout,
                             "Usage: bench_scheme_get [-s LIST] [-r N] [-n N] [-k N] [-o FILE]\n"
                             "Nanoseconds per lfmap_get under each reclamation scheme: one thread, a\n"
                             "small prefilled map per scheme, schemes interleaved in every repetition;\n"
                             "modes get (lfmap_get) and locked (read_lock, get, read_unlock).\n"
                             "Prints JSON lines (schema scheme-get/1) and, on stderr, the medians and\n"
                             "the target (default scheme <= a scheme without read side, leak, + 2 ns).\n"
                             "Exit status: 0 done, 1 the run failed, 64 bad usage.",
                             docs, sizeof docs / sizeof docs[0]);
            return 0;
        default: /* ':' a missing value, '?' an unknown option */
            lfcli_getopt_error(opt, argv, &err);
            usage_error(err.msg);
        }
    }
    if (lfcli_no_operands(argc, argv, &err) != 0)
        usage_error(err.msg);
    if (o.nschemes == 0)
        for (size_t i = 0; lfmap_reclamation_scheme(i) && o.nschemes < MAX_SCHEMES; i++)
            o.schemes[o.nschemes++] = lfmap_reclamation_scheme(i);
    FILE *out = stdout;
    if (output && !(out = fopen(output, "a"))) {
        snprintf(msg, sizeof msg, "-o/--output: cannot open '%s': %s", output, strerror(errno));
        usage_error(msg);
    }

    int rc = lfmap_thread_register();
    if (rc != 0) {
        const char *env = getenv("LFMAP_RCU");
        fprintf(stderr, "bench_scheme_get: lfmap_thread_register: %s%s%s%s\n", strerror(-rc),
                rc == -ENOENT ? " (LFMAP_RCU=" : "", rc == -ENOENT && env ? env : "",
                rc == -ENOENT ? " names no reclamation scheme)" : "");
        return 1;
    }
    /* The keys, in a random order (splitmix64 draws), and one map per scheme. */
    uint64_t *keys = malloc(nkeys * sizeof *keys);
    lfmap *maps[MAX_SCHEMES];
    if (!keys) {
        fputs("bench_scheme_get: out of memory\n", stderr);
        return 1;
    }
    uint64_t x = 0x6765747321ull;
    for (uint64_t i = 0; i < nkeys; i++) {
        uint64_t z = (x += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        keys[i] = (z ^ (z >> 31)) >> 8; /* distinct in practice; a duplicate only repeats a key */
    }
    for (unsigned s = 0; s < o.nschemes; s++) {
        struct lfmap_config cfg = {.capacity = (size_t)nkeys, .seed = 1, .reclamation = o.schemes[s]};
        maps[s] = lfmap_new(&cfg);
        if (!maps[s]) {
            fprintf(stderr, "bench_scheme_get: lfmap_new(reclamation \"%s\"): %s\n", o.schemes[s], strerror(errno));
            return 1;
        }
        for (uint64_t i = 0; i < nkeys; i++)
            if (lfmap_put(maps[s], keys[i], i, NULL) < 0) {
                fprintf(stderr, "bench_scheme_get: prefill of the %s map failed\n", o.schemes[s]);
                return 1;
            }
        lfmap_quiescent();
    }
    const char *def = lfmap_reclamation_scheme(0);
    struct bench_timer timer = bench_timer_calibrate();
    char *env = bench_env_json(def ? def : "unknown", timer);
    fprintf(out, "{\"schema\":\"%s\",\"kind\":\"env\",\"reps\":%llu,\"gets\":%llu,\"keys\":%llu,\"env\":%s}\n",
            SCHEMA, (unsigned long long)reps, (unsigned long long)gets, (unsigned long long)nkeys,
            env ? env : "null");
    free(env);

    static double ns[MAX_SCHEMES][NMODES][MAX_REPS];
    /* One untimed pass over every map first: page faults and branch history. */
    for (unsigned s = 0; s < o.nschemes; s++)
        for (int md = 0; md < NMODES; md++)
            (void)time_gets(maps[s], keys, nkeys - 1, gets / 4 + 1, (enum mode)md);
    lfmap_quiescent();
    for (unsigned r = 0; r < reps; r++) {
        for (unsigned k = 0; k < o.nschemes; k++) {
            unsigned s = (k + r) % o.nschemes;
            for (int j = 0; j < NMODES; j++) {
                int md = (j + (int)r) % NMODES;
                ns[s][md][r] = time_gets(maps[s], keys, nkeys - 1, gets, (enum mode)md);
                lfmap_quiescent();
                fprintf(out, "{\"schema\":\"%s\",\"kind\":\"timing\",\"scheme\":\"%s\",\"mode\":\"%s\",\"rep\":%u,"
                             "\"ns_per_get\":%.4f}\n",
                        SCHEMA, o.schemes[s], mode_names[md], r, ns[s][md][r]);
            }
        }
        fflush(out);
    }
    fprintf(stderr, "%-12s %14s %22s %14s %22s\n", "scheme", "get ns (med)", "min .. max", "locked ns",
            "min .. max");
    double med[MAX_SCHEMES][NMODES];
    for (unsigned s = 0; s < o.nschemes; s++) {
        double lo[NMODES], hi[NMODES];
        for (int md = 0; md < NMODES; md++) {
            med[s][md] = median(ns[s][md], (unsigned)reps, &lo[md], &hi[md]);
            fprintf(out, "{\"schema\":\"%s\",\"kind\":\"summary\",\"scheme\":\"%s\",\"mode\":\"%s\",\"reps\":%llu,"
                         "\"median_ns\":%.4f,\"min_ns\":%.4f,\"max_ns\":%.4f,\"no_read_side\":%s}\n",
                    SCHEMA, o.schemes[s], mode_names[md], (unsigned long long)reps, med[s][md], lo[md], hi[md],
                    no_read_side(o.schemes[s]) ? "true" : "false");
        }
        fprintf(stderr, "%-12s %14.3f %10.3f .. %8.3f %14.3f %10.3f .. %8.3f\n", o.schemes[s], med[s][0], lo[0],
                hi[0], med[s][1], lo[1], hi[1]);
    }
    int idef = -1, ileak = -1;
    for (unsigned s = 0; s < o.nschemes; s++) {
        if (def && strcmp(o.schemes[s], def) == 0)
            idef = (int)s;
        if (ileak < 0 && no_read_side(o.schemes[s]))
            ileak = (int)s;
    }
    if (idef >= 0 && ileak >= 0) {
        double d = med[idef][MODE_GET] - med[ileak][MODE_GET];
        fprintf(out, "{\"schema\":\"%s\",\"kind\":\"target\",\"default\":\"%s\",\"reference\":\"%s\","
                     "\"mode\":\"get\",\"default_ns\":%.4f,\"leak_ns\":%.4f,\"over_leak_ns\":%.4f,"
                     "\"target_ns\":%.1f,\"met\":%s}\n",
                SCHEMA, def, o.schemes[ileak], med[idef][MODE_GET], med[ileak][MODE_GET], d, TARGET_NS, d <= TARGET_NS ? "true" : "false");
        fprintf(stderr, "target: %s get %.3f ns - %s %.3f ns = %+.3f ns (target <= %.1f ns): %s\n", def,
                med[idef][MODE_GET], o.schemes[ileak], med[ileak][MODE_GET], d, TARGET_NS, d <= TARGET_NS ? "met" : "NOT met");
    }
    for (unsigned s = 0; s < o.nschemes; s++)
        lfmap_free(maps[s]);
    lfmap_thread_unregister();
    free(keys);
    if (out != stdout)
        fclose(out);
    return 0;
}
