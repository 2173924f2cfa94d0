/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lfbench: the experiments harness.  `lfbench --help` documents
 * the options; README.md ("The harness") the workflow; the record format is
 * experiments/RESULTS-SCHEMA.md.
 *
 * Order of a session: parse and check every option (a bad one stops here
 * with exit status 64), make the allocator the one asked for (jemalloc is
 * preloaded by re-executing), differential-check every map against the
 * plain map (failures are reported and skipped), then run every point
 * (workload x initial size x threads), --repeat times, with the maps in a
 * rotating order inside each repetition.  With --scheme, lfmap is several
 * series, one per reclamation scheme ("lfmap/ck-hp"), each checked and
 * rotated like a map of its own; --values pointer swaps lfmap's adapter for
 * the pointer-value one (maps/map_lfmap.c).
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench_env.h"
#include "bytekeys.h"
#include "c2c.h"
#include "cachecheck.h"
#include "diffcheck.h"
#include "cli.h"
#include "lfmap.h"
#include "locks.h"
#include "map_iface.h"
#include "memprobe.h"
#include "memstats.h"
#include "options.h"
#include "placement.h"
#include "report.h"
#include "runner.h"
#include "workload.h"

#ifndef LFB_JEMALLOC_SO
#define LFB_JEMALLOC_SO "libjemalloc.so.2"
#endif
#ifndef LFB_LIB_VERSIONS
#define LFB_LIB_VERSIONS "{}"
#endif
#ifndef LFMAP_BUILD_CFLAGS
#define LFMAP_BUILD_CFLAGS NULL
#endif

/* Set in the re-executed process so that a failed preload cannot loop. */
#define LFB_REEXEC_ENV "LFBENCH_REEXEC"
/* The differential check: enough operations over few keys that every
 * branch (present/absent, growth from an empty map) is exercised often. */
#define LFB_CHECK_OPS 20000u
#define LFB_CHECK_KEYS 1000u
/* Operation streams per thread: 2^20 entries (8 MiB, larger than the
 * caches, cycled) and at most 2^24 in all. */
/* Each worker replays a precomputed stream of operations, cyclically (no
 * random-number generation in the timed loop).  The stream must be long
 * enough that replaying it does not shrink the set of keys a run touches:
 * with 1M operations and a range of 1e6 keys, inserts reached only about a
 * third of the range, so a map with tombstones never claimed the slots that
 * real churn makes it claim (lfmap then skipped the cleaning migrations it
 * pays in steady state).  So a stream holds LFB_STREAM_PER_KEY operations
 * per key of the range (every key is drawn about that many times, and the
 * chance that a key is never inserted is about e^-8 at 10/90), at least
 * LFB_STREAM_LEN_MIN and at most LFB_STREAM_LEN_MAX, rounded up to a power of
 * two, and all of a point's streams together at most LFB_STREAM_TOTAL_MAX
 * operations (1 GiB). */
#define LFB_STREAM_PER_KEY 16u
#define LFB_STREAM_LEN_MIN ((size_t)1 << 20)
#define LFB_STREAM_LEN_MAX ((size_t)1 << 24)
#define LFB_STREAM_TOTAL_MAX ((size_t)1 << 27)
/* Maps of a point are distinguished in the hash seed too. */
#define LFB_MAP_SEED_SALT 0x6d6170ull
/* Per-map results kept for the median line (--repeat is at most 101). */
#define REPEAT_SLOTS_MAX 101
/* Series of a session: every map, lfmap once per --scheme. */
#define LFB_MAX_SERIES (2 * LFB_MAX_LIST)

static void usage_error(const char *msg)
{
    fprintf(stderr, "lfbench: %s\n", msg);
    exit(LFCLI_EXIT_USAGE);
}

static bool sanitized(void)
{
    return strcmp(bench_sanitizer(), "none") != 0;
}

