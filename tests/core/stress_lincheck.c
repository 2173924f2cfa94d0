/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stress_lincheck: every history of every operation is linearizable, while
 * the table grows and shrinks under it (pitfall 12: return values that are
 * not linearizable).
 *
 * Many short rounds (hundreds of short runs find more rare interleavings than one
 * long soak).  Each round: a fresh capacity-0 map with its own seed and
 * migration chunk; T threads (more than the 2 cores) run a random mix of all
 * seven operations on a few hot keys, so that operations on one key overlap,
 * and between them insert and then remove a range of churn keys of their
 * own, which makes the table grow several times and shrink back during the
 * round.  Every hot-key call (and every call on a few churn keys) is
 * recorded with its invoke and response times; after the round the history
 * goes to the checker in tests/support/lincheck, key by key.  Written values
 * are unique per call, so each read names its write.
 *
 * Fails (and prints a minimal failing history) on any violation, on more
 * than 1% of keys with an "unknown" verdict (search budget exceeded), on a
 * wrong churn result, on an unexpected error, or if the churn did not make
 * the table resize.  passed = keys whose history was checked linearizable.
 *
 * The same program runs the byte-string map (lfmap_bytes): stress_lincheck_bytes
 * is this file built with TEST_BYTE_KEYS (tests/support/keys.h: each key
 * stands for a byte string, the empty one and prefixes of each other among
 * them, and in perturbed builds keys share their whole hash).
 *
 * Environment: LFMAP_LINCHECK_SECONDS (default 3) bounds the wall time (at
 * least MIN_ROUNDS rounds run); LFMAP_LINCHECK_ROUNDS caps the rounds;
 * LFMAP_LINCHECK_THREADS (default 4); LFMAP_TEST_SCALE scales each round's
 * work; LFMAP_TEST_SEED repeats a run's schedule of seeds.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "lfmap.h"
#include "keys.h"
#include "lincheck.h"
#include "testutil.h"

#define X(v) ((unsigned long long)(v))

#define DEFAULT_THREADS 4 /* twice the cores of the reference machine */
#define MAX_THREADS 64
#define DEFAULT_SECONDS 3.0
/* Even a slow (sanitized) run checks this many rounds. */
#define MIN_ROUNDS 10
/* Hot keys per round: few enough that calls on one key overlap (each sees
 * ~400 calls a round), drawn from the first HOT_UNIVERSE tu_key indices (0
 * and UINT64_MAX among them) so rounds differ in which keys are hot. */
#define HOT_KEYS 4
#define HOT_UNIVERSE 64
/* Churn keys start here in the tu_key index space (disjoint from hot keys). */
#define CHURN_BASE 1000000
/* Churn calls per hot call: one keeps the hot calls dense (so they overlap)
 * while the churn still spans the whole round. */
#define CHURN_PER_HOT 1
/* Hot calls per burst (then as many churn calls): of 1, 4, 16 and 64, 16
 * gave the most overlapping calls on the 2-core reference machine. */
#define HOT_BURST 16
/* A remover checks for shrinking every 64 removes (lib: SHRINK_CHECK_PERIOD,
 * counted per thread): each thread removes at least this many per round. */
#define SHRINK_MIN_REMOVES 64
/* Churn keys per thread whose calls are recorded too (single-owner keys:
 * their histories are sequential, but they cross every resize). */
#define CHURN_RECORDED 2
/* Most unknown verdicts tolerated: 1 key in UNKNOWN_DIV. */
#define UNKNOWN_DIV 100
/* A worker samples lfmap_get_stats every STATS_PERIOD calls (cheap, but not
 * free: it sums the live-count stripes). */
#define STATS_PERIOD 32

/* Values: (writer + 1) << 48 | per-writer counter (< 2^24 per round), so
 * every stored value is unique and names its writer.  fetch_add deltas are
 * multiples of 2^24: their sums stay below bit 48 for any realistic round and
 * never collide with the counter field.  The largest value, (64 + 1) << 48
 * plus sums, is far below LFMAP_VALUE_MAX. */
