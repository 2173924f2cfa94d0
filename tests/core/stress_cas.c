/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stress_cas: no lost or doubled read-modify-write under concurrent resizes.
 *
 * T threads hammer 64 shared counters with a get-then-lfmap_cas retry loop,
 * and 64 other counters (absent at the start) with lfmap_fetch_add, while a
 * churn thread inserts and removes a range of other keys so the capacity-0
 * table keeps growing and shrinking under them (pitfall 3: an update lost
 * while its slot is copied).  Checked: final totals exactly; each fetch_add
 * key inserted by exactly one call (return 1); per thread, the *old values
 * fetch_add returns for one key strictly increase (deltas are positive and
 * every call linearizes); churn results are exact (the churn keys have one
 * owner); enough resizes happened.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "lfmap.h"
#include "testutil.h"

#define T 6
#define NCTR 64
#define X(v) ((unsigned long long)(v))

/* Counter keys: CAS set indices [0, 64), fetch_add set [64, 128); churn keys
 * start at index 1000.  All through tu_key, so 0 and UINT64_MAX are CAS keys. */
#define CAS_KEY(i) tu_key(i)
#define FA_KEY(i) tu_key(NCTR + (i))
#define CHURN_BASE 1000

static lfmap *map;
static uint64_t seed, iters, churn_keys;
static atomic_bool workers_done;
static atomic_uint_fast64_t churn_cycles;

/* Per thread: how much it added to each counter, and how often its
 * fetch_add inserted the key. */
struct worker {
    int id;
    uint64_t cas_added[NCTR], fa_added[NCTR], fa_inserted[NCTR];
    uint64_t cas_retries;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct tu_rng g;
    tu_rng_seed(&g, seed + (uint64_t)w->id * 7919);
    tu_register();
    uint64_t last_old[NCTR];
    bool have_old[NCTR] = {false};
    for (uint64_t n = 0; n < iters; n++) {
        /* CAS increment: read, then swap in value + d; retry if someone won. */
        uint64_t i = tu_below(&g, NCTR), d = 1 + tu_below(&g, 3), key = CAS_KEY(i), cur = 0;
        for (;;) {
            bool found = lfmap_get(map, key, &cur);
            TU_CHECK(found, "CAS counter %#llx missing", X(key));
            if (!found)
                break;
            int rc = lfmap_cas(map, key, cur, cur + d);
            TU_CHECK(rc == 0 || rc == 1, "cas(%#llx) = %d", X(key), rc);
            if (rc == 1) {
                w->cas_added[i] += d;
                break;
            }
            w->cas_retries++;
            if (w->cas_retries % 64 == 0)
                sched_yield(); /* give the other threads a window */
        }
        /* fetch_add on the other set. */
        i = tu_below(&g, NCTR);
        d = 1 + tu_below(&g, 3);
        key = FA_KEY(i);
        uint64_t old = 0;
        int rc = lfmap_fetch_add(map, key, d, &old);
        TU_CHECK(rc == 0 || rc == 1, "fetch_add(%#llx) = %d", X(key), rc);
        if (rc == 1) {
            TU_CHECK(old == 0, "fetch_add(%#llx) inserted but old = %#llx", X(key), X(old));
            w->fa_inserted[i]++;
        }
        if (rc >= 0) {
            TU_CHECK(!have_old[i] || old > last_old[i],
                     "fetch_add(%#llx) old %#llx not above this thread's previous %#llx",
                     X(key), X(old), X(last_old[i]));
            last_old[i] = old;
            have_old[i] = true;
            w->fa_added[i] += d;
        }
    }
    tu_unregister();
    return NULL;
}

/* The only writer of the churn keys: inserts them all, removes them all, and
 * repeats until the workers are done (at least 3 cycles). */
static void *churn_main(void *arg)
{
    (void)arg;
    tu_register();
    uint64_t seq = 0;
    while (!atomic_load(&workers_done) || atomic_load(&churn_cycles) < 3) {
        for (uint64_t j = 0; j < churn_keys; j++) {
            uint64_t key = tu_key(CHURN_BASE + j);
            TU_CHECK(lfmap_insert(map, key, tu_val(key, seq + j)) == 1, "churn insert(%#llx)",
                     X(key));
        }
        for (uint64_t j = 0; j < churn_keys; j++) {
            uint64_t key = tu_key(CHURN_BASE + j), old = 0;
            int rc = lfmap_remove(map, key, &old);
            TU_CHECK(rc == 1 && old == tu_val(key, seq + j), "churn remove(%#llx) = %d old %#llx",
                     X(key), rc, X(old));
        }
        seq += churn_keys;
        atomic_fetch_add(&churn_cycles, 1);
    }
    tu_unregister();
    return NULL;
}