/* Makes malloc the allocator the options ask for; may re-execute. */
static void setup_allocator(const struct lfb_options *o, char **argv)
{
    bool have = lfb_jemalloc_active();
    if (o->allocator == LFB_ALLOC_GLIBC) {
        if (have)
            usage_error("--allocator glibc: jemalloc is loaded already (LD_PRELOAD?); unset it");
        return;
    }
    if (have)
        return;
    if (getenv(LFB_REEXEC_ENV))
        usage_error("--allocator jemalloc: preloading " LFB_JEMALLOC_SO " did not work; "
                    "install libjemalloc2 or use --allocator glibc");
    const char *old = getenv("LD_PRELOAD");
    char preload[1024];
    snprintf(preload, sizeof preload, "%s%s%s", LFB_JEMALLOC_SO, old && *old ? ":" : "", old ? old : "");
    setenv("LD_PRELOAD", preload, 1);
    setenv(LFB_REEXEC_ENV, "1", 1);
    execv("/proc/self/exe", argv);
    fprintf(stderr, "lfbench: cannot re-execute to preload jemalloc: %s\n", strerror(errno));
    exit(EXIT_FAILURE);
}

/* A map that names no scheme gets LFMAP_RCU's when the environment may choose it (lfmap.h): 0, or -errno (-EINVAL for
 * an unknown name). */
static void *rcu_probe(void *arg)
{
    int *rc = arg;
    lfmap *m = lfmap_new(NULL);
    *rc = m ? 0 : -errno;
    if (m)
        lfmap_free(m);
    return NULL;
}

/* The schemes themselves were checked against lfmap_reclamation_scheme()
 * while parsing; what is left is the environment's default (LFMAP_RCU). */
static void check_rcu(void)
{
    int rc = -1;
    pthread_t t;
    if (pthread_create(&t, NULL, rcu_probe, &rc) == 0)
        pthread_join(t, NULL);
    if (rc != 0) {
        const char *env = getenv("LFMAP_RCU");
        char msg[LFCLI_ERR_LEN + 128];
        snprintf(msg, sizeof msg, "lfmap_new: %s%s%s%s", strerror(-rc),
                 env ? " (LFMAP_RCU=" : "", env ? env : "",
                 env ? " names no reclamation scheme; lfbench --list-schemes lists them)" : "");
        usage_error(msg);
    }
}

/* The scheme a map created without one gets (LFMAP_RCU or the library's
 * default), for the environment record. */
static const char *default_scheme(void)
{
    static char name[LFB_SCHEME_NAME_MAX];
    lfmap *m = lfmap_new(NULL);
    const char *s = m ? lfmap_reclamation(m) : NULL;
    snprintf(name, sizeof name, "%s", s ? s : "unknown");
    if (m)
        lfmap_free(m);
    return name;
}

static FILE *open_output(const struct lfb_options *o, char *path, size_t len)
{
    if (o->output) {
        snprintf(path, len, "%s", o->output);
    } else {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        char stamp[32];
        strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
        /* Beside the program (build/records/ for build/lfbench), a build
         * directory, whatever the current directory is. */
        char dir[448];
        ssize_t n = readlink("/proc/self/exe", dir, sizeof dir);
        char *slash = n > 0 && (size_t)n < sizeof dir - sizeof "/records" ? memrchr(dir, '/', (size_t)n) : NULL;
        if (!slash)
            usage_error("cannot find the program's directory for the default output: give -o FILE");
        strcpy(slash, "/records");
        mkdir(dir, 0777);
        snprintf(path, len, "%s/lfbench-%s.jsonl", dir, stamp);
    }
    FILE *f = fopen(path, "a");
    if (!f) {
        char msg[LFCLI_ERR_LEN + 1024];
        snprintf(msg, sizeof msg, "--output: cannot open '%s': %s", path, strerror(errno));
        usage_error(msg);
    }
    return f;
}

