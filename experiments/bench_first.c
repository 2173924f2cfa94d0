/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench_first: the first figures for lfmap, each measured side by side with
 * plain_map (a single-threaded map with the same layout, experiments/
 * plain_map.h) in the same process, so that the ratio lfmap/plain shows what
 * concurrency safety costs one thread.  A benchmark, not a test: it still
 * exits non-zero when a map returns a wrong answer, because a figure from a
 * wrong map is worthless.
 *
 *   -n LIST  key counts, comma-separated, 1e6 notation accepted ("1000,10000000")
 *   -r N     repetitions (5); the two maps alternate which runs first
 *   -s SEED  seed of keys, access order and map hashing (1)
 *   -o FILE  JSON-lines output (stdout); the human table goes to stderr
 *   -q       quick: keys 1000,100000, 3 repetitions, growth over 1e6 keys
 *   -g N     keys for the growth-latency part (largest -n; quick 1e6)
 *   -w PARTS all|get|insert|growth|memory, comma-separated (all)
 * Long forms and accepted ranges: bench_first --help.  A bad option or value
 * exits with status 64 (LFCLI_EXIT_USAGE) before any work.
 *
 * Parts: get (hit and miss throughput of presized, prefilled maps), insert
 * (into a growing and into a presized map), growth (latency of every insert
 * while a map grows, incremental and stop-the-world, against a presized,
 * prefaulted map's steady state; each run also records its latency over time:
 * the worst and the summed latency of each of 200 windows of consecutive
 * inserts, series_max_ns and series_sum_ns), memory (bytes per key after growth, RSS).  Every record
 * carries its configuration and the environment (bench_env.h); raw per-rep
 * figures come first, then a "median" record per case with the raw arrays.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "lfmap.h"
#include "bench_env.h"
#include "histogram.h"
#include "plain_map.h"
#include "cli.h"

#define MAX_SIZES 16
#define MAX_REPS 101
#define DEFAULT_SIZES "1000,10000000"
#define QUICK_SIZES "1000,100000"
#define DEFAULT_REPS 5
#define QUICK_REPS 3
#define GROWTH_KEYS_QUICK 1000000
/* Largest key count for -n and -g: the key array alone takes 8 bytes a key,
 * each map at least 16 more. */
#define MAX_KEYS 1000000000u
/* Lookups per timed loop: at least 2e6 (tens of ms, far above the timer's
 * resolution and a scheduler tick) and 4 per key, so a large map's lookups
 * cover most of its keys. */
#define GET_MIN_OPS 2000000u
#define GET_OPS_PER_KEY 4u
/* Lookup keys are pre-generated into a buffer that the loop cycles through;
 * 2^22 keys (32 MiB) is bigger than any last-level cache, so repeating it
 * does not make a large map's misses cheaper, and it streams sequentially. */
#define LOOKUP_BUF_MAX ((size_t)1 << 22)
/* Inserts per timed sample: small maps are filled again (fresh maps) until
 * this many inserts have been timed: >= ~20 ms of work per sample.  Not more,
 * because freeing each grown lfmap waits ~10 ms for an RCU barrier. */
#define INSERT_MIN_OPS 500000u
/* Spreads seeds across the key generator's input (golden-ratio increment). */
#define KEY_SEED_STRIDE 0x9e3779b97f4a7c15ull
/* Different random streams for the hit and miss access orders. */
#define HIT_ORDER_SALT 0x68697473ull
#define MISS_ORDER_SALT 0x6d697373ull

enum { PART_GET = 1, PART_INSERT = 2, PART_GROWTH = 4, PART_MEMORY = 8, PART_ALL = 15 };

static struct {
    size_t sizes[MAX_SIZES];
    int nsizes;
    int reps;
    uint64_t seed;
    size_t growth_keys;
    unsigned parts;
} opt;

static FILE *out;
static char *env_json;
static struct bench_timer timer;

#define DIE(...) do { fprintf(stderr, "bench_first: " __VA_ARGS__); fputc('\n', stderr); \
                      exit(EXIT_FAILURE); } while (0)

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (!p)
        DIE("out of memory (%zu bytes)", bytes);
    return p;
}

/* The key generator: a bijection of the index, so keys 0..n-1 are distinct
 * and keys n..2n-1 are guaranteed absent from a map holding the first n.  It
 * is Pelle Evensen's "moremur" finalizer, on purpose unrelated to both the
 * maps' mixer and the splitmix64 that derives their seeds: with splitmix64
 * here, key 3 of seed 1 equalled the map's xor-in word (mix 0). */
