/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The successor-sizing bound when threads leave during sizing (found in
 * review): writers whose inserts were in flight when the resize began finish
 * them and unregister while the resizer sizes the successor.  The resizer
 * must count them either as keys or as threads.  The reviewed code read the
 * live count first and the thread count after it: the writers' keys were
 * missed by the first read and the writers themselves by the second, and a
 * successor sized for 28 keys received 96 copies (keys silently lost in a
 * release build).  Perturbed builds only; other builds exit 77 (a skip).
 */
#include "lfmap.h"
#include "perturb.h"

#include <check.h>

#include "exact_stops_main.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef LFMAP_PERTURB
/* Writers in flight during the resize: enough that their keys alone
 * overflow a successor sized without them. */
#define WRITERS 70
#define MAIN_KEYS 27 /* with the writers' claims, crosses the grow limit */

static lfmap *map;
static _Thread_local bool is_writer, is_resizer;
static atomic_int blocked, finished, release_writers, armed;

static void sizing_hook(enum lf_hook h, void *arg)
{
    (void)arg;
    if (h == LFMAP_HOOK_BEFORE_VALUE_CAS && is_writer && !atomic_load(&release_writers)) {
        /* Slot claimed in t for a new key; the value is not set yet. */
        atomic_fetch_add(&blocked, 1);
        while (!atomic_load(&release_writers))
            sched_yield();
    }
    if (h == LFMAP_HOOK_SIZING_THREADS_READ && is_resizer && atomic_exchange(&armed, 0)) {
        /* Between the two reads of the sizing rule: every writer finishes
         * its insert and unregisters. */
        atomic_store(&release_writers, 1);
        while (atomic_load(&finished) < WRITERS)
            sched_yield();
    }
}

static void *writer(void *arg)
{
    is_writer = true;
    int rc = lfmap_thread_register();
    if (rc == 0)
        rc = lfmap_insert(map, 100000 + (uint64_t)(uintptr_t)arg, (uint64_t)(uintptr_t)arg);
    lfmap_thread_unregister();
    atomic_fetch_add(&finished, 1);
    return (void *)(intptr_t)rc;
}

START_TEST(writers_leaving_during_sizing_are_still_counted)
{
    is_resizer = true;
    ck_assert_int_eq(lfmap_thread_register(), 0);
    struct lfmap_config cfg = {.capacity = 90, .seed = 21}; /* 128 slots, grow limit 96 */
    map = lfmap_new(&cfg);
    ck_assert_ptr_nonnull(map);
    lf_hook_set(sizing_hook, NULL);
    for (uint64_t k = 0; k < 20; k++)
        ck_assert_int_eq(lfmap_insert(map, k, k), 1);
    pthread_t th[WRITERS];
    for (uintptr_t i = 0; i < WRITERS; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, writer, (void *)i), 0);
    while (atomic_load(&blocked) < WRITERS)
        sched_yield();
    struct lfmap_stats st;
    lfmap_get_stats(map, &st);
    ck_assert_uint_eq(st.capacity_slots, 128);
    ck_assert_uint_eq(st.resizes, 0);
    atomic_store(&armed, 1);
    for (uint64_t k = 20; k < MAIN_KEYS; k++) /* the last one starts the resize */
        ck_assert_int_eq(lfmap_insert(map, k, k), 1);
    for (int i = 0; i < WRITERS; i++) {
        void *rc;
        pthread_join(th[i], &rc);
        ck_assert_int_eq((int)(intptr_t)rc, 1);
    }
    ck_assert_int_eq(atomic_load(&armed), 0); /* the sizing hook ran */
    lf_hook_set(NULL, NULL);
    for (int i = 0; i < 64; i++) /* writes help the migration to its end */
        ck_assert_int_ge(lfmap_put(map, 0, 0, NULL), 0);
    for (uint64_t k = 0; k < MAIN_KEYS; k++) {
        uint64_t v = 1;
        ck_assert_msg(lfmap_get(map, k, &v), "key %llu lost", (unsigned long long)k);
        ck_assert_uint_eq(v, k);
    }
    for (uint64_t i = 0; i < WRITERS; i++) {
        uint64_t v = 0;
        ck_assert_msg(lfmap_get(map, 100000 + i, &v), "writer key %llu lost", (unsigned long long)i);
        ck_assert_uint_eq(v, i);
    }
    ck_assert_uint_eq(lfmap_size(map), MAIN_KEYS + WRITERS);
    lfmap_get_stats(map, &st);
    ck_assert_uint_ge(st.resizes, 1);
    lfmap_free(map);
    lfmap_thread_unregister();
}
END_TEST
#endif

LF_EXACT_STOPS_MAIN("unit_sizing", "sizing", "sizing", 60,
                    writers_leaving_during_sizing_are_still_counted)
