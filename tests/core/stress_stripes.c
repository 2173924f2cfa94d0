/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stress_stripes: a per-key shadow oracle under concurrent resizes.
 *
 * T threads each own a disjoint stripe of keys (index s, s+T, s+2T, ...; key
 * 0 and UINT64_MAX are indices 0 and 1), so every thread knows the exact
 * state of its own keys and can check every return value, every *old and
 * every get on them, while the other threads' inserts and removes push the
 * shared capacity-0 map past ~1e6 keys and back down to ~0.1%, for several
 * cycles.  Phases are separated by barriers so the whole map really reaches
 * its peak and really empties.  At the end main compares the full contents.
 *
 * LFMAP_TEST_SCALE scales the key count, LFMAP_TEST_SEED the seed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lfmap.h"
#include "testutil.h"

#define T 6
#define CYCLES 3
#define X(v) ((unsigned long long)(v))

static lfmap *map;
static uint64_t nkeys;  /* key universe: indices 0..nkeys-1 */
static uint64_t seed;
static pthread_barrier_t phase_barrier;

/* Expected state of every key, written only by the key's owner (and read by
 * main after the threads are joined). */
static uint8_t *present;
static uint64_t *value;

struct owner {
    int id;
    struct tu_rng rng;
    uint64_t seq; /* makes every value written unique */
};

static uint64_t fresh(struct owner *o, uint64_t key)
{
    return tu_val(key, ++o->seq);
}

/* get on one of our own keys: the answer is known exactly. */
static void check_own(uint64_t j)
{
    uint64_t key = tu_key(j), v = 0;
    bool found = lfmap_get(map, key, &v);
    TU_CHECK(found == present[j] && (!found || v == value[j]),
             "get(%#llx): found=%d %#llx, expected %d %#llx", X(key), found, X(v), present[j],
             X(value[j]));
}

static void check_random_own(struct owner *o)
{
    uint64_t count = (nkeys - (uint64_t)o->id + T - 1) / T;
    check_own((uint64_t)o->id + tu_below(&o->rng, count) * T);
}

/* put on a random own key that is present: an update of a live slot while
 * other threads' inserts or removes are migrating the table (pitfall 3).
 * The old value must be exactly the last one written, and the new value must
 * survive the migration (check_own later, and main at the end). */
static void update_random_own(struct owner *o)
{
    uint64_t count = (nkeys - (uint64_t)o->id + T - 1) / T;
    uint64_t j = (uint64_t)o->id + tu_below(&o->rng, count) * T;
    if (!present[j])
        return;
    uint64_t key = tu_key(j), v = fresh(o, key), out = 0;
    int rc = lfmap_put(map, key, v, &out);
    TU_CHECK(rc == 0 && out == value[j], "put(live %#llx) = %d old %#llx, expected %#llx",
             X(key), rc, X(out), X(value[j]));
    value[j] = v;
}

/* Grow phase: every owned key ends present; the ops on the way vary. */
static void grow(struct owner *o)
{
    for (uint64_t j = (uint64_t)o->id; j < nkeys; j += T) {
        uint64_t key = tu_key(j), v = fresh(o, key), out = 0;
        int rc;
        switch (tu_below(&o->rng, 8)) {
        case 0: /* put */
            rc = lfmap_put(map, key, v, &out);
            TU_CHECK(rc == !present[j] && (!present[j] || out == value[j]),
                     "put(%#llx) = %d old %#llx, expected %d %#llx", X(key), rc, X(out),
                     !present[j], X(value[j]));
            present[j] = 1;
            value[j] = v;
            break;
        case 1: /* get_or_insert */
            rc = lfmap_get_or_insert(map, key, v, &out);
            TU_CHECK(rc == !present[j] && out == (present[j] ? value[j] : v),
                     "get_or_insert(%#llx) = %d current %#llx", X(key), rc, X(out));
            if (!present[j]) {
                present[j] = 1;
                value[j] = v;
            }
            break;
        case 2: /* insert, remove, insert again */
            if (!present[j]) {
                TU_CHECK(lfmap_insert(map, key, v) == 1, "insert(%#llx) != 1", X(key));
                present[j] = 1;
                value[j] = v;
            }
            rc = lfmap_remove(map, key, &out);
            TU_CHECK(rc == 1 && out == value[j], "remove(%#llx) = %d old %#llx, expected %#llx",
                     X(key), rc, X(out), X(value[j]));
            v = fresh(o, key);
            TU_CHECK(lfmap_insert(map, key, v) == 1, "re-insert(%#llx) != 1", X(key));
            value[j] = v;
            break;
        default: /* insert */
            rc = lfmap_insert(map, key, v);
            TU_CHECK(rc == !present[j], "insert(%#llx) = %d, expected %d", X(key), rc,
                     !present[j]);
            if (!present[j]) {
                present[j] = 1;
                value[j] = v;
            }
            break;
        }
        check_own(j);
        if (tu_one_in(&o->rng, 4))
            check_random_own(o);
        if (tu_one_in(&o->rng, 4))
            update_random_own(o);
    }
}

/* Update phase: in-place updates of a quarter of the keys (no resizes). */
static void update(struct owner *o)
{
    for (uint64_t j = (uint64_t)o->id; j < nkeys; j += T) {
        if (!tu_one_in(&o->rng, 4))
            continue;
        uint64_t key = tu_key(j), v = fresh(o, key), out = 0;
        int rc;
        switch (tu_below(&o->rng, 3)) {
        case 0:
            rc = lfmap_put(map, key, v, &out);
            TU_CHECK(rc == 0 && out == value[j], "put(%#llx) = %d old %#llx, expected %#llx",
                     X(key), rc, X(out), X(value[j]));
            value[j] = v;
            break;
        case 1:
            TU_CHECK(lfmap_cas(map, key, value[j] + 1, v) == 0, "cas(%#llx) with a wrong value",
                     X(key));
            TU_CHECK(lfmap_cas(map, key, value[j], v) == 1, "cas(%#llx) failed", X(key));
            value[j] = v;
            break;
        default:
            rc = lfmap_fetch_add(map, key, 1, &out);
            TU_CHECK(rc == 0 && out == value[j], "fetch_add(%#llx) = %d old %#llx", X(key), rc,
                     X(out));
            value[j]++;
            break;
        }
        check_own(j);
    }
}