static char *lib_versions_json(void)
{
    static char buf[1024];
    const char *je = lfb_jemalloc_version();
    char jebuf[160];
    if (je)
        snprintf(jebuf, sizeof jebuf, "\"%s\"", je);
    snprintf(buf, sizeof buf, "{\"build\":%s,\"jemalloc_runtime\":%s,\"hwloc_api\":\"%#x\"}",
             LFB_LIB_VERSIONS, je ? jebuf : "null", hwloc_get_api_version());
    return buf;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void fmt_seconds(double s, char *buf, size_t len)
{
    if (s < 0)
        s = 0;
    snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
}

struct point {
    struct lfb_workload w;
    unsigned threads;
    bool presized;
};

/* One series of a session: a map, for lfmap its reclamation scheme, for a
 * lock-based map its lock kind. */
struct series {
    const struct lfb_map_ops *ops;
    const char *scheme; /* NULL = the default */
    unsigned lock_kind; /* 0 = the map's own */
    char name[LFB_SCHEME_NAME_MAX + 32];
};

/* Memory probes already taken: one per series, size and thread count. */
struct probe_memo {
    size_t series;
    uint64_t initial;
    unsigned threads;
    struct lfb_held held;
};

struct session {
    struct lfb_options o;
    struct series maps[LFB_MAX_SERIES];
    size_t nmaps;
    FILE *out;
    struct lfb_record_ctx ctx;
    hwloc_topology_t topo;
    size_t runs_total, runs_done;
    double started;
    struct probe_memo *probes;
    size_t nprobes;
};

static double now_s(void)
{
    return (double)bench_now_ns() / 1e9;
}

static void progress(struct session *ss, const struct point *p, unsigned rep, const char *map)
{
    double elapsed = now_s() - ss->started;
    char eta[32];
    if (ss->runs_done)
        fmt_seconds(elapsed / (double)ss->runs_done * (double)(ss->runs_total - ss->runs_done), eta, sizeof eta);
    else
        snprintf(eta, sizeof eta, "?");
    fprintf(stderr, "[%zu/%zu] %s%s i=%llu n=%u rep %u/%llu %s | %zu runs left, ETA %s\n",
            ss->runs_done + 1, ss->runs_total, p->w.name,
            p->w.kind == LFB_KIND_BULKLOAD ? (p->presized ? "(presized)" : "(growing)") : "",
            (unsigned long long)p->w.initial, p->threads, rep + 1, (unsigned long long)ss->o.repeat, map,
            ss->runs_total - ss->runs_done, eta);
}

static bool map_runs_at(const struct lfb_map_ops *m, unsigned threads)
{
    return !m->max_threads || threads <= m->max_threads;
}

/* The memory probe of series mi at this point (memprobe.h), taken once per
 * series, size and thread count; measured = false when it failed or was
 * turned off. */
static const struct lfb_held *held_of(struct session *ss, size_t mi, const struct point *p)
{
    static const struct lfb_held none;
    if (ss->o.no_probe || ss->o.probe_memory)
        return &none;
    uint64_t keys = p->w.initial;
    for (size_t i = 0; i < ss->nprobes; i++)
        if (ss->probes[i].series == mi && ss->probes[i].initial == keys && ss->probes[i].threads == p->threads)
            return &ss->probes[i].held;
    struct probe_memo *grown = realloc(ss->probes, (ss->nprobes + 1) * sizeof *grown);
    if (!grown)
        return &none;
    ss->probes = grown;
    struct probe_memo *pm = &ss->probes[ss->nprobes++];
    const struct series *se = &ss->maps[mi];
    struct lfb_memprobe_req req = {
        .map = se->ops->name, .scheme = se->scheme, .lock_kind = se->lock_kind,
        .pointer_values = se->ops->value_counts != NULL, .glibc = ss->o.allocator == LFB_ALLOC_GLIBC,
        .keys = keys, .seed = ss->o.seed, .threads = p->threads,
        .byte_keys = lfb_map_key_kind(se->ops) == LFB_KEYS_BYTES, .cache = lfb_map_key_kind(se->ops) == LFB_KEYS_CACHE,
        .key_len_min = ss->o.key_len_min, .key_len_max = ss->o.key_len_max,
        .value_len_min = ss->o.value_len_min, .value_len_max = ss->o.value_len_max,
    };
    struct lfcli_err err;
    *pm = (struct probe_memo){.series = mi, .initial = keys, .threads = p->threads};
    if (lfb_memprobe(&req, &pm->held, &err) != 0)
        fprintf(stderr, "lfbench: %s (memory.held will be null)\n", err.msg);
    return &pm->held;
}

static void run_point(struct session *ss, const struct point *p)
{
    const struct lfb_options *o = &ss->o;
    struct lfb_perm perm;
    lfb_perm_init(&perm, p->w.range, o->seed);
    int *cpus = calloc(p->threads, sizeof *cpus);
    struct lfcli_err err;
    if (lfb_placement_plan(ss->topo, o->pin, p->threads, cpus, &err) != 0) {
        fprintf(stderr, "lfbench: %s\n", err.msg);
        exit(EXIT_FAILURE);
    }
    size_t len = LFB_STREAM_LEN_MIN;
    while (len < LFB_STREAM_LEN_MAX && len < (size_t)p->w.range * LFB_STREAM_PER_KEY)
        len <<= 1;
    while (len > 1 && len * p->threads > LFB_STREAM_TOTAL_MAX)
        len >>= 1;
    uint64_t **streams = calloc(p->threads, sizeof *streams);
    bool streamed = p->w.kind != LFB_KIND_BULKLOAD && p->w.kind != LFB_KIND_CHURN;
    for (unsigned t = 0; t < p->threads && streamed; t++) {
        streams[t] = malloc(len * sizeof **streams);
        if (!streams[t]) {
            fputs("lfbench: out of memory for the operation streams\n", stderr);
            exit(EXIT_FAILURE);
        }
    }
    static double mops[LFB_MAX_SERIES][REPEAT_SLOTS_MAX];
    static uint64_t p99r[LFB_MAX_SERIES][REPEAT_SLOTS_MAX], p99w[LFB_MAX_SERIES][REPEAT_SLOTS_MAX];
    unsigned nres[LFB_MAX_SERIES] = {0};

    printf("\n== %s%s, initial %llu, range %llu, %u thread(s), pin %s (cpus", p->w.name,
           p->w.kind == LFB_KIND_BULKLOAD ? (p->presized ? " presized" : " growing") : "",
           (unsigned long long)p->w.initial, (unsigned long long)p->w.range, p->threads, ss->ctx.pin);
    for (unsigned t = 0; t < p->threads; t++)
        printf(" %d", cpus[t]);
    printf(")\n%-16s %3s %9s %14s %9s %9s %11s %11s\n", "map", "rep", "Mops/s", "upd att/eff %",
           "p99 rd", "p99 wr", "c2c ns", "retired pk");
    for (unsigned rep = 0; rep < o->repeat; rep++) {
        uint64_t stream_seed = lfb_stream_seed(o->seed, rep);
        for (unsigned t = 0; t < p->threads && streamed; t++)
            lfb_stream_fill(&p->w, &perm, stream_seed, t, streams[t], len);
        for (size_t k = 0; k < ss->nmaps; k++) {
            size_t mi = (k + rep) % ss->nmaps; /* rotate: no map always first */
            const struct series *se = &ss->maps[mi];
            const struct lfb_map_ops *m = se->ops;
            if (!map_runs_at(m, p->threads))
                continue;
            progress(ss, p, rep, se->name);
            struct lfb_run_spec spec = {
                .ops = m, .w = &p->w, .perm = &perm, .threads = p->threads,
                .streams = streams, .stream_len = len,
                .duration_s = p->w.kind == LFB_KIND_BULKLOAD ? o->duration_s * o->bulk_cap_factor : o->duration_s,
                .presized = p->presized, .map_seed = o->seed ^ (LFB_MAP_SEED_SALT + mi), .cpus = cpus,
                .mem = &o->mem, .sample_every = (unsigned)o->sample_every,
                .timer_interval_ns = ss->ctx.timer_interval_ns,
                .scheme = se->scheme, .pointer_values = m->value_counts != NULL,
                .monitor_ms = o->monitor_ms, .timeseries = o->timeseries, .stall_s = o->stall_s,
                .warmup_s = o->warmup_s,
                .stream_seed = stream_seed, .ops_limit = o->ops_limit, .lock_kind = se->lock_kind,
                .prefetch_keys = lfb_map_key_kind(m) != LFB_KEYS_U64,
            };
            ss->ctx.series = se->name;
            ss->ctx.scheme = se->scheme;
            ss->ctx.held = held_of(ss, mi, p);
            int ca, cb;
            lfb_c2c_default_cpus(&ca, &cb);
            if (p->threads > 1 && cpus[0] >= 0 && cpus[1] >= 0 && cpus[0] != cpus[1]) {
                ca = cpus[0];
                cb = cpus[1];
            }
            ss->ctx.c2c_before_ns = p->threads > 1 ? lfb_c2c_round_trip_ns(ca, cb) : -1;
            struct lfb_run_result r;
            int rc = lfb_run(&spec, &r, &err);
            ss->ctx.c2c_after_ns = p->threads > 1 ? lfb_c2c_round_trip_ns(ca, cb) : -1;
            ss->runs_done++;
            if (rc != 0) {
                fprintf(stderr, "lfbench: %s\n", err.msg);
                ss->ctx.status = "run_failed";
                lfb_write_skip(ss->out, &ss->ctx, m->name, err.msg);
                ss->ctx.status = "ok";
                lfb_run_result_free(&r);
                continue;
            }
            ss->ctx.repeat_index = rep;
            lfb_write_record(ss->out, &ss->ctx, &spec, &r);
            double tp = lfb_throughput_mops(&r);
            uint64_t pr = hist_percentile(r.read_hist, 99), pw = hist_percentile(r.write_hist, 99);
            char retired[32] = "-";
            if (r.monitor.samples && r.monitor.peak_retired_bytes >= 0)
                snprintf(retired, sizeof retired, "%.1fMB", (double)r.monitor.peak_retired_bytes / 1e6);
            printf("%-16s %3u %9.3f %6.1f/%6.1f %9llu %9llu %5.0f/%5.0f %11s%s\n", se->name, rep + 1, tp,
                   r.c.ops ? 100.0 * (double)r.c.writes / (double)r.c.ops : 0,
                   r.c.ops ? 100.0 * (double)r.c.writes_effective / (double)r.c.ops : 0,
                   (unsigned long long)pr, (unsigned long long)pw, ss->ctx.c2c_before_ns,
                   ss->ctx.c2c_after_ns, retired, r.completed ? "" : "  (bulkload cut at the time cap)");
            fflush(stdout);
            if (rep < REPEAT_SLOTS_MAX) {
                mops[mi][nres[mi]] = tp;
                p99r[mi][nres[mi]] = pr;
                p99w[mi][nres[mi]] = pw;
                nres[mi]++;
            }
            lfb_run_result_free(&r);
        }
    }
    if (o->repeat > 1) {
        printf("-- median of %llu (min .. max)\n", (unsigned long long)o->repeat);
        for (size_t mi = 0; mi < ss->nmaps; mi++) {
            unsigned n = nres[mi];
            if (!n)
                continue;
            double sorted[REPEAT_SLOTS_MAX], r99[REPEAT_SLOTS_MAX], w99[REPEAT_SLOTS_MAX];
            for (unsigned j = 0; j < n; j++) {
                sorted[j] = mops[mi][j];
                r99[j] = (double)p99r[mi][j];
                w99[j] = (double)p99w[mi][j];
            }
            qsort(sorted, n, sizeof sorted[0], cmp_double);
            qsort(r99, n, sizeof r99[0], cmp_double);
            qsort(w99, n, sizeof w99[0], cmp_double);
            printf("%-16s     %9.3f (%.3f .. %.3f)  p99 rd %.0f  wr %.0f ns\n", ss->maps[mi].name,
                   sorted[n / 2], sorted[0], sorted[n - 1], r99[n / 2], w99[n / 2]);
        }
    }
    for (unsigned t = 0; t < p->threads; t++)
        free(streams[t]);
    free(streams);
    free(cpus);
}

/* --dump-streams: what every thread of every point and repetition would
 * run, in the form the Go program's --dump-streams prints (tests/harness/go_streams.sh
 * compares them): a header line per thread, then "OP KEY" per entry. */
static int dump_streams(const struct lfb_options *o)
{
    size_t len = (size_t)o->dump_streams;
    uint64_t *buf = malloc(len * sizeof *buf);
    if (!buf) {
        fputs("lfbench: out of memory for --dump-streams\n", stderr);
        return EXIT_FAILURE;
    }
    for (size_t wi = 0; wi < o->nworkloads; wi++) {
        for (size_t ii = 0; ii < o->ninitial; ii++) {
            struct lfb_workload w;
            lfb_options_workload(o, o->workloads[wi], o->initial[ii], &w);
            struct lfb_perm perm;
            lfb_perm_init(&perm, w.range, o->seed);
            for (size_t ti = 0; ti < o->nthreads; ti++) {
                unsigned threads = (unsigned)o->threads[ti];
                for (unsigned rep = 0; rep < o->repeat; rep++) {
                    uint64_t seed = lfb_stream_seed(o->seed, rep);
                    for (unsigned t = 0; t < threads; t++) {
                        size_t n = len;
                        if (w.kind == LFB_KIND_BULKLOAD) {
                            for (n = 0; n < len && (buf[n] = lfb_bulk_entry(&perm, w.initial, t, threads, n)); n++)
                                ;
                        } else if (w.kind == LFB_KIND_CHURN) {
                            struct lfb_churn c;
                            lfb_churn_init(&c, &w, &perm, seed, t, threads);
                            for (size_t i = 0; i < len; i++)
                                buf[i] = lfb_churn_next(&c);
                        } else {
                            lfb_stream_fill(&w, &perm, seed, t, buf, len);
                        }
                        printf("# workload=%s initial=%llu range=%llu threads=%u rep=%u thread=%u\n", w.name,
                               (unsigned long long)w.initial, (unsigned long long)w.range, threads, rep, t);
                        for (size_t i = 0; i < n; i++)
                            printf("%s %llu\n", lfb_op_names[lfb_op_of(buf[i])],
                                   (unsigned long long)lfb_key_from(buf[i]));
                    }
                }
            }
        }
    }
    free(buf);
    return fflush(stdout) == 0 ? 0 : EXIT_FAILURE;
}

static size_t count_runs(const struct session *ss)
{
    const struct lfb_options *o = &ss->o;
    size_t n = 0;
    for (size_t wi = 0; wi < o->nworkloads; wi++) {
        struct lfb_workload w;
        lfb_workload_preset(&w, o->workloads[wi]);
        size_t variants = w.kind == LFB_KIND_BULKLOAD ? 2 : 1;
        for (size_t ti = 0; ti < o->nthreads; ti++)
            for (size_t mi = 0; mi < ss->nmaps; mi++)
                if (map_runs_at(ss->maps[mi].ops, (unsigned)o->threads[ti]))
                    n += variants * o->ninitial * o->repeat;
    }
    return n;
}

int main(int argc, char **argv)
{
    static struct session ss;
    struct lfcli_err err;
    if (lfb_options_parse(argc, argv, &ss.o, &err) != 0)
        usage_error(err.msg);
    struct lfb_options *o = &ss.o;
    if (o->help) {
        lfb_options_help(stdout);
        return 0;
    }
    if (o->list_maps) {
        for (size_t i = 0; i < lfb_map_count; i++)
            puts(lfb_maps[i]->name);
        for (size_t i = 0; i < lfb_byte_map_count; i++)
            puts(lfb_byte_maps[i]->name);
        for (size_t i = 0; i < lfb_cache_map_count; i++)
            puts(lfb_cache_maps[i]->name);
        return 0;
    }
    if (o->list_schemes) {
        for (size_t i = 0; lfmap_reclamation_scheme(i); i++)
            puts(lfmap_reclamation_scheme(i));
        return 0;
    }
    /* A sanitizer's allocator (quarantine, shadow memory) makes resident
     * memory say nothing about a map: no memory probe. */
    if (sanitized())
        o->no_probe = true;
    if (sanitized() && o->allocator == LFB_ALLOC_JEMALLOC) {
        /* A sanitizer replaces malloc itself; jemalloc cannot be put under it. */
        o->allocator = LFB_ALLOC_GLIBC;
        fputs("lfbench: sanitizer build: using glibc malloc (jemalloc cannot run under a sanitizer)\n", stderr);
    }
    if (lfb_mempolicy_check(&o->mem, &err) != 0)
        usage_error(err.msg);
    if (o->dump_streams)
        return dump_streams(o);
    check_rcu();
    setup_allocator(o, argv); /* may re-execute; everything above is cheap */
    /* The key set of the byte-key maps and caches: built once, before the
     * checks, the memory probe's first reading and every run, so that no
     * record counts it as a map's memory or time. */
    if (lfb_options_need_keys(o)) {
        if (lfb_keyset_build(&lfb_keys, lfb_options_key_count(o, LFB_CHECK_KEYS), o->key_len_min, o->key_len_max,
                             o->value_len_min, o->value_len_max, o->seed) != 0) {
            fputs("lfbench: out of memory for the key set\n", stderr);
            return EXIT_FAILURE;
        }
        lfb_keys.ttl_s = o->ttl_s;
    }
    if (o->probe_memory)
        return lfb_memprobe_child(o);
    char out_path[512];
    ss.out = open_output(o, out_path, sizeof out_path);

    if (hwloc_topology_init(&ss.topo) != 0 || hwloc_topology_load(ss.topo) != 0) {
        fputs("lfbench: hwloc cannot read this machine's topology\n", stderr);
        return EXIT_FAILURE;
    }
    struct bench_timer timer = bench_timer_calibrate();
    char *env = bench_env_json(default_scheme(), timer);
    char mem_name[32];
    lfb_mempolicy_name(&o->mem, mem_name, sizeof mem_name);
    ss.ctx = (struct lfb_record_ctx){
        .env_json = env, .lib_versions = lib_versions_json(),
        .allocator = o->allocator == LFB_ALLOC_JEMALLOC ? "jemalloc" : "glibc",
        .pin = lfb_pin_names[o->pin], .mem = mem_name, .repeat_count = (unsigned)o->repeat,
        .seed = o->seed, .c2c_before_ns = -1, .c2c_after_ns = -1, .timer_call_ns = timer.call_ns,
        .timer_interval_ns = timer.interval_ns, .sample_every = (unsigned)o->sample_every, .status = "ok",
        .profile_locks = o->profile_locks,
    };
    printf("lfbench: %zu map(s), allocator %s, pin %s, mem %s, %d NUMA node(s), timer %.1f ns/call "
           "(%llu ns subtracted per sample, 1 op in %llu sampled), results -> %s\n",
           o->nmaps, ss.ctx.allocator, ss.ctx.pin, mem_name, lfb_numa_nodes(), timer.call_ns,
           (unsigned long long)timer.interval_ns, (unsigned long long)o->sample_every, out_path);

    /* The series: every map, once per scheme of its own that --scheme
     * names (lfmap: the library's; xenium: its own list, all of them when
     * --scheme names none of them), a lock-based map once per --lock-kind
     * it takes; with --profile-locks, the profiled copies of the lock-based
     * maps only. */
    static struct series all[LFB_MAX_SERIES];
    size_t nall = 0;
    for (size_t i = 0; i < o->nmaps; i++) {
        const struct lfb_map_ops *m = o->maps[i];
        if (o->values == LFB_VALUES_POINTER && m->pointer_variant)
            m = m->pointer_variant;
        if (o->profile_locks) {
            const struct lfb_map_ops *pm = lfb_map_profiled(m);
            if (!pm) {
                printf("lfbench: --profile-locks: %s takes no lock of its own to profile; left out\n", m->name);
                continue;
            }
            m = pm;
        }
        unsigned kinds[LFB_MAX_LIST] = {0};
        size_t nkinds = 0;
        for (size_t k = 0; k < o->nlock_kinds; k++)
            if (m->lock_kinds & LFB_LOCK_BIT(o->lock_kinds[k]))
                kinds[nkinds++] = o->lock_kinds[k];
        const char *names[LFB_MAX_LIST];
        size_t nnames = lfb_map_schemes(o, m, names);
        size_t variants = nnames ? nnames : nkinds ? nkinds : 1;
        for (size_t k = 0; k < variants && nall < LFB_MAX_SERIES; k++) {
            struct series *se = &all[nall++];
            se->ops = m;
            se->scheme = nnames ? names[k] : NULL;
            se->lock_kind = nnames ? 0 : kinds[k];
            if (se->scheme)
                snprintf(se->name, sizeof se->name, "%s/%s", m->name, se->scheme);
            else if (se->lock_kind)
                snprintf(se->name, sizeof se->name, "%s/%s", m->name, lfb_lock_kind_names[se->lock_kind]);
            else
                snprintf(se->name, sizeof se->name, "%s", m->name);
        }
    }
    for (size_t i = 0; i < nall; i++) {
        struct series *se = &all[i];
        ss.ctx.series = se->name;
        ss.ctx.scheme = se->scheme;
        /* A cache is checked as a cache (its get is a get-then-set). */
        bool cache = lfb_map_key_kind(se->ops) == LFB_KEYS_CACHE;
        int failed = o->no_check ? 0
                     : cache     ? lfb_check_cache(se->ops, se->scheme, LFB_CHECK_KEYS, &err)
                                 : lfb_check_differential_config(se->ops, se->scheme, se->lock_kind, LFB_CHECK_OPS,
                                                                 LFB_CHECK_KEYS, o->seed, &err);
        if (failed != 0) {
            printf("lfbench: %s FAILED the %s check and is skipped: %s\n", se->name, cache ? "cache" : "differential",
                   err.msg);
            ss.ctx.status = "failed_check";
            lfb_write_skip(ss.out, &ss.ctx, se->ops->name, err.msg);
            ss.ctx.status = "ok";
            continue;
        }
        ss.maps[ss.nmaps++] = *se;
    }
    if (!o->no_check)
        printf("lfbench: differential check (%u ops over %u keys vs the plain map; caches: the cache check, "
               "cachecheck.h): %zu of %zu series passed\n",
               LFB_CHECK_OPS, LFB_CHECK_KEYS, ss.nmaps, nall);
    if (ss.nmaps == 0) {
        fputs("lfbench: no map left to run\n", stderr);
        return EXIT_FAILURE;
    }
    for (size_t mi = 0; mi < ss.nmaps; mi++)
        for (size_t ti = 0; ti < o->nthreads; ti++)
            if (!map_runs_at(ss.maps[mi].ops, (unsigned)o->threads[ti]))
                printf("lfbench: %s is skipped at %llu threads (it runs with at most %u)\n",
                       ss.maps[mi].name, (unsigned long long)o->threads[ti], ss.maps[mi].ops->max_threads);

    ss.runs_total = count_runs(&ss);
    ss.started = now_s();
    for (size_t wi = 0; wi < o->nworkloads; wi++) {
        for (size_t ii = 0; ii < o->ninitial; ii++) {
            for (size_t ti = 0; ti < o->nthreads; ti++) {
                struct point p = {.threads = (unsigned)o->threads[ti]};
                lfb_options_workload(o, o->workloads[wi], o->initial[ii], &p.w);
                unsigned variants = p.w.kind == LFB_KIND_BULKLOAD ? 2 : 1;
                for (unsigned v = 0; v < variants; v++) {
                    p.presized = v == 1;
                    run_point(&ss, &p);
                }
            }
        }
    }
    char took[32];
    fmt_seconds(now_s() - ss.started, took, sizeof took);
    printf("\nlfbench: %zu runs in %s; records in %s\n", ss.runs_done, took, out_path);
    fclose(ss.out);
    free(ss.probes);
    free(env);
    hwloc_topology_destroy(ss.topo);
    lfb_keyset_free(&lfb_keys);
    return 0;
}
