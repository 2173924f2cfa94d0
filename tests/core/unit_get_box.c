/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A reader that finds its key's slot boxed must re-read the slot after
 * reading the box: by then the migrator may have finished that slot and
 * boxed another key's value (found in review as a mutant no suite caught:
 * get_box_unvalidated).  Exact interleaving, perturbed builds only; other
 * builds exit 77 (a skip).
 *
 *   M (migrator)  boxes key A's slot (value VA), stops before copying
 *   R (reader)    get(A): sees BOX(M), stops before reading M's box
 *   M             copies A, marks its slot moved, boxes key B (VB), stops
 *   R             reads the box: VB.  It must see A's slot moved, follow
 *                 the successor and return VA, never VB.
 */
#include "lfmap.h"
#include "hash.h"
#include "perturb.h"

#include <check.h>

#include "exact_stops_main.h"
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifdef LFMAP_PERTURB
#define SEED 0xb0c5ull
#define SLOTS 64u        /* a capacity-0 map's table */
#define GROW_CLAIMS 48u  /* its grow limit (3/4) */
#define VALUE_A 111u
#define VALUE_B 222u

static lfmap *map;
static uint64_t key_a, key_b, key_c;
static _Thread_local int role; /* 1 migrator, 2 reader */
static sem_t m_boxed, m_go, r_at, r_go;
static atomic_int boxes_seen;
static atomic_uint_fast64_t read_value;
static atomic_bool read_found;

static void box_hook(enum lf_hook h, void *arg)
{
    (void)arg;
    if (role == 1 && h == LFMAP_HOOK_BOXED_BEFORE_COPY && atomic_fetch_add(&boxes_seen, 1) < 2) {
        sem_post(&m_boxed);
        sem_wait(&m_go);
    }
    if (role == 2 && h == LFMAP_HOOK_READ_BOX_BEFORE_LOAD) {
        sem_post(&r_at);
        sem_wait(&r_go);
    }
}

static bool wait_sem(sem_t *s)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 2;
    return sem_timedwait(s, &ts) == 0;
}

static void *migrator(void *arg)
{
    (void)arg;
    role = 1;
    lfmap_thread_register();
    /* Crosses the grow limit: this thread migrates the whole (small) table,
     * slot by slot, in index order. */
    int rc = lfmap_insert(map, key_c, 333);
    lfmap_thread_unregister();
    return (void *)(intptr_t)rc;
}

static void *reader(void *arg)
{
    (void)arg;
    role = 2;
    lfmap_thread_register();
    uint64_t v = 0;
    atomic_store(&read_found, lfmap_get(map, key_a, &v));
    atomic_store(&read_value, v);
    lfmap_thread_unregister();
    return NULL;
}

/* Two keys whose home slots are in order and apart, neither a side key. */
static void pick_keys(void)
{
    struct lfmap_hasher h;
    lf_hasher_init(&h, SEED);
    uint64_t k = 1000;
    for (;; k++) {
        uint64_t x = lf_mix(&h, k);
        if (x >= 2 && (x & (SLOTS - 1)) >= 4 && (x & (SLOTS - 1)) < 24)
            break;
    }
    key_a = k++;
    for (;; k++) {
        uint64_t x = lf_mix(&h, k);
        if (x >= 2 && (x & (SLOTS - 1)) >= 40 && (x & (SLOTS - 1)) < 56)
            break;
    }
    key_b = k;
    key_c = 1u << 30;
}

START_TEST(reader_revalidates_a_reused_box)
{
    ck_assert_int_eq(lfmap_thread_register(), 0);
    pick_keys();
    struct lfmap_config cfg = {.seed = SEED};
    map = lfmap_new(&cfg);
    ck_assert_ptr_nonnull(map);
    ck_assert_int_eq(lfmap_insert(map, key_a, VALUE_A), 1);
    ck_assert_int_eq(lfmap_insert(map, key_b, VALUE_B), 1);
    /* Tombstones bring the claimed slots to the grow limit; only A and B
     * are live, so they are the only slots the migrator boxes. */
    for (uint64_t f = 0; f < GROW_CLAIMS - 2; f++) {
        ck_assert_int_eq(lfmap_insert(map, 5000 + f, f), 1);
        ck_assert_int_eq(lfmap_remove(map, 5000 + f, NULL), 1);
    }
    struct lfmap_stats st;
    lfmap_get_stats(map, &st);
    ck_assert_uint_eq(st.capacity_slots, SLOTS);
    ck_assert_uint_eq(st.resizes, 0);
    sem_init(&m_boxed, 0, 0);
    sem_init(&m_go, 0, 0);
    sem_init(&r_at, 0, 0);
    sem_init(&r_go, 0, 0);
    lf_hook_set(box_hook, NULL);
    pthread_t tm, tr;
    ck_assert_int_eq(pthread_create(&tm, NULL, migrator, NULL), 0);
    ck_assert_msg(wait_sem(&m_boxed), "the migrator never boxed a slot");
    ck_assert_int_eq(pthread_create(&tr, NULL, reader, NULL), 0);
    ck_assert_msg(wait_sem(&r_at), "the reader did not find A's slot boxed");
    sem_post(&m_go); /* M: copy A, mark it moved, box B */
    ck_assert_msg(wait_sem(&m_boxed), "the migrator did not box B");
    sem_post(&r_go); /* R: read the box, which now holds B's value */
    pthread_join(tr, NULL);
    sem_post(&m_go);
    void *rc;
    pthread_join(tm, &rc);
    lf_hook_set(NULL, NULL);
    ck_assert_int_eq((int)(intptr_t)rc, 1);
    ck_assert(atomic_load(&read_found));
    ck_assert_uint_eq(atomic_load(&read_value), VALUE_A);
    uint64_t v = 0;
    ck_assert(lfmap_get(map, key_a, &v) && v == VALUE_A);
    ck_assert(lfmap_get(map, key_b, &v) && v == VALUE_B);
    ck_assert(lfmap_get(map, key_c, &v) && v == 333);
    ck_assert_uint_eq(lfmap_size(map), 3);
    lfmap_get_stats(map, &st);
    ck_assert_uint_ge(st.resizes, 1);
    lfmap_free(map);
    lfmap_thread_unregister();
}
END_TEST
#endif

LF_EXACT_STOPS_MAIN("unit_get_box", "get_box", "get_box", 30,
                    reader_revalidates_a_reused_box)
