/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stress_readers: readers never miss a key that is never removed, while
 * other keys churn and the table grows and shrinks under them (pitfalls 3, 4,
 * 5 and 12: a lookup that lands on a frozen or moved slot, or on a table that
 * was dropped too early, reports "absent" or a stale value).
 *
 * Stable keys are inserted first and never removed; their single owner (a
 * writer) keeps overwriting them with increasing sequence numbers.  Writers
 * insert and then remove their own range of churn keys, several times, on a
 * capacity-0 map.  Readers check continuously that
 *   - every stable key is found, with a value that belongs to it, and the
 *     sequence numbers one reader sees for one key never go backwards;
 *   - a churn key, when found, has a value that belongs to it;
 *   - a key that is never inserted is never found.
 * Writers check their own results exactly.  Enough resizes must happen.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "lfmap.h"
#include "testutil.h"

#define NWRITERS 3
#define NREADERS 4
#define CYCLES 6
#define X(v) ((unsigned long long)(v))

static lfmap *map;
static uint64_t seed, nstable, nchurn;
static atomic_int writers_left = NWRITERS;
/* Writers switch between insert-only and remove-only phases together, so the
 * live count really swings between nstable and nstable + nchurn and the table
 * grows and shrinks every cycle (a phase switch: on 2 cores, the surest way to
 * force grow/shrink cycles). */
static pthread_barrier_t phase_barrier;
static atomic_uint_fast64_t total_reads;

/* Index ranges: stable [0, nstable), churn [nstable, nstable + nchurn),
 * never inserted [nstable + nchurn, +nstable). */
static uint64_t never_base(void)
{
    return nstable + nchurn;
}

struct writer {
    int id;
    uint64_t *stable_val; /* last value written to each owned stable key */
    uint64_t seq;
    struct tu_rng g;
};

/* Overwrite one owned stable key with the next sequence number. */
static void bump_stable(struct writer *w)
{
    uint64_t owned = (nstable - (uint64_t)w->id + NWRITERS - 1) / NWRITERS;
    uint64_t i = tu_below(&w->g, owned), j = (uint64_t)w->id + i * NWRITERS;
    uint64_t key = tu_key(j), v = tu_val(key, ++w->seq), old = 0;
    int rc = lfmap_put(map, key, v, &old);
    TU_CHECK(rc == 0 && old == w->stable_val[i], "put(stable %#llx) = %d old %#llx, expected %#llx",
             X(key), rc, X(old), X(w->stable_val[i]));
    w->stable_val[i] = v;
}

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    tu_register();
    const uint64_t first = nstable + (uint64_t)w->id, end = nstable + nchurn;
    for (int c = 0; c < CYCLES; c++) {
        for (uint64_t j = first; j < end; j += NWRITERS) {
            uint64_t key = tu_key(j);
            TU_CHECK(lfmap_insert(map, key, tu_val(key, (uint64_t)c)) == 1,
                     "churn insert(%#llx) != 1", X(key));
            if (j % 16 == 0)
                bump_stable(w);
        }
        pthread_barrier_wait(&phase_barrier);
        for (uint64_t j = first; j < end; j += NWRITERS) {
            uint64_t key = tu_key(j), old = 0;
            int rc = lfmap_remove(map, key, &old);
            TU_CHECK(rc == 1 && old == tu_val(key, (uint64_t)c), "churn remove(%#llx) = %d old %#llx",
                     X(key), rc, X(old));
            if (j % 16 == 0)
                bump_stable(w);
        }
        pthread_barrier_wait(&phase_barrier);
    }
    atomic_fetch_sub(&writers_left, 1);
    tu_unregister();
    return NULL;
}

static void *reader_main(void *arg)
{
    struct tu_rng g;
    tu_rng_seed(&g, seed ^ (uint64_t)(uintptr_t)arg);
    uint64_t *last_seq = calloc(nstable, sizeof *last_seq);
    uint64_t reads = 0;
    tu_register();
    /* Keep reading until the writers are done, and at least one full pass. */
    for (uint64_t pass = 0; atomic_load(&writers_left) > 0 || pass < 1; pass++) {
        for (uint64_t j = 0; j < nstable; j++) {
            uint64_t key = tu_key(j), v = 0;
            bool found = lfmap_get(map, key, &v);
            TU_CHECK(found && tu_val_ok(key, v) && tu_val_seq(v) >= last_seq[j],
                     "stable key %#llx: found=%d value %#llx (seq %llu, previously %llu)", X(key),
                     found, X(v), X(tu_val_seq(v)), X(last_seq[j]));
            if (found && tu_val_ok(key, v))
                last_seq[j] = tu_val_seq(v);
            /* interleave a churn key and a never-inserted key */
            uint64_t c = tu_key(nstable + tu_below(&g, nchurn));
            if (lfmap_get(map, c, &v))
                TU_CHECK(tu_val_ok(c, v), "churn key %#llx has value %#llx", X(c), X(v));
            uint64_t n = tu_key(never_base() + tu_below(&g, nstable));
            TU_CHECK(!lfmap_get(map, n, &v), "never-inserted key %#llx found (%#llx)", X(n), X(v));
            reads += 3;
        }
    }
    atomic_fetch_add(&total_reads, reads);
    free(last_seq);
    tu_unregister();
    return NULL;
}