#define VAL_WRITER_SHIFT 48
#define VAL_DELTA_SHIFT 24
#define VAL(writer, ctr) (((uint64_t)(writer) + 1) << VAL_WRITER_SHIFT | (ctr))
/* 1 fetch_add in BIG_ADD_ONE_IN adds nearly LFMAP_VALUE_MAX: it overflows
 * (-EOVERFLOW, map unchanged) or, on a small or absent value, stores a
 * value near the top, which later adds wrap past 2^64 or overflow. */
#define BIG_ADD_ONE_IN 8

/* Operation mix (weights out of their sum): reads dominate, as in use. */
static const struct {
    enum lc_kind kind;
    unsigned weight;
} mix[] = {
    {LC_GET, 25},    {LC_INSERT, 10}, {LC_GET_OR_INSERT, 10}, {LC_PUT, 15},
    {LC_REMOVE, 10}, {LC_CAS, 14},    {LC_FETCH_ADD, 12}, {LC_REMOVE_IF, 8},
};

/* Slots migrated per writer call, by round: the default, one slot (a resize
 * then spans many calls of every thread), a prime, and stop-the-world. */
static const size_t chunks[] = {0, 1, 7, SIZE_MAX};

struct round {
    tmap *map;
    uint64_t seed, index;
    size_t chunk;
    uint64_t hot[HOT_KEYS];
    uint64_t hot_ops, churn_keys; /* per thread */
    atomic_int arrived; /* workers at the start line */
};

struct worker {
    int id;
    struct round *r;
    struct lc_log *log; /* logs[id] */
    /* Round results. */
    uint64_t calls, resizing_samples, peak_slots;
};

static int nthreads;
static unsigned mix_total; /* sum of the weights, set by main */
/* One log per worker, contiguous for lc_merge. */
static struct lc_log logs[MAX_THREADS];

static uint64_t churn_key(int t, uint64_t j, uint64_t per_thread)
{
    return tu_key(CHURN_BASE + (uint64_t)t * per_thread + j);
}

static enum lc_kind pick_kind(struct tu_rng *g)
{
    uint64_t x = tu_below(g, mix_total);
    for (size_t i = 0;; i++) {
        if (x < mix[i].weight)
            return mix[i].kind;
        x -= mix[i].weight;
    }
}

/* What this thread last saw in each hot key, to aim its cas at. */
struct seen {
    bool known;
    uint64_t value;
};