static uint64_t key_of(uint64_t i)
{
    uint64_t z = i + opt.seed * KEY_SEED_STRIDE;
    z = (z ^ (z >> 27)) * 0x3c79ac492ba7b653ull;
    z = (z ^ (z >> 33)) * 0x1c69b3f74ac4ae35ull;
    return z ^ (z >> 27);
}

/* Values are derived from keys so a lookup's result can be checked; >> 1
 * keeps them at or below LFMAP_VALUE_MAX. */
static uint64_t value_of(uint64_t key)
{
    return key >> 1;
}

/* Hash seed for both maps: never 0 (lfmap would pick a random one). */
static uint64_t map_seed(void)
{
    return opt.seed * 2 + 1;
}

static uint64_t rand_below(uint64_t *state, uint64_t n)
{
    return (uint64_t)(((unsigned __int128)lf_splitmix64(state) * n) >> 64);
}

/* Allocator for the steady-state maps: tables come back already touched, so
 * their timed inserts measure a resident table rather than first-touch page
 * faults (a growing map's faults stay in its figures: they are part of
 * growing). */
static void *prefault_alloc(size_t size, void *ctx)
{
    (void)ctx;
    size_t rounded = (size + PLAIN_ALIGN - 1) / PLAIN_ALIGN * PLAIN_ALIGN;
    void *p = aligned_alloc(PLAIN_ALIGN, rounded);
    if (p)
        memset(p, 0, rounded);
    return p;
}

static void prefault_free(void *p, size_t size, void *ctx)
{
    (void)size;
    (void)ctx;
    free(p);
}

static const struct lfmap_allocator prefault_allocator = { prefault_alloc, prefault_free, NULL };

static lfmap *lf_new_with(size_t capacity, size_t chunk, const struct lfmap_allocator *a)
{
    struct lfmap_config c = { .capacity = capacity, .seed = map_seed(), .migration_chunk = chunk,
                              .allocator = a };
    lfmap *m = lfmap_new(&c);
    if (!m)
        DIE("lfmap_new(capacity %zu): %s", capacity, strerror(errno));
    return m;
}

static lfmap *lf_new(size_t capacity, size_t chunk)
{
    return lf_new_with(capacity, chunk, NULL);
}

static void pl_init(struct plain_map *m, size_t capacity)
{
    if (plain_init(m, capacity, map_seed()) != 0)
        DIE("plain_init(capacity %zu): out of memory", capacity);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
    double s[MAX_REPS];
    memcpy(s, v, (size_t)n * sizeof *v);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
}

/* ---- records ---------------------------------------------------------- */

static void rec_begin(const char *part, const char *kase, const char *map, size_t n, int rep,
                      uint64_t ops)
{
    fprintf(out, "{\"bench\":\"first\",\"part\":\"%s\",\"case\":\"%s\",\"map\":\"%s\",\"n\":%zu,"
            "\"rep\":", part, kase, map, n);
    if (rep < 0)
        fputs("\"median\"", out);
    else
        fprintf(out, "%d", rep);
    fprintf(out, ",\"reps\":%d,\"seed\":%" PRIu64 ",\"ops\":%" PRIu64, opt.reps, opt.seed, ops);
}

static void rec_end(void)
{
    fprintf(out, ",\"env\":%s}\n", env_json);
    if (ferror(out))
        DIE("write error on the output file");
}

static void rec_array(const char *name, const double *v, int n)
{
    fprintf(out, ",\"%s\":[", name);
    for (int i = 0; i < n; i++)
        fprintf(out, "%s%.3f", i ? "," : "", v[i]);
    fputc(']', out);
}

static void rec_u64_array(const char *name, const uint64_t *v, size_t n)
{
    fprintf(out, ",\"%s\":[", name);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s%" PRIu64, i ? "," : "", v[i]);
    fputc(']', out);
}

/* Non-zero buckets as [highest value, count] pairs: enough to recompute any
 * percentile from the record. */
static void rec_hist(const char *name, const struct histogram *h)
{
    fprintf(out, ",\"%s\":[", name);
    bool first = true;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        if (!h->buckets[i])
            continue;
        fprintf(out, "%s[%" PRIu64 ",%" PRIu64 "]", first ? "" : ",", hist_bucket_high(i),
                h->buckets[i]);
        first = false;
    }
    fputc(']', out);
}