/* Slots migrated per writer operation, by round: the default, one slot (a
 * resize then spans many operations of every thread), a prime, and the
 * stop-the-world extreme. */
static const size_t chunks[] = {0, 1, 7, SIZE_MAX};

static void run_round(int round)
{
    atomic_store(&workers_done, false);
    atomic_store(&churn_cycles, 0);
    struct lfmap_config cfg = {.seed = seed, .migration_chunk = chunks[round % 4]};
    map = lfmap_new(&cfg);
    if (!map) {
        perror("lfmap_new");
        exit(2);
    }
    /* CAS counters start at distinct values. */
    for (uint64_t i = 0; i < NCTR; i++)
        TU_CHECK(lfmap_insert(map, CAS_KEY(i), i * 1000000) == 1, "prefill %llu", X(i));

    double t0 = tu_now();
    pthread_t th[T], churn;
    static struct worker w[T];
    memset(w, 0, sizeof w);
    if (pthread_create(&churn, NULL, churn_main, NULL) != 0)
        exit(2);
    for (int i = 0; i < T; i++) {
        w[i].id = i;
        if (pthread_create(&th[i], NULL, worker_main, &w[i]) != 0)
            exit(2);
    }
    for (int i = 0; i < T; i++)
        pthread_join(th[i], NULL);
    atomic_store(&workers_done, true);
    pthread_join(churn, NULL);

    uint64_t retries = 0;
    for (int t = 0; t < T; t++)
        retries += w[t].cas_retries;
    for (uint64_t i = 0; i < NCTR; i++) {
        uint64_t cas_sum = i * 1000000, fa_sum = 0, inserted = 0, v = 0;
        for (int t = 0; t < T; t++) {
            cas_sum += w[t].cas_added[i];
            fa_sum += w[t].fa_added[i];
            inserted += w[t].fa_inserted[i];
        }
        bool found = lfmap_get(map, CAS_KEY(i), &v);
        TU_CHECK(found && v == cas_sum, "CAS counter %llu: %#llx, expected %#llx", X(i), X(v),
                 X(cas_sum));
        v = 0;
        found = lfmap_get(map, FA_KEY(i), &v);
        TU_CHECK(fa_sum == 0 || (found && v == fa_sum),
                 "fetch_add counter %llu: found=%d %#llx, expected %#llx", X(i), found, X(v),
                 X(fa_sum));
        TU_CHECK(inserted == (fa_sum != 0), "fetch_add counter %llu inserted %llu times", X(i),
                 X(inserted));
    }
    TU_CHECK(lfmap_size(map) <= 2 * NCTR, "size %zu after churn", lfmap_size(map));
    struct lfmap_stats st;
    lfmap_get_stats(map, &st);
    printf("round %d (chunk %zu): %d threads x %llu iterations, %llu cas retries, "
           "%llu churn cycles of %llu keys, %llu resizes, %.2f s\n",
           round, chunks[round % 4], T, X(iters), X(retries), X(atomic_load(&churn_cycles)),
           X(churn_keys), X(st.resizes), tu_now() - t0);
    TU_CHECK(st.resizes >= 6, "only %llu resizes: the churn did not exercise migration",
             X(st.resizes));
    lfmap_free(map);
}

int main(void)
{
    seed = tu_seed("stress_cas", 0xca5ca5);
    iters = tu_scaled(200000, 20000);
    churn_keys = tu_scaled(40000, 8000);
    const int rounds = (int)tu_scaled(8, 4);
    tu_register();
    /* Many short rounds with different migration settings find more rare
     * interleavings than one long run. */
    for (int r = 0; r < rounds; r++) {
        run_round(r);
        seed += 0x9e3779b97f4a7c15ULL;
    }
    tu_unregister();
    return tu_report();
}