/* One recorded call on a hot key. */
static void hot_call(struct worker *w, struct tu_rng *g, uint64_t *ctr, struct seen *seen)
{
    tmap *m = w->r->map;
    size_t ki = (size_t)tu_below(g, HOT_KEYS);
    uint64_t key = w->r->hot[ki];
    enum lc_kind kind = pick_kind(g);
    uint64_t arg = VAL(w->id, (*ctr)++), expected = 0, out = 0, t0, t1;
    int rc;
    switch (kind) {
    case LC_GET: {
        t0 = lc_now();
        bool found = tmap_get(m, key, &out);
        t1 = lc_now();
        rc = found;
        arg = 0;
        break;
    }
    case LC_INSERT:
        t0 = lc_now();
        rc = tmap_insert(m, key, arg);
        t1 = lc_now();
        break;
    case LC_GET_OR_INSERT:
        t0 = lc_now();
        rc = tmap_get_or_insert(m, key, arg, &out);
        t1 = lc_now();
        break;
    case LC_PUT:
        t0 = lc_now();
        rc = tmap_put(m, key, arg, &out);
        t1 = lc_now();
        break;
    case LC_REMOVE:
        arg = 0;
        t0 = lc_now();
        rc = tmap_remove(m, key, &out);
        t1 = lc_now();
        break;
    case LC_CAS:
        /* Mostly the value last seen (it often still holds), sometimes one
         * that never was. */
        expected = seen[ki].known && !tu_one_in(g, 4) ? seen[ki].value : VAL(w->id, (*ctr)++);
        t0 = lc_now();
        rc = tmap_cas(m, key, expected, arg);
        t1 = lc_now();
        break;
    case LC_REMOVE_IF:
        /* As cas's: mostly the value last seen, sometimes one never stored. */
        arg = 0;
        expected = seen[ki].known && !tu_one_in(g, 4) ? seen[ki].value : VAL(w->id, (*ctr)++);
        t0 = lc_now();
        rc = tmap_remove_if(m, key, expected);
        t1 = lc_now();
        break;
    case LC_FETCH_ADD:
    default:
        arg = tu_one_in(g, BIG_ADD_ONE_IN)
            ? LFMAP_VALUE_MAX - tu_below(g, UINT64_C(1) << VAL_WRITER_SHIFT)
            : (1 + tu_below(g, 1023)) << VAL_DELTA_SHIFT;
        t0 = lc_now();
        rc = tmap_fetch_add(m, key, arg, &out);
        t1 = lc_now();
        break;
    }
    if (!lc_record(w->log, kind, key, arg, expected, rc, out, t0, t1))
        tu_fail_at(__FILE__, __LINE__, "log of thread %d full", w->id);
    /* Track the value this call left or saw (for the next cas). */
    struct seen *s = &seen[ki];
    if (kind == LC_REMOVE || (kind == LC_REMOVE_IF && rc == 1))
        s->known = false;
    else if (kind == LC_PUT || (kind == LC_INSERT && rc == 1) || (kind == LC_CAS && rc == 1))
        *s = (struct seen){true, arg};
    else if ((kind == LC_GET && rc == 1) || kind == LC_GET_OR_INSERT)
        *s = (struct seen){true, out};
    else if (kind == LC_FETCH_ADD && rc >= 0)
        *s = (struct seen){true, out + arg};
}

/* One churn call: the next insert, or the next remove, of this thread's
 * range (exact results: the thread owns these keys). */
static void churn_call(struct worker *w, uint64_t *cursor)
{
    uint64_t n = w->r->churn_keys, j = *cursor % n;
    bool inserting = (*cursor / n) % 2 == 0;
    uint64_t key = churn_key(w->id, j, n), v = VAL(w->id, j), old = 0, t0, t1;
    int rc;
    bool recorded = j < CHURN_RECORDED;
    t0 = recorded ? lc_now() : 0;
    if (inserting)
        rc = tmap_insert(w->r->map, key, v);
    else
        rc = tmap_remove(w->r->map, key, &old);
    t1 = recorded ? lc_now() : 0;
    if (recorded && !lc_record(w->log, inserting ? LC_INSERT : LC_REMOVE, key, inserting ? v : 0,
                               0, rc, old, t0, t1))
        tu_fail_at(__FILE__, __LINE__, "log of thread %d full", w->id);
    if (rc != 1 || (!inserting && old != v))
        tu_fail_at(__FILE__, __LINE__,
                   "round %llu (chunk %zu): churn %s(%#llx) = %d old %#llx (expected 1, %#llx)",
                   X(w->r->index), w->r->chunk, inserting ? "insert" : "remove", X(key), rc,
                   X(old), X(v));
    (*cursor)++;
}