/* Per-rep figures and the median record of one lfmap-vs-plain comparison. */
static void report_pair(const char *part, const char *kase, size_t n, uint64_t ops,
                        const double *lf, const double *pl)
{
    double mlf = median(lf, opt.reps), mpl = median(pl, opt.reps);
    rec_begin(part, kase, "lfmap/plain", n, -1, ops);
    fprintf(out, ",\"lfmap_median_ns\":%.3f,\"plain_median_ns\":%.3f,\"ratio\":%.3f,"
            "\"lfmap_median_mops\":%.3f,\"plain_median_mops\":%.3f",
            mlf, mpl, mlf / mpl, 1e3 / mlf, 1e3 / mpl);
    rec_array("lfmap_ns", lf, opt.reps);
    rec_array("plain_ns", pl, opt.reps);
    rec_end();
    fprintf(stderr, "%-7s %-9s %10zu  lfmap %8.2f ns/op (%7.2f Mops/s)  plain %8.2f ns/op "
            "(%7.2f Mops/s)  ratio %5.2f\n", part, kase, n, mlf, 1e3 / mlf, mpl, 1e3 / mpl, mlf / mpl);
}

/* ---- a) get ----------------------------------------------------------- */

/* Timed lookups cycling through buf; *hits and *sum let the caller check
 * every answer (and keep the compiler from dropping the work). */
static double get_lfmap(lfmap *m, const uint64_t *buf, size_t len, uint64_t ops,
                        uint64_t *hits, uint64_t *sum)
{
    uint64_t h = 0, s = 0, t0 = bench_now_ns();
    for (uint64_t done = 0; done < ops; done += len) {
        size_t chunk = ops - done < len ? (size_t)(ops - done) : len;
        for (size_t j = 0; j < chunk; j++) {
            uint64_t v;
            if (lfmap_get(m, buf[j], &v)) {
                h++;
                s += v;
            }
        }
    }
    uint64_t t1 = bench_now_ns();
    *hits = h;
    *sum = s;
    return (double)(t1 - t0) / (double)ops;
}

static double get_plain(const struct plain_map *m, const uint64_t *buf, size_t len, uint64_t ops,
                        uint64_t *hits, uint64_t *sum)
{
    uint64_t h = 0, s = 0, t0 = bench_now_ns();
    for (uint64_t done = 0; done < ops; done += len) {
        size_t chunk = ops - done < len ? (size_t)(ops - done) : len;
        for (size_t j = 0; j < chunk; j++) {
            uint64_t v;
            if (plain_get(m, buf[j], &v)) {
                h++;
                s += v;
            }
        }
    }
    uint64_t t1 = bench_now_ns();
    *hits = h;
    *sum = s;
    return (double)(t1 - t0) / (double)ops;
}

static void part_get(size_t n, const uint64_t *keys)
{
    uint64_t ops = (uint64_t)n * GET_OPS_PER_KEY > GET_MIN_OPS ? (uint64_t)n * GET_OPS_PER_KEY
                                                                : GET_MIN_OPS;
    size_t len = ops < LOOKUP_BUF_MAX ? (size_t)ops : LOOKUP_BUF_MAX;
    uint64_t *buf = xmalloc(len * sizeof *buf);
    lfmap *lm = lf_new(n, 0);
    struct plain_map pm;
    pl_init(&pm, n);
    for (size_t i = 0; i < n; i++)
        if (lfmap_insert(lm, keys[i], value_of(keys[i])) != 1 ||
            plain_insert(&pm, keys[i], value_of(keys[i])) != 1)
            DIE("get prefill: insert of key %zu failed", i);
    struct lfmap_stats st;
    lfmap_get_stats(lm, &st);
    if (st.size != n || plain_size(&pm) != n)
        DIE("get prefill: sizes %zu / %zu, expected %zu", st.size, plain_size(&pm), n);

    for (int miss = 0; miss <= 1; miss++) {
        const char *kase = miss ? "miss" : "hit";
        uint64_t rng = opt.seed ^ (miss ? MISS_ORDER_SALT : HIT_ORDER_SALT);
        for (size_t j = 0; j < len; j++) {
            uint64_t idx = rand_below(&rng, n);
            buf[j] = miss ? key_of(n + idx) : keys[idx]; /* indices >= n are absent */
        }
        uint64_t want_hits = miss ? 0 : ops, want_sum = 0;
        for (uint64_t done = 0; !miss && done < ops; done += len)
            for (size_t j = 0; j < len && done + j < ops; j++)
                want_sum += value_of(buf[j]);

        double lf[MAX_REPS], pl[MAX_REPS];
        for (int rep = 0; rep < opt.reps; rep++) {
            for (int k = 0; k < 2; k++) {
                bool do_lf = (k == 0) == (rep % 2 == 0); /* alternate who goes first */
                uint64_t hits, sum;
                double ns = do_lf ? get_lfmap(lm, buf, len, ops, &hits, &sum)
                                  : get_plain(&pm, buf, len, ops, &hits, &sum);
                if (hits != want_hits || sum != want_sum)
                    DIE("get %s n=%zu %s: %" PRIu64 " hits (want %" PRIu64 "), checksum %s",
                        kase, n, do_lf ? "lfmap" : "plain", hits, want_hits,
                        sum == want_sum ? "ok" : "WRONG");
                (do_lf ? lf : pl)[rep] = ns;
                rec_begin("get", kase, do_lf ? "lfmap" : "plain", n, rep, ops);
                fprintf(out, ",\"ns_per_op\":%.3f,\"mops\":%.3f,\"hits\":%" PRIu64
                        ",\"checksum\":%" PRIu64 ",\"order\":%d,\"capacity_slots\":%zu"
                        ",\"resizes_prefill\":%" PRIu64, ns, 1e3 / ns, hits, sum, k,
                        do_lf ? st.capacity_slots : plain_capacity_slots(&pm),
                        do_lf ? st.resizes : pm.resizes);
                rec_end();
            }
        }
        report_pair("get", kase, n, ops, lf, pl);
    }
    lfmap_free(lm);
    plain_destroy(&pm);
    free(buf);
}