/* Shrink phase: remove all but ~0.1% of the keys (which ones varies). */
static void shrink(struct owner *o, int cycle)
{
    for (uint64_t j = (uint64_t)o->id; j < nkeys; j += T) {
        uint64_t key = tu_key(j), out = 0;
        if ((j / T + (uint64_t)cycle * 331) % 997 == 0)
            continue;
        int rc = lfmap_remove(map, key, &out);
        TU_CHECK(rc == 1 && out == value[j], "remove(%#llx) = %d old %#llx, expected %#llx",
                 X(key), rc, X(out), X(value[j]));
        present[j] = 0;
        if (tu_one_in(&o->rng, 8))
            TU_CHECK(lfmap_remove(map, key, &out) == 0, "second remove(%#llx) != 0", X(key));
        check_own(j);
        if (tu_one_in(&o->rng, 4))
            check_random_own(o);
        if (tu_one_in(&o->rng, 4))
            update_random_own(o);
    }
}

static struct lfmap_stats peak_stats[CYCLES], low_stats[CYCLES];

static void *worker(void *arg)
{
    struct owner *o = arg;
    tu_register();
    tu_rng_seed(&o->rng, seed + (uint64_t)o->id * 0x1000193);
    for (int c = 0; c < CYCLES; c++) {
        grow(o);
        pthread_barrier_wait(&phase_barrier);
        if (o->id == 0)
            lfmap_get_stats(map, &peak_stats[c]);
        update(o);
        pthread_barrier_wait(&phase_barrier);
        shrink(o, c);
        pthread_barrier_wait(&phase_barrier);
        if (o->id == 0)
            lfmap_get_stats(map, &low_stats[c]);
        pthread_barrier_wait(&phase_barrier);
    }
    tu_unregister();
    return NULL;
}

struct final_walk {
    uint8_t *seen;
    uint64_t visits, bad;
};

static int final_cb(uint64_t key, uint64_t v, void *arg)
{
    struct final_walk *w = arg;
    uint64_t j;
    w->visits++;
    bool ok = tu_key_index(key, nkeys, &j) && present[j] && !w->seen[j] && value[j] == v;
    if (ok)
        w->seen[j] = 1;
    else if (w->bad++ < 10)
        fprintf(stderr, "foreach: unexpected key %#llx value %#llx\n", X(key), X(v));
    return 0;
}

int main(void)
{
    seed = tu_seed("stress_stripes", 0x5712195);
    nkeys = tu_scaled(1100000, 12000);
    present = calloc(nkeys, 1);
    value = calloc(nkeys, sizeof *value);
    if (!present || !value)
        return 2;
    map = lfmap_new(&(struct lfmap_config){.capacity = 0, .seed = seed});
    if (!map) {
        perror("lfmap_new");
        return 2;
    }
    pthread_barrier_init(&phase_barrier, NULL, T);
    double t0 = tu_now();
    pthread_t th[T];
    struct owner own[T];
    for (int i = 0; i < T; i++) {
        own[i] = (struct owner){.id = i};
        if (pthread_create(&th[i], NULL, worker, &own[i]) != 0)
            return 2;
    }
    for (int i = 0; i < T; i++)
        pthread_join(th[i], NULL);

    tu_register();
    /* Full comparison: get on every key ever used, foreach, size. */
    uint64_t expected = 0;
    for (uint64_t j = 0; j < nkeys; j++) {
        check_own(j);
        expected += present[j];
    }
    struct final_walk w = {.seen = calloc(nkeys, 1)};
    TU_CHECK(lfmap_foreach(map, final_cb, &w) == 0, "foreach failed");
    TU_CHECK(w.bad == 0, "foreach: %llu unexpected keys/values", X(w.bad));
    TU_CHECK(w.visits == expected, "foreach visited %llu keys, expected %llu", X(w.visits),
             X(expected));
    TU_CHECK(lfmap_size(map) == expected, "size %zu, expected %llu", lfmap_size(map), X(expected));

    for (int c = 0; c < CYCLES; c++) {
        printf("cycle %d: peak %zu keys in %zu slots, low %zu keys in %zu slots, resizes %llu\n", c,
               peak_stats[c].size, peak_stats[c].capacity_slots, low_stats[c].size,
               low_stats[c].capacity_slots, X(low_stats[c].resizes));
        TU_CHECK(peak_stats[c].size >= nkeys - nkeys / 100, "cycle %d peak only %zu keys", c,
                 peak_stats[c].size);
    }
    /* Each cycle must have grown the table at least once (from the small
     * default in cycle 0; from the shrunk table afterwards, if it shrinks). */
    TU_CHECK(peak_stats[0].resizes >= 3, "only %llu resizes to reach %llu keys",
             X(peak_stats[0].resizes), X(nkeys));
    if (low_stats[CYCLES - 1].capacity_slots >= peak_stats[CYCLES - 1].capacity_slots)
        printf("note: the table did not shrink after removing 99.9%% of the keys\n");
    printf("%d threads, %llu keys, %d cycles, %.2f s\n", T, X(nkeys), CYCLES, tu_now() - t0);
    free(w.seen);
    tu_unregister();
    lfmap_free(map);
    free(present);
    free(value);
    return tu_report();
}