static void sample_stats(struct worker *w)
{
    struct lfmap_stats st;
    tmap_get_stats(w->r->map, &st);
    w->resizing_samples += st.resizing;
    if (st.capacity_slots > w->peak_slots)
        w->peak_slots = st.capacity_slots;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct round *r = w->r;
    struct tu_rng g;
    tu_rng_seed(&g, tu_mix64(r->seed + (uint64_t)w->id * 0x9e3779b97f4a7c15ULL));
    tu_register();
    struct seen seen[HOT_KEYS] = {{0}};
    /* Counters 0 .. churn_keys-1 are the churn values; hot values follow. */
    uint64_t ctr = r->churn_keys, cursor = 0;
    /* Start together: a sleeping barrier's wake-ups trickle in over ~100 us,
     * as long as a round's work, so the threads would mostly run apart.
     * Spinning (yielding, for the threads beyond the cores) avoids that. */
    atomic_fetch_add(&r->arrived, 1);
    while (atomic_load(&r->arrived) < nthreads)
        sched_yield();
    for (uint64_t i = 0; i < r->hot_ops; i += HOT_BURST) {
        /* Bursts: while two threads are both in a hot burst, nearly every
         * call overlaps another on its key. */
        for (uint64_t b = i; b < i + HOT_BURST && b < r->hot_ops; b++)
            hot_call(w, &g, &ctr, seen);
        for (uint64_t b = i; b < i + HOT_BURST && b < r->hot_ops; b++)
            for (int c = 0; c < CHURN_PER_HOT; c++)
                churn_call(w, &cursor);
        if (i % STATS_PERIOD == 0)
            sample_stats(w);
        /* Now and then give the extra threads a turn mid-round. */
        if (tu_one_in(&g, 16))
            sched_yield();
    }
    /* Finish the cycle: remove whatever is still inserted, so the table
     * shrinks back before the round ends. */
    while (cursor % (2 * r->churn_keys) != 0) {
        churn_call(w, &cursor);
        if (cursor % STATS_PERIOD == 0)
            sample_stats(w);
    }
    w->calls = r->hot_ops + cursor;
    tu_unregister();
    return NULL;
}

/* Totals over the run. */
static struct lc_result total;
static uint64_t rounds, calls, resizes, rounds_grown, rounds_shrunk, resizing_samples;
static uint64_t dropped;
static double check_seconds;
/* Violating keys still to be printed in full (a bug can break every round). */
#define MAX_REPORTS 3
static unsigned reports_left = MAX_REPORTS;

/* lfmap_free waits for the RCU callbacks of the tables a map retired (~10 ms
 * with liburcu): more than a round's work.  Maps are freed in batches, so
 * one wait serves them all. */
#define FREE_BATCH 64
static tmap *dead[FREE_BATCH];
static size_t ndead;

static void free_dead(void)
{
    for (size_t i = 0; i < ndead; i++)
        tmap_free(dead[i]);
    ndead = 0;
}

static void free_later(tmap *m)
{
    if (ndead == FREE_BATCH)
        free_dead();
    dead[ndead++] = m;
}

/* What a map holds after a round: only hot keys (the churn removed its own). */
struct leftover {
    const struct round *r;
    uint64_t hot, stray;
};

static int check_leftover(uint64_t key, uint64_t value, void *arg)
{
    struct leftover *l = arg;
    (void)value;
    for (int i = 0; i < HOT_KEYS; i++)
        if (l->r->hot[i] == key) {
            l->hot++;
            return 0;
        }
    l->stray++;
    return 0;
}