/* ---- b) insert -------------------------------------------------------- */

/* Fills `rounds` fresh maps with keys[0..n); only the inserts are timed.  The
 * maps live until the end so that no free (and no RCU barrier) runs between
 * timed rounds. */
static double insert_lfmap(size_t n, const uint64_t *keys, size_t capacity, size_t rounds,
                           uint64_t *resizes)
{
    lfmap **ms = xmalloc(rounds * sizeof *ms);
    uint64_t total = 0;
    for (size_t r = 0; r < rounds; r++) {
        ms[r] = lf_new(capacity, 0);
        uint64_t t0 = bench_now_ns();
        for (size_t i = 0; i < n; i++)
            if (lfmap_insert(ms[r], keys[i], value_of(keys[i])) != 1)
                DIE("insert: lfmap_insert of new key %zu did not return 1", i);
        total += bench_now_ns() - t0;
    }
    struct lfmap_stats st;
    lfmap_get_stats(ms[0], &st);
    if (st.size != n)
        DIE("insert: lfmap size %zu, expected %zu", st.size, n);
    *resizes = st.resizes;
    for (size_t r = 0; r < rounds; r++)
        lfmap_free(ms[r]);
    free(ms);
    return (double)total / ((double)rounds * (double)n);
}

static double insert_plain(size_t n, const uint64_t *keys, size_t capacity, size_t rounds,
                           uint64_t *resizes)
{
    struct plain_map *ms = xmalloc(rounds * sizeof *ms);
    uint64_t total = 0;
    for (size_t r = 0; r < rounds; r++) {
        pl_init(&ms[r], capacity);
        uint64_t t0 = bench_now_ns();
        for (size_t i = 0; i < n; i++)
            if (plain_insert(&ms[r], keys[i], value_of(keys[i])) != 1)
                DIE("insert: plain_insert of new key %zu did not return 1", i);
        total += bench_now_ns() - t0;
    }
    if (plain_size(&ms[0]) != n)
        DIE("insert: plain size %zu, expected %zu", plain_size(&ms[0]), n);
    *resizes = ms[0].resizes;
    for (size_t r = 0; r < rounds; r++)
        plain_destroy(&ms[r]);
    free(ms);
    return (double)total / ((double)rounds * (double)n);
}

static void part_insert(size_t n, const uint64_t *keys)
{
    size_t rounds = (INSERT_MIN_OPS + n - 1) / n;
    uint64_t ops = (uint64_t)rounds * n;
    for (int presized = 0; presized <= 1; presized++) {
        const char *kase = presized ? "presized" : "grow";
        size_t capacity = presized ? n : 0;
        double lf[MAX_REPS], pl[MAX_REPS];
        for (int rep = 0; rep < opt.reps; rep++) {
            for (int k = 0; k < 2; k++) {
                bool do_lf = (k == 0) == (rep % 2 == 0);
                uint64_t resizes;
                double ns = do_lf ? insert_lfmap(n, keys, capacity, rounds, &resizes)
                                  : insert_plain(n, keys, capacity, rounds, &resizes);
                (do_lf ? lf : pl)[rep] = ns;
                rec_begin("insert", kase, do_lf ? "lfmap" : "plain", n, rep, ops);
                fprintf(out, ",\"capacity\":%zu,\"rounds\":%zu,\"ns_per_op\":%.3f,\"mops\":%.3f,"
                        "\"resizes\":%" PRIu64 ",\"order\":%d", capacity, rounds, ns, 1e3 / ns,
                        resizes, k);
                rec_end();
            }
        }
        report_pair("insert", kase, n, ops, lf, pl);
    }
}

/* ---- c) growth latency ------------------------------------------------ */

enum { V_LF_STEADY, V_PL_STEADY, V_LF_INCR, V_LF_STW, V_PL_GROWTH, NVARIANTS };