/* Migration chunk by round: default, one slot (long overlapping resizes),
 * stop-the-world. */
static const size_t chunks[] = {0, 1, SIZE_MAX};

static void run_round(int round)
{
    atomic_store(&writers_left, NWRITERS);
    atomic_store(&total_reads, 0);
    struct lfmap_config cfg = {.seed = seed, .migration_chunk = chunks[round % 3]};
    map = lfmap_new(&cfg);
    if (!map) {
        perror("lfmap_new");
        exit(2);
    }
    for (uint64_t j = 0; j < nstable; j++)
        TU_CHECK(lfmap_insert(map, tu_key(j), tu_val(tu_key(j), 0)) == 1, "prefill %llu", X(j));
    struct lfmap_stats st0, st;
    lfmap_get_stats(map, &st0);

    pthread_barrier_init(&phase_barrier, NULL, NWRITERS);
    double t0 = tu_now();
    static struct writer w[NWRITERS];
    pthread_t wt[NWRITERS], rt[NREADERS];
    for (int i = 0; i < NREADERS; i++)
        if (pthread_create(&rt[i], NULL, reader_main, (void *)(uintptr_t)(i + 1)) != 0)
            exit(2);
    for (int i = 0; i < NWRITERS; i++) {
        w[i] = (struct writer){.id = i};
        w[i].stable_val = calloc(nstable / NWRITERS + 1, sizeof(uint64_t));
        tu_rng_seed(&w[i].g, seed + (uint64_t)i);
        /* the prefill values */
        for (uint64_t j = (uint64_t)i, k = 0; j < nstable; j += NWRITERS, k++)
            w[i].stable_val[k] = tu_val(tu_key(j), 0);
        if (pthread_create(&wt[i], NULL, writer_main, &w[i]) != 0)
            exit(2);
    }
    for (int i = 0; i < NWRITERS; i++)
        pthread_join(wt[i], NULL);
    for (int i = 0; i < NREADERS; i++)
        pthread_join(rt[i], NULL);
    pthread_barrier_destroy(&phase_barrier);
    lfmap_get_stats(map, &st);

    /* Final state: exactly the stable keys, with their owners' last values. */
    for (int i = 0; i < NWRITERS; i++) {
        for (uint64_t j = (uint64_t)i, k = 0; j < nstable; j += NWRITERS, k++) {
            uint64_t v = 0;
            bool found = lfmap_get(map, tu_key(j), &v);
            TU_CHECK(found && v == w[i].stable_val[k], "final stable %llu: %d %#llx, expected %#llx",
                     X(j), found, X(v), X(w[i].stable_val[k]));
        }
        free(w[i].stable_val);
    }
    TU_CHECK(lfmap_size(map) == nstable, "size %zu, expected %llu", lfmap_size(map), X(nstable));
    uint64_t resizes = st.resizes - st0.resizes;
    printf("round %d (chunk %zu): %d writers, %d readers, %llu stable + %llu churn keys, "
           "%llu reads, %llu resizes, final %zu slots, %.2f s\n",
           round, chunks[round % 3], NWRITERS, NREADERS, X(nstable), X(nchurn),
           X(atomic_load(&total_reads)), X(resizes), st.capacity_slots, tu_now() - t0);
    /* Each cycle takes the live count from nstable to 19x that (at least 4
     * doublings) and back down below 1/16 of the table (a shrink), so a map
     * that resizes as lib/lfmap_internal.h describes does >= 2 per cycle. */
    TU_CHECK(resizes >= 2 * CYCLES,
             "only %llu resizes in %d grow/shrink cycles: migrations were not exercised",
             X(resizes), CYCLES);
    lfmap_free(map);
}

int main(void)
{
    seed = tu_seed("stress_readers", 0x4eade45);
    nstable = tu_scaled(5000, 800);
    nchurn = tu_scaled(90000, 9000);
    const int rounds = (int)tu_scaled(3, 3);
    tu_register();
    for (int r = 0; r < rounds; r++) {
        run_round(r);
        seed += 0x9e3779b97f4a7c15ULL;
    }
    tu_unregister();
    return tu_report();
}