static void run_round(uint64_t seed, struct worker *w, uint64_t hot_ops, uint64_t churn_keys)
{
    size_t chunk = chunks[rounds % (sizeof chunks / sizeof chunks[0])];
    struct round r = {.seed = seed, .index = rounds, .chunk = chunk, .hot_ops = hot_ops,
                      .churn_keys = churn_keys};
    struct lfmap_config cfg = {.capacity = 0, .seed = seed, .migration_chunk = chunk};
    r.map = tmap_new(&cfg);
    if (!r.map) {
        perror("lfmap_new");
        exit(2);
    }
    struct tu_rng g;
    tu_rng_seed(&g, seed);
    /* Distinct hot keys; about half of them prefilled. */
    struct lc_initial init[HOT_KEYS];
    size_t ninit = 0;
    for (int i = 0; i < HOT_KEYS; i++) {
        bool dup;
        do {
            r.hot[i] = tu_key(tu_below(&g, HOT_UNIVERSE));
            dup = false;
            for (int j = 0; j < i; j++)
                dup |= r.hot[j] == r.hot[i];
        } while (dup);
        if (tu_one_in(&g, 2)) {
            init[ninit] = (struct lc_initial){r.hot[i], VAL(nthreads, (uint64_t)i)};
            if (tmap_insert(r.map, init[ninit].key, init[ninit].value) != 1)
                tu_fail_at(__FILE__, __LINE__, "prefill of %#llx failed", X(r.hot[i]));
            ninit++;
        }
    }
    struct lfmap_stats st0;
    tmap_get_stats(r.map, &st0);

    pthread_t th[MAX_THREADS];
    for (int t = 0; t < nthreads; t++) {
        lc_log_reset(w[t].log);
        w[t].r = &r;
        w[t].peak_slots = st0.capacity_slots;
        w[t].resizing_samples = 0;
        if (pthread_create(&th[t], NULL, worker_main, &w[t]) != 0) {
            perror("pthread_create");
            exit(2);
        }
    }
    for (int t = 0; t < nthreads; t++)
        pthread_join(th[t], NULL);

    /* foreach finishes a resize still in progress (the last removes may
     * have started a shrink that no later write completed), and every key
     * left must be a hot one. */
    struct leftover left = {.r = &r};
    int frc = tmap_foreach(r.map, check_leftover, &left);
    if (frc != 0 || left.stray)
        tu_fail_at(__FILE__, __LINE__, "round %llu: foreach = %d, %llu keys left that are not hot",
                   X(rounds), frc, X(left.stray));
    struct lfmap_stats st;
    tmap_get_stats(r.map, &st);
    uint64_t peak = st0.capacity_slots;
    for (int t = 0; t < nthreads; t++) {
        peak = w[t].peak_slots > peak ? w[t].peak_slots : peak;
        resizing_samples += w[t].resizing_samples;
        calls += w[t].calls;
        dropped += w[t].log->dropped;
    }
    resizes += st.resizes;
    rounds_grown += peak > st0.capacity_slots;
    rounds_shrunk += st.capacity_slots < peak;
    if (st.resizes == 0)
        tu_fail_at(__FILE__, __LINE__, "round %llu: no resize (churn too small?)", X(rounds));
    if (st.size != left.hot)
        tu_fail_at(__FILE__, __LINE__, "round %llu: size %zu, but foreach saw %llu keys",
                   X(rounds), st.size, X(left.hot));

    struct lc_op *h;
    long n = lc_merge(logs, (size_t)nthreads, &h);
    if (n < 0) {
        fprintf(stderr, "out of memory merging the logs\n");
        exit(2);
    }
    double t0 = tu_now();
    struct lc_options o;
    lc_options_init(&o);
    o.report = reports_left ? stderr : NULL;
    o.max_reports = reports_left;
    o.value_max = LFMAP_VALUE_MAX;
    o.initial = init;
    o.ninitial = ninit;
    struct lc_result res = {0};
    enum lc_verdict v = lc_check(h, (size_t)n, &o, &res);
    check_seconds += tu_now() - t0;
    reports_left -= res.violations < reports_left ? (unsigned)res.violations : reports_left;
    if (v == LC_VIOLATION)
        tu_fail_at(__FILE__, __LINE__,
                   "round %llu (seed %#llx, chunk %zu, %d threads): %llu of %llu keys not "
                   "linearizable (histories above)",
                   X(rounds), X(seed), chunk, nthreads, X(res.violations), X(res.keys));
    tu_tl_pass += res.keys_ok;
    total.keys += res.keys;
    total.keys_ok += res.keys_ok;
    total.violations += res.violations;
    total.unknown += res.unknown;
    total.ops += res.ops;
    total.overlapping += res.overlapping;
    total.states += res.states;
    if (res.max_key_states > total.max_key_states)
        total.max_key_states = res.max_key_states;
    free(h);
    free_later(r.map);
}

static double env_double(const char *name, double dflt)
{
    const char *s = getenv(name);
    if (!s || !*s)
        return dflt;
    char *end;
    double v = strtod(s, &end);
    if (*end || !(v > 0)) {
        fprintf(stderr, "%s=%s is not a positive number; using %g\n", name, s, dflt);
        return dflt;
    }
    return v;
}