static const struct variant {
    const char *map, *kase;
    bool lfmap, presized;
    size_t chunk; /* lfmap migration_chunk */
} variants[NVARIANTS] = {
    [V_LF_STEADY] = { "lfmap", "steady", true, true, 0 },
    [V_PL_STEADY] = { "plain", "steady", false, true, 0 },
    [V_LF_INCR] = { "lfmap", "growth-incremental", true, false, 0 },
    [V_LF_STW] = { "lfmap", "growth-stop-the-world", true, false, SIZE_MAX },
    [V_PL_GROWTH] = { "plain", "growth-stop-the-world", false, false, 0 },
};

/* Insert latency over time: the timed inserts of a run cut into this many
 * windows of equal insert counts, each with its worst and summed latency. */
#define GROWTH_WINDOWS 200

struct growth_result {
    double p50, p99, p999, max, mean;
    uint64_t max_at, resizes;
    uint64_t win_max[GROWTH_WINDOWS], win_sum[GROWTH_WINDOWS];
    size_t windows, win_inserts;
};

static uint64_t timed_ns(uint64_t t0, uint64_t t1)
{
    uint64_t d = t1 - t0;
    return d > timer.interval_ns ? d - timer.interval_ns : 0;
}

/* Inserts keys[0..n) one at a time, timing each insert into h. */
static struct growth_result growth_run(const struct variant *v, size_t n, const uint64_t *keys,
                                       struct histogram *h)
{
    struct growth_result r = { 0 };
    uint64_t worst = 0;
    r.win_inserts = n / GROWTH_WINDOWS ? n / GROWTH_WINDOWS : 1;
    size_t win = 0, win_left = r.win_inserts;
    hist_reset(h);
    lfmap *lm = NULL;
    struct plain_map pm;
    memset(&pm, 0, sizeof pm);
    if (v->lfmap) {
        lm = lf_new_with(v->presized ? n : 0, v->chunk, v->presized ? &prefault_allocator : NULL);
    } else {
        pl_init(&pm, v->presized ? n : 0);
        if (v->presized) /* prefault, as prefault_alloc does for lfmap */
            memset(pm.slots, 0, plain_table_bytes(plain_capacity_slots(&pm)));
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t val = value_of(keys[i]), t0 = bench_now_ns();
        int rc = lm ? lfmap_insert(lm, keys[i], val) : plain_insert(&pm, keys[i], val);
        uint64_t d = timed_ns(t0, bench_now_ns());
        if (rc != 1)
            DIE("growth %s %s: insert of new key %zu returned %d", v->map, v->kase, i, rc);
        hist_record(h, d);
        if (d > r.win_max[win])
            r.win_max[win] = d;
        r.win_sum[win] += d;
        if (--win_left == 0 && win + 1 < GROWTH_WINDOWS) {
            win++;
            win_left = r.win_inserts;
        }
        if (d > worst) {
            worst = d;
            r.max_at = i;
        }
    }
    if (lm) {
        struct lfmap_stats st;
        lfmap_get_stats(lm, &st);
        r.resizes = st.resizes;
        lfmap_free(lm);
    } else {
        r.resizes = pm.resizes;
        plain_destroy(&pm);
    }
    r.p50 = (double)hist_percentile(h, 50.0);
    r.p99 = (double)hist_percentile(h, 99.0);
    r.p999 = (double)hist_percentile(h, 99.9);
    r.max = (double)h->max;
    r.mean = hist_mean(h);
    r.windows = win + 1;
    return r;
}

static void part_growth(size_t n, const uint64_t *keys)
{
    static struct histogram h;
    double p50[NVARIANTS][MAX_REPS], p99[NVARIANTS][MAX_REPS], p999[NVARIANTS][MAX_REPS],
        mx[NVARIANTS][MAX_REPS];
    fprintf(stderr, "growth: %zu timed inserts per run, timer overhead %" PRIu64 " ns subtracted\n",
            n, timer.interval_ns);
    for (int rep = 0; rep < opt.reps; rep++) {
        for (int k = 0; k < NVARIANTS; k++) {
            int vi = rep % 2 == 0 ? k : NVARIANTS - 1 - k; /* alternate the order */
            const struct variant *v = &variants[vi];
            struct growth_result r = growth_run(v, n, keys, &h);
            p50[vi][rep] = r.p50;
            p99[vi][rep] = r.p99;
            p999[vi][rep] = r.p999;
            mx[vi][rep] = r.max;
            rec_begin("growth", v->kase, v->map, n, rep, n);
            fprintf(out, ",\"capacity\":%zu,\"prefaulted\":%s,\"migration_chunk\":",
                    v->presized ? n : 0, v->presized ? "true" : "false");
            if (!v->lfmap)
                fputs("null", out);
            else
                fprintf(out, "%zu", v->chunk == 0 ? (size_t)LFMAP_DEFAULT_MIGRATION_CHUNK : v->chunk);
            fprintf(out, ",\"p50_ns\":%.0f,\"p99_ns\":%.0f,\"p999_ns\":%.0f,\"max_ns\":%.0f,"
                    "\"mean_ns\":%.1f,\"max_at_insert\":%" PRIu64 ",\"resizes\":%" PRIu64
                    ",\"timer_overhead_ns\":%" PRIu64 ",\"order\":%d",
                    r.p50, r.p99, r.p999, r.max, r.mean, r.max_at, r.resizes, timer.interval_ns, k);
            rec_hist("hist", &h);
            fprintf(out, ",\"series_window_inserts\":%zu", r.win_inserts);
            rec_u64_array("series_max_ns", r.win_max, r.windows);
            rec_u64_array("series_sum_ns", r.win_sum, r.windows);
            rec_end();
        }
    }
    double steady999[2] = { median(p999[V_LF_STEADY], opt.reps), median(p999[V_PL_STEADY], opt.reps) };
    for (int vi = 0; vi < NVARIANTS; vi++) {
        const struct variant *v = &variants[vi];
        double m999 = median(p999[vi], opt.reps);
        double base = steady999[v->lfmap ? 0 : 1];
        rec_begin("growth", v->kase, v->map, n, -1, n);
        fprintf(out, ",\"p50_ns\":%.0f,\"p99_ns\":%.0f,\"p999_ns\":%.0f,\"max_ns\":%.0f,"
                "\"p999_over_steady_p999\":%.3f", median(p50[vi], opt.reps),
                median(p99[vi], opt.reps), m999, median(mx[vi], opt.reps), m999 / base);
        rec_array("p999_ns_reps", p999[vi], opt.reps);
        rec_array("max_ns_reps", mx[vi], opt.reps);
        rec_end();
        fprintf(stderr, "growth  %-5s %-22s p50 %6.0f  p99 %7.0f  p99.9 %8.0f  max %10.0f ns  "
                "p99.9/steady %6.2f\n", v->map, v->kase, median(p50[vi], opt.reps),
                median(p99[vi], opt.reps), m999, median(mx[vi], opt.reps), m999 / base);
    }
}

/* ---- d) memory -------------------------------------------------------- */

static size_t rss_bytes(void)
{
    unsigned long pages_total = 0, pages_resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%lu %lu", &pages_total, &pages_resident) != 2)
            pages_resident = 0;
        fclose(f);
    }
    return (size_t)pages_resident * (size_t)sysconf(_SC_PAGESIZE);
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

static int stop_walk(uint64_t key, uint64_t value, void *arg)
{
    (void)key;
    (void)value;
    (void)arg;
    return 1;
}

static void part_memory(size_t n, const uint64_t *keys)
{
    for (int k = 0; k < 2; k++) {
        bool do_lf = k == 0;
        size_t rss_before = rss_bytes(), size, slots, used, bytes;
        long rss_delta; /* signed: freed memory can make it negative */
        bool was_resizing = false;
        uint64_t resizes;
        if (do_lf) {
            lfmap *m = lf_new(0, 0);
            for (size_t i = 0; i < n; i++)
                if (lfmap_insert(m, keys[i], value_of(keys[i])) != 1)
                    DIE("memory: lfmap_insert of new key %zu failed", i);
            struct lfmap_stats st;
            lfmap_get_stats(m, &st);
            /* "At rest": a migration still running would leave two tables
             * and stats of the old one; lfmap_foreach finishes it first. */
            was_resizing = st.resizing;
            if (was_resizing) {
                lfmap_foreach(m, stop_walk, NULL);
                lfmap_get_stats(m, &st);
            }
            size = st.size, slots = st.capacity_slots, used = st.used_slots;
            bytes = st.table_bytes, resizes = st.resizes;
            /* before the free: retired tables not yet reclaimed count too */
            rss_delta = (long)rss_bytes() - (long)rss_before;
            lfmap_free(m);
        } else {
            struct plain_map m;
            pl_init(&m, 0);
            for (size_t i = 0; i < n; i++)
                if (plain_insert(&m, keys[i], value_of(keys[i])) != 1)
                    DIE("memory: plain_insert of new key %zu failed", i);
            size = plain_size(&m), slots = plain_capacity_slots(&m), used = size;
            bytes = plain_table_bytes(slots), resizes = m.resizes;
            rss_delta = (long)rss_bytes() - (long)rss_before;
            plain_destroy(&m);
        }
        if (size != n)
            DIE("memory: %s size %zu, expected %zu", do_lf ? "lfmap" : "plain", size, n);
        double bpk = (double)bytes / (double)size;
        rec_begin("memory", "grow", do_lf ? "lfmap" : "plain", n, 0, n);
        fprintf(out, ",\"table_bytes\":%zu,\"bytes_per_key\":%.2f,\"capacity_slots\":%zu,"
                "\"used_slots\":%zu,\"load\":%.3f,\"resizes\":%" PRIu64 ",\"rss_delta_bytes\":%ld,"
                "\"peak_rss_kb\":%ld,\"finished_resize\":%s", bytes, bpk, slots, used,
                (double)size / (double)slots, resizes, rss_delta, peak_rss_kb(),
                was_resizing ? "true" : "false");
        rec_end();
        fprintf(stderr, "memory  %-5s %10zu keys: %6.2f bytes/key (table %zu slots, load %.2f, "
                "%" PRIu64 " resizes), RSS %+.1f MiB\n", do_lf ? "lfmap" : "plain", n, bpk,
                slots, (double)size / (double)slots, resizes, (double)rss_delta / 1048576.0);
    }
}