int main(void)
{
    uint64_t seed = tu_seed("stress_lincheck", 0x11ec4ec);
    double seconds = env_double("LFMAP_LINCHECK_SECONDS", DEFAULT_SECONDS);
    double max_rounds = env_double("LFMAP_LINCHECK_ROUNDS", 1e18);
    nthreads = (int)env_double("LFMAP_LINCHECK_THREADS", DEFAULT_THREADS);
    if (nthreads < 1 || nthreads > MAX_THREADS) {
        fprintf(stderr, "LFMAP_LINCHECK_THREADS must be 1..%d\n", MAX_THREADS);
        return 2;
    }
    for (size_t i = 0; i < sizeof mix / sizeof mix[0]; i++)
        mix_total += mix[i].weight;
    /* Per thread and round: hot calls (~1/HOT_KEYS of them on each hot key)
     * and one insert-then-remove cycle of the churn keys: 800 keys at the
     * peak with 4 threads, so the table grows 5 times from its minimum, then
     * shrinks.  The minimum keeps >= SHRINK_MIN_REMOVES removes per thread. */
    uint64_t hot_ops = tu_scaled(400, 2 * SHRINK_MIN_REMOVES / CHURN_PER_HOT);
    uint64_t churn_keys = hot_ops * CHURN_PER_HOT / 2;
    printf("stress_lincheck: %d threads, %d hot keys, %llu hot calls and %llu churn keys per "
           "thread and round, %.1f s\n",
           nthreads, HOT_KEYS, X(hot_ops), X(churn_keys), seconds);

    struct worker w[MAX_THREADS];
    memset(w, 0, sizeof w);
    for (int t = 0; t < nthreads; t++) {
        w[t].id = t;
        w[t].log = &logs[t];
        /* hot calls, plus the recorded churn calls (2 per key and cycle). */
        size_t cap = hot_ops + 2 * CHURN_RECORDED * (hot_ops * CHURN_PER_HOT / churn_keys + 2);
        if (lc_log_init(&logs[t], (uint16_t)t, cap) != 0) {
            fprintf(stderr, "out of memory\n");
            return 2;
        }
    }
    tu_register();
    double start = tu_now();
    while (rounds < (uint64_t)max_rounds &&
           (rounds < MIN_ROUNDS || tu_now() - start < seconds)) {
        run_round(tu_mix64(seed + rounds), w, hot_ops, churn_keys);
        rounds++;
    }
    free_dead();
    double wall = tu_now() - start;
    tu_unregister();
    for (int t = 0; t < nthreads; t++)
        lc_log_free(&logs[t]);

    printf("rounds %llu in %.2f s (checking %.2f s): %llu calls, %llu recorded ops checked in "
           "%llu key histories, %llu states explored (most for one key %llu)\n",
           X(rounds), wall, check_seconds, X(calls), X(total.ops), X(total.keys),
           X(total.states), X(total.max_key_states));
    printf("resizes %llu (rounds that grew %llu, shrank %llu), calls sampled during a resize "
           "%llu\n",
           X(resizes), X(rounds_grown), X(rounds_shrunk), X(resizing_samples));
    double share = total.ops ? 100.0 * (double)total.overlapping / (double)total.ops : 0.0;
    printf("recorded ops that overlap another op on their key: %llu (%.1f%%)\n",
           X(total.overlapping), share);
    printf("keys: %s\n", TMAP_KIND);
    printf("violations %llu, unknown %llu, linearizable %llu\n", X(total.violations),
           X(total.unknown), X(total.keys_ok));
    if (dropped)
        tu_fail_at(__FILE__, __LINE__, "%llu calls failed with an unexpected error", X(dropped));
    if (total.unknown * UNKNOWN_DIV > total.keys)
        tu_fail_at(__FILE__, __LINE__, "%llu of %llu keys unknown (search budget exceeded)",
                   X(total.unknown), X(total.keys));
    if (rounds_shrunk == 0 && rounds >= MIN_ROUNDS)
        tu_fail_at(__FILE__, __LINE__, "the table never shrank: the churn missed shrinking");
    return tu_report();
}