/* ---- main ------------------------------------------------------------- */

static const char *const part_names[] = { "all", "get", "insert", "growth", "memory", NULL };
static const unsigned part_bits[] = { PART_ALL, PART_GET, PART_INSERT, PART_GROWTH, PART_MEMORY };

static int part_item(size_t index, const char *text, void *ctx, struct lfcli_err *err)
{
    (void)index;
    int k = 0;
    if (lfcli_parse_enum("-w/--parts", text, part_names, &k, err) != 0)
        return -1;
    *(unsigned *)ctx |= part_bits[k];
    return 0;
}

static const struct lfcli_option_doc docs[] = {
    { "-n, --sizes LIST", "key counts, comma-separated, 1e6 notation accepted, each\n"
                          "1 .. 1000000000, at most 16\n"
                          "(default " DEFAULT_SIZES "; quick " QUICK_SIZES ")" },
    { "-r, --reps N", "repetitions, 1 .. 101 (default 5; quick 3); the two maps\n"
                      "alternate which runs first" },
    { "-s, --seed N", "seed of keys, access order and map hashing,\n"
                      "0 .. 2^64-1 (default 1)" },
    { "-o, --output FILE", "JSON-lines output (default stdout); the human table\n"
                           "goes to stderr" },
    { "-q, --quick", "keys " QUICK_SIZES ", 3 repetitions, growth over 1e6 keys" },
    { "-g, --growth-keys N", "keys for the growth-latency part, 1 .. 1000000000\n"
                             "(default the largest -n; quick 1000000)" },
    { "-w, --parts LIST", "all, get, insert, growth, memory, comma-separated (default all)" },
    { "-h, --help", "this help" },
};

static void help(void)
{
    lfcli_print_help(stdout,
                     "Usage: bench_first [-n LIST] [-r N] [-s SEED] [-o FILE] [-q] [-g N] [-w PARTS]\n"
                     "The first figures for lfmap, each measured side by side with plain_map\n"
                     "(single-threaded, same layout): get, insert, growth latency, memory.\n"
                     "Exit status: 0 done, 1 a map gave a wrong answer or the run failed,\n"
                     "64 bad usage.",
                     docs, sizeof docs / sizeof docs[0]);
}

static void usage_error(const char *msg)
{
    fprintf(stderr, "bench_first: %s\nTry 'bench_first --help'.\n", msg);
    exit(LFCLI_EXIT_USAGE);
}

int main(int argc, char **argv)
{
    static const struct option long_opts[] = {
        { "sizes", required_argument, NULL, 'n' },
        { "reps", required_argument, NULL, 'r' },
        { "seed", required_argument, NULL, 's' },
        { "output", required_argument, NULL, 'o' },
        { "quick", no_argument, NULL, 'q' },
        { "growth-keys", required_argument, NULL, 'g' },
        { "parts", required_argument, NULL, 'w' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *sizes = NULL, *path = NULL;
    bool quick = false;
    uint64_t reps = 0, growth_keys = 0;
    struct lfcli_err err;
    int c;
    opt.seed = 1;
    opt.parts = PART_ALL;
    opterr = 0; /* our own messages */
    while ((c = getopt_long(argc, argv, ":n:r:s:o:qg:w:h", long_opts, NULL)) != -1) {
        switch (c) {
        case 'n': sizes = optarg; break; /* parsed below: its default depends on -q */
        case 'r':
            if (lfcli_parse_u64("-r/--reps", optarg, 1, MAX_REPS, &reps, &err) != 0)
                usage_error(err.msg);
            break;
        case 's':
            if (lfcli_parse_u64("-s/--seed", optarg, 0, UINT64_MAX, &opt.seed, &err) != 0)
                usage_error(err.msg);
            break;
        case 'o':
            if (!*optarg)
                usage_error("-o/--output: empty file name");
            path = optarg;
            break;
        case 'q': quick = true; break;
        case 'g':
            if (lfcli_parse_u64("-g/--growth-keys", optarg, 1, MAX_KEYS, &growth_keys, &err) != 0)
                usage_error(err.msg);
            break;
        case 'w':
            opt.parts = 0;
            if (lfcli_parse_list("-w/--parts", optarg, 8, part_item, &opt.parts, &err) < 0)
                usage_error(err.msg);
            break;
        case 'h':
            help();
            return 0;
        default: /* ':' a missing value, '?' an unknown option */
            lfcli_getopt_error(c, argv, &err);
            usage_error(err.msg);
        }
    }
    if (lfcli_no_operands(argc, argv, &err) != 0)
        usage_error(err.msg);
    uint64_t size_list[MAX_SIZES];
    int n = lfcli_parse_u64_list("-n/--sizes", sizes ? sizes : quick ? QUICK_SIZES : DEFAULT_SIZES,
                                 1, MAX_KEYS, size_list, MAX_SIZES, &err);
    if (n < 0)
        usage_error(err.msg);
    opt.nsizes = n;
    for (int i = 0; i < n; i++)
        opt.sizes[i] = (size_t)size_list[i];
    opt.reps = reps ? (int)reps : quick ? QUICK_REPS : DEFAULT_REPS;
    size_t n_max = 0;
    for (int i = 0; i < opt.nsizes; i++)
        n_max = opt.sizes[i] > n_max ? opt.sizes[i] : n_max;
    opt.growth_keys = growth_keys ? (size_t)growth_keys : quick ? GROWTH_KEYS_QUICK : n_max;

    out = path ? fopen(path, "w") : stdout;
    if (!out)
        DIE("cannot open %s: %s", path, strerror(errno));
    int rc = lfmap_thread_register();
    if (rc != 0) {
        const char *rcu = getenv("LFMAP_RCU");
        DIE("lfmap_thread_register: %s%s%s%s", strerror(-rc),
            rc == -ENOENT ? " (LFMAP_RCU=" : "", rc == -ENOENT && rcu ? rcu : "",
            rc == -ENOENT ? " names no reclamation scheme)" : "");
    }
    timer = bench_timer_calibrate();
    lfmap *probe_map = lfmap_new(NULL); /* the scheme a map gets without naming one */
    if (!probe_map) {
        const char *rcu = getenv("LFMAP_RCU");
        DIE("lfmap_new: %s%s%s%s", strerror(errno), errno == EINVAL && rcu ? " (LFMAP_RCU=" : "",
            errno == EINVAL && rcu ? rcu : "", errno == EINVAL && rcu ? " names no reclamation scheme)" : "");
    }
    const char *scheme = probe_map ? lfmap_reclamation(probe_map) : NULL;
    env_json = bench_env_json(scheme ? scheme : "unknown", timer);
    lfmap_free(probe_map);
    if (!env_json)
        DIE("cannot build the environment record");
    fprintf(stderr, "bench_first: seed %" PRIu64 ", %d reps, timer %.1f ns/call, env %s\n",
            opt.seed, opt.reps, timer.call_ns, env_json);

    /* Keys for every part: the first k of this array are the k keys of a
     * size-k run, so all parts and sizes share one generator. */
    size_t nkeys = n_max > opt.growth_keys ? n_max : opt.growth_keys;
    uint64_t *keys = xmalloc(nkeys * sizeof *keys);
    for (size_t i = 0; i < nkeys; i++)
        keys[i] = key_of(i);

    for (int i = 0; i < opt.nsizes; i++) {
        if (opt.parts & PART_GET)
            part_get(opt.sizes[i], keys);
        if (opt.parts & PART_INSERT)
            part_insert(opt.sizes[i], keys);
    }
    if (opt.parts & PART_GROWTH)
        part_growth(opt.growth_keys, keys);
    for (int i = 0; i < opt.nsizes && (opt.parts & PART_MEMORY); i++)
        part_memory(opt.sizes[i], keys);

    rec_begin("process", "end", "none", 0, 0, 0);
    fprintf(out, ",\"peak_rss_kb\":%ld", peak_rss_kb());
    rec_end();
    fprintf(stderr, "bench_first: peak RSS %.1f MiB\n", (double)peak_rss_kb() / 1024.0);
    free(keys);
    free(env_json);
    lfmap_thread_unregister();
    if (path && fclose(out) != 0)
        DIE("error closing %s", path);
    return 0;
}
