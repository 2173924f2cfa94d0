/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reclamation schemes and value destructors.  Every test uses the map's
 * default scheme (LFMAP_RCU, else urcu-memb), and tests/run.sh runs this
 * program once per registered scheme, so each test below is run under every
 * scheme.  What each scheme promises (lib/lfmap.h, the scheme table):
 *   - nothing is freed while a reader that could hold it is inside its
 *     read-side section (every scheme but those that declare never_frees,
 *     such as leak, which free nothing);
 *   - a stalled reader makes the backlog grow (section schemes), or holds
 *     only what its hazard pointers name (schemes with protect: ck-hp, and
 *     the era schemes he and ibr, which hold what was alive in the eras
 *     they reserved), or nothing changes (never_frees);
 *   - once every thread is quiescent everything retired is freed: the
 *     destructor runs exactly once per value, and lfmap_free leaves nothing.
 * Values are pointers to `struct obj`; the destructor poisons the object and
 * keeps it (so that a late reader reads poison, not reused memory) until the
 * test ends.  Retired tables are poisoned by the library in test builds.
 */
#include "lfmap.h"

#include <check.h>

#include "ck_fast.h"
#include "ck_run.h"
#include "scheme_props.h"
#include "test_values.h"
#include "testutil.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct obj *obj_new(uint64_t key)
{
    return obj_alloc(key);
}

/* What the map's scheme declares (never the scheme's name: a renamed copy
 * of a scheme must pass as the original does, tests/rcu/scheme_copies.sh). */
static bool is_leak(lfmap *m)
{
    return scheme_never_frees(lfmap_reclamation(m));
}

/* The robust schemes: a stalled reader holds only what it protects (its
 * hazard pointers, or the objects alive in the eras it reserved). */
static bool is_bounded(lfmap *m)
{
    return scheme_has_hazards(lfmap_reclamation(m));
}

static lfmap *map_with_destructor(size_t capacity)
{
    /* Named, so that the map has this pass's scheme whatever the rule of
     * the environment (lib/lfmap.h, "What the environment may change"). */
    struct lfmap_config cfg = {.capacity = capacity, .value_free = obj_destroy,
                               .reclamation = scheme_default_name()};
    lfmap *m = lfmap_new(&cfg);
    ck_assert_ptr_nonnull(m);
    return m;
}

static uint64_t V(struct obj *o)
{
    return (uint64_t)(uintptr_t)o;
}

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

/* Drives reclamation of the map's scheme from outside the map: retires on a
 * scratch map of the same scheme (ebr and ck reclaim on the retire path),
 * and a quiescent state (urcu-qsbr).  The scratch map is freed only at the
 * end (lfmap_free would wait for a stalled reader). */
static lfmap *scratch;

static void nudge(void)
{
    if (!scratch)
        scratch = map_with_destructor(0);
    for (uint64_t i = 0; i < 256; i++)
        ck_assert_int_ge(lfmap_put(scratch, i % 8, V(obj_new(i % 8)), NULL), 0);
    lfmap_quiescent();
}

static void scratch_free(void)
{
    lfmap_free(scratch);
    scratch = NULL;
}

/* ---- (e) bad input ---------------------------------------------------- */

START_TEST(scheme_list_and_bad_names)
{
    static const char *const expected[] = {"urcu-memb", "urcu-mb", "urcu-qsbr", "urcu-bp",
                                           "ck-epoch",  "ck-hp",   "ebr",       "leak"};
    size_t n = 0;
    while (lfmap_reclamation_scheme(n))
        n++;
    ck_assert_uint_ge(n, 8);
    ck_assert_str_eq(lfmap_reclamation_scheme(0), "urcu-memb");
    for (size_t i = 0; i < 8; i++) {
        bool found = false;
        for (size_t j = 0; j < n; j++)
            found |= strcmp(lfmap_reclamation_scheme(j), expected[i]) == 0;
        ck_assert_msg(found, "scheme %s is not registered", expected[i]);
    }
    ck_assert_ptr_null(lfmap_reclamation_scheme(n));
    ck_assert_ptr_null(lfmap_reclamation_scheme(SIZE_MAX));

    struct lfmap_config cfg = {.reclamation = "no-such-scheme"};
    errno = 0;
    ck_assert_ptr_null(lfmap_new(&cfg));
    ck_assert_int_eq(errno, EINVAL);
    cfg.reclamation = "";
    errno = 0;
    ck_assert_ptr_null(lfmap_new(&cfg));
    ck_assert_int_eq(errno, EINVAL);

    /* Every scheme by name: the map reports it. */
    for (size_t i = 0; i < n; i++) {
        cfg.reclamation = lfmap_reclamation_scheme(i);
        lfmap *m = lfmap_new(&cfg);
        ck_assert_ptr_nonnull(m);
        ck_assert_str_eq(lfmap_reclamation(m), lfmap_reclamation_scheme(i));
        lfmap_free(m);
    }
    /* No name: LFMAP_RCU's scheme if the environment may choose it, else
     * the default (scheme_default_name). */
    lfmap *m = lfmap_new(NULL);
    ck_assert_ptr_nonnull(m);
    ck_assert_str_eq(lfmap_reclamation(m), scheme_default_name());
    lfmap_free(m);
}
END_TEST

START_TEST(fetch_add_refused_with_a_destructor)
{
    ck_assert_int_eq(lfmap_thread_register(), 0);
    lfmap *m = map_with_destructor(0);
    uint64_t old = 7;
    ck_assert_int_eq(lfmap_fetch_add(m, 1, 1, &old), -EINVAL);
    ck_assert_uint_eq(old, 7);
    ck_assert_uint_eq(lfmap_size(m), 0);
    lfmap_free(m);
    lfmap_thread_unregister();
}
END_TEST

/* ---- the destructor's accounting ---------------------------------------- */

/* Every write kind that replaces or removes a value retires it exactly
 * once; inserts that find the key, failed cas and removes of absent keys
 * retire nothing; lfmap_free retires the rest.  Also for the two keys whose
 * hash is a reserved key word (lfmap's side slots): found by search. */
START_TEST(destructor_runs_once_per_value)
{
    ck_assert_int_eq(lfmap_thread_register(), 0);
    atomic_store(&created, 0);
    atomic_store(&destroyed, 0);
    lfmap *m = map_with_destructor(0);
    uint64_t n = tu_scaled(4000, 200);
    for (uint64_t k = 0; k < n; k++)
        ck_assert_int_eq(lfmap_insert(m, k, V(obj_new(k))), 1);
    struct obj *dup = obj_new(0);
    ck_assert_int_eq(lfmap_insert(m, 0, V(dup)), 0); /* present: not stored, the caller keeps it */
    obj_destroy(V(dup), NULL);
    uint64_t expect_retired = 1; /* dup, by hand */
    for (uint64_t k = 0; k < n; k += 2) {
        ck_assert_int_eq(lfmap_put(m, k, V(obj_new(k)), NULL), 0);
        expect_retired++;
    }
    for (uint64_t k = 1; k < n; k += 4) {
        ck_assert_int_eq(lfmap_remove(m, k, NULL), 1);
        ck_assert_int_eq(lfmap_remove(m, k, NULL), 0);
        expect_retired++;
    }
    for (uint64_t k = 3; k < n; k += 4) {
        uint64_t cur;
        ck_assert(lfmap_get(m, k, &cur));
        struct obj *o = obj_new(k);
        ck_assert_int_eq(lfmap_cas(m, k, cur + 8, V(o)), 0); /* wrong expected: nothing */
        ck_assert_int_eq(lfmap_cas(m, k, cur, V(o)), 1);
        expect_retired++;
    }
    /* Grow and shrink: values moved by migration are not retired. */
    for (uint64_t k = n; k < 8 * n; k++)
        ck_assert_int_eq(lfmap_insert(m, k, V(obj_new(k))), 1);
    for (uint64_t k = n; k < 8 * n; k++) {
        ck_assert_int_eq(lfmap_remove(m, k, NULL), 1);
        expect_retired++;
    }
    struct lfmap_stats st;
    lfmap_get_stats(m, &st);
    ck_assert_uint_ge(st.resizes, 2);
    ck_assert_uint_le(st.retired_values_pending, expect_retired);
    lfmap_thread_unregister();
    bool leak = is_leak(m);
    lfmap_free(m);
    if (leak) {
        ck_assert_uint_eq(atomic_load(&destroyed), 1); /* only dup: leak never frees */
    } else {
        ck_assert_uint_eq(atomic_load(&destroyed), atomic_load(&created));
    }
    graveyard_free();
}
END_TEST

/* ---- (f) each scheme defers ------------------------------------------- */

struct defer_ctx {
    lfmap *m;
    atomic_int phase; /* 1: reader holds the value, 2: writer done, 3: reader left */
    struct obj *held;
};

static void *defer_reader(void *arg)
{
    struct defer_ctx *c = arg;
    ck_assert_int_eq(lfmap_thread_register(), 0);
    /* The thread first uses a map of every registered scheme, so that it is
     * registered with all of them when it enters its section: a scheme must
     * not mistake another's per-thread state for its own (era schemes that
     * shared a thread-local record slot did: a renamed copy of he skipped
     * its registration and its scans never saw this reader,
     * tests/rcu/scheme_copies.sh). */
    for (size_t i = 0; lfmap_reclamation_scheme(i); i++) {
        struct lfmap_config cfg = {.reclamation = lfmap_reclamation_scheme(i)};
        lfmap *o = lfmap_new(&cfg);
        ck_assert_ptr_nonnull(o);
        ck_assert_int_eq(lfmap_put(o, 1, 1, NULL), 1);
        lfmap_free(o);
    }
    lfmap_read_lock(c->m);
    uint64_t v;
    ck_assert(lfmap_get(c->m, 42, &v));
    c->held = (struct obj *)(uintptr_t)v;
    atomic_store(&c->phase, 1);
    while (atomic_load(&c->phase) < 2)
        sleep_us(1000);
    /* Still ours: the writer replaced it, but we are in our section. */
    CK_REQUIRE(atomic_load(&c->held->magic) == MAGIC && c->held->key == 42,
               "a value was freed while a reader that read it was in its section");
    lfmap_read_unlock(c->m);
    lfmap_quiescent();
    lfmap_thread_unregister();
    atomic_store(&c->phase, 3);
    return NULL;
}

START_TEST(retired_value_outlives_its_reader)
{
    ck_assert_int_eq(lfmap_thread_register(), 0);
    atomic_store(&destroyed, 0);
    atomic_store(&created, 0);
    struct defer_ctx c = {.m = map_with_destructor(0)};
    ck_assert_int_eq(lfmap_insert(c.m, 42, V(obj_new(42))), 1);
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, defer_reader, &c), 0);
    while (atomic_load(&c.phase) < 1)
        sleep_us(1000);
    ck_assert_int_eq(lfmap_put(c.m, 42, V(obj_new(42)), NULL), 0); /* retires the held value */
    /* Give reclamation every chance to (wrongly) free it. */
    for (int i = 0; i < 20; i++) {
        nudge();
        sleep_us(2000);
    }
    ck_assert_uint_eq(atomic_load(&c.held->magic), MAGIC);
    atomic_store(&c.phase, 2);
    pthread_join(th, NULL);
    lfmap_thread_unregister();
    struct obj *held = c.held;
    bool leak = is_leak(c.m);
    scratch_free();
    lfmap_free(c.m);
    if (!leak)
        ck_assert_uint_eq(atomic_load(&held->magic), POISON); /* freed after the reader left */
    graveyard_free();
}
END_TEST

/* ---- (b) use-after-free detector -------------------------------------- */

#define UAF_KEYS 512u

struct uaf_ctx {
    lfmap *m;
    atomic_bool stop;
    atomic_ullong reads;
};

static void *uaf_reader(void *arg)
{
    struct uaf_ctx *c = arg;
    ck_assert_int_eq(lfmap_thread_register(), 0);
    struct tu_rng r;
    tu_rng_seed(&r, (uint64_t)(uintptr_t)&r);
    unsigned long long n = 0;
    while (!atomic_load(&c->stop)) {
        lfmap_read_lock(c->m);
        uint64_t k = tu_below(&r, UAF_KEYS), v;
        if (lfmap_get(c->m, k, &v)) {
            struct obj *o = (struct obj *)(uintptr_t)v;
            CK_REQUIRE(atomic_load(&o->magic) == MAGIC && o->key == k, "reader saw poison: key %llu",
                       (unsigned long long)k);
            if ((++n & 63) == 0)
                sleep_us(200); /* pause inside the section while writers retire */
            CK_REQUIRE(atomic_load(&o->magic) == MAGIC && o->key == k,
                       "a held value was freed during the reader's section: key %llu", (unsigned long long)k);
        }
        lfmap_read_unlock(c->m);
        lfmap_quiescent();
    }
    atomic_fetch_add(&c->reads, n);
    lfmap_thread_unregister();
    return NULL;
}

static void *uaf_writer(void *arg)
{
    struct uaf_ctx *c = arg;
    ck_assert_int_eq(lfmap_thread_register(), 0);
    struct tu_rng r;
    tu_rng_seed(&r, (uint64_t)(uintptr_t)&r ^ 0x1234);
    uint64_t round = 0;
    while (!atomic_load(&c->stop)) {
        uint64_t k = tu_below(&r, UAF_KEYS);
        switch (tu_below(&r, 3)) {
        case 0:
            ck_assert_int_ge(lfmap_put(c->m, k, V(obj_new(k)), NULL), 0);
            break;
        case 1:
            lfmap_remove(c->m, k, NULL);
            break;
        default: {
            uint64_t cur;
            if (lfmap_get(c->m, k, &cur)) {
                struct obj *o = obj_new(k);
                if (lfmap_cas(c->m, k, cur, V(o)) != 1)
                    obj_destroy(V(o), NULL); /* not stored: ours to destroy */
            }
        }
        }
        /* Resize churn: a burst of extra keys grows the table, removing
         * them shrinks it, and each migration retires a table. */
        if ((++round & 4095) == 0) {
            for (uint64_t x = 0; x < 4 * UAF_KEYS; x++)
                lfmap_put(c->m, UAF_KEYS + x, V(obj_new(UAF_KEYS + x)), NULL);
            for (uint64_t x = 0; x < 4 * UAF_KEYS; x++)
                lfmap_remove(c->m, UAF_KEYS + x, NULL);
        }
        lfmap_quiescent();
    }
    lfmap_thread_unregister();
    return NULL;
}

START_TEST(readers_never_see_poison)
{
    atomic_store(&created, 0);
    atomic_store(&destroyed, 0);
    struct uaf_ctx c = {.m = map_with_destructor(0)};
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, i < 2 ? uaf_reader : uaf_writer, &c), 0);
    sleep_us((long)(1500000 * tu_scale()) + 200000);
    atomic_store(&c.stop, true);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    struct lfmap_stats st;
    lfmap_get_stats(c.m, &st);
    ck_assert_uint_ge(st.resizes, 1);
    bool leak = is_leak(c.m);
    lfmap_free(c.m);
    if (!leak)
        ck_assert_uint_eq(atomic_load(&destroyed), atomic_load(&created));
    graveyard_free();
}
END_TEST

/* ---- (c) stalled reader ----------------------------------------------- */

struct stall_ctx {
    lfmap *m;
    atomic_int phase; /* 1: reader inside, 2: churn done, 3: reader left */
};

static void *stalled_reader(void *arg)
{
    struct stall_ctx *c = arg;
    ck_assert_int_eq(lfmap_thread_register(), 0);
    lfmap_read_lock(c->m);
    uint64_t v;
    ck_assert(lfmap_get(c->m, 0, &v));
    atomic_store(&c->phase, 1);
    while (atomic_load(&c->phase) < 2)
        sleep_us(1000);
    struct obj *o = (struct obj *)(uintptr_t)v;
    CK_REQUIRE(atomic_load(&o->magic) == MAGIC, "the stalled reader's value was freed under it");
    lfmap_read_unlock(c->m);
    lfmap_quiescent();
    lfmap_thread_unregister();
    atomic_store(&c->phase, 3);
    return NULL;
}

START_TEST(stalled_reader_backlog)
{
    ck_assert_int_eq(lfmap_thread_register(), 0);
    atomic_store(&created, 0);
    atomic_store(&destroyed, 0);
    struct stall_ctx c = {.m = map_with_destructor(0)};
    for (uint64_t k = 0; k < 64; k++)
        ck_assert_int_eq(lfmap_insert(c.m, k, V(obj_new(k))), 1);
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, stalled_reader, &c), 0);
    while (atomic_load(&c.phase) < 1)
        sleep_us(1000);
    /* Churn: replace values (each retires one) and grow/shrink the table. */
    uint64_t rounds = tu_scaled(40, 8), replaced = 0;
    struct lfmap_stats st;
    uint64_t peak_values = 0, peak_tables = 0;
    for (uint64_t r = 0; r < rounds; r++) {
        for (uint64_t k = 0; k < 64; k++, replaced++)
            ck_assert_int_eq(lfmap_put(c.m, k, V(obj_new(k)), NULL), 0);
        for (uint64_t k = 64; k < 2048; k++)
            ck_assert_int_eq(lfmap_insert(c.m, k, V(obj_new(k))), 1);
        for (uint64_t k = 64; k < 2048; k++, replaced++)
            ck_assert_int_eq(lfmap_remove(c.m, k, NULL), 1);
        lfmap_get_stats(c.m, &st);
        peak_values = st.retired_values_pending > peak_values ? st.retired_values_pending : peak_values;
        peak_tables = st.retired_tables > peak_tables ? st.retired_tables : peak_tables;
        lfmap_quiescent(); /* this thread is not the stalled one */
    }
    lfmap_get_stats(c.m, &st);
    ck_assert_uint_ge(st.resizes, 2 * rounds);
    if (is_bounded(c.m)) {
        /* Bounded: the reader's hazards (two tables, one value; he and
         * ibr: the tables alive in the eras it reserved) plus what
         * retirement has not scanned yet (a batch per retiring thread). */
        ck_assert_msg(st.retired_values_pending <= 256, "%s backlog %llu values", lfmap_reclamation(c.m),
                      (unsigned long long)st.retired_values_pending);
        ck_assert_msg(peak_tables <= 8, "%s backlog %llu tables", lfmap_reclamation(c.m),
                      (unsigned long long)peak_tables);
    } else {
        /* Everything retired since the reader entered waits for it (leak:
         * everything, forever). */
        ck_assert_msg(st.retired_values_pending >= replaced, "%s: %llu of %llu values pending",
                      lfmap_reclamation(c.m), (unsigned long long)st.retired_values_pending,
                      (unsigned long long)replaced);
        ck_assert_uint_ge(st.retired_tables, 2 * rounds);
    }
    ck_assert_uint_ge(st.retired_bytes_pending, st.retired_values_pending * 8);
    atomic_store(&c.phase, 2);
    pthread_join(th, NULL);
    /* Reader gone, every thread quiescent: all of it is freed (but leak). */
    if (!is_leak(c.m)) {
        for (int i = 0; i < 2000; i++) {
            lfmap_get_stats(c.m, &st);
            if (st.retired_bytes_pending == 0)
                break;
            nudge();
            sleep_us(5000);
        }
        ck_assert_msg(st.retired_bytes_pending == 0 && st.retired_values_pending == 0 && st.retired_tables == 0,
                      "%s: %llu bytes, %llu values, %llu tables still pending after the reader left",
                      lfmap_reclamation(c.m), (unsigned long long)st.retired_bytes_pending,
                      (unsigned long long)st.retired_values_pending, (unsigned long long)st.retired_tables);
    }
    lfmap_thread_unregister();
    bool leak = is_leak(c.m);
    scratch_free();
    lfmap_free(c.m);
    if (!leak)
        ck_assert_uint_eq(atomic_load(&destroyed), atomic_load(&created));
    graveyard_free();
}
END_TEST

/* ---- (d) no scheme leaks once all threads are quiescent ---------------- */

static void *churn_thread(void *arg)
{
    lfmap *m = arg;
    ck_assert_int_eq(lfmap_thread_register(), 0);
    struct tu_rng r;
    tu_rng_seed(&r, (uint64_t)(uintptr_t)&r);
    uint64_t n = tu_scaled(20000, 2000);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t k = tu_below(&r, 4096);
        if (tu_below(&r, 2))
            ck_assert_int_ge(lfmap_put(m, k, V(obj_new(k)), NULL), 0);
        else
            lfmap_remove(m, k, NULL);
        if ((i & 255) == 0)
            lfmap_quiescent();
    }
    lfmap_thread_unregister();
    return NULL;
}

START_TEST(nothing_left_once_quiescent)
{
    atomic_store(&created, 0);
    atomic_store(&destroyed, 0);
    lfmap *m = map_with_destructor(0);
    lfmap *plain = lfmap_new(NULL); /* tables only */
    ck_assert_ptr_nonnull(plain);
    pthread_t th[3];
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, churn_thread, m), 0);
    ck_assert_int_eq(lfmap_thread_register(), 0);
    for (uint64_t round = 0; round < tu_scaled(20, 4); round++) {
        for (uint64_t k = 0; k < 5000; k++)
            ck_assert_int_eq(lfmap_insert(plain, k, k), 1);
        for (uint64_t k = 0; k < 5000; k++)
            ck_assert_int_eq(lfmap_remove(plain, k, NULL), 1);
        lfmap_quiescent();
    }
    lfmap_thread_unregister();
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    struct lfmap_stats st;
    lfmap_get_stats(plain, &st);
    ck_assert_uint_ge(st.resizes, 2);
    lfmap_free(plain);
    bool leak = is_leak(m);
    lfmap_free(m);
    /* LeakSanitizer (make asan) checks the tables and retire records at
     * exit; the destructor count checks the values. */
    if (!leak)
        ck_assert_uint_eq(atomic_load(&destroyed), atomic_load(&created));
    graveyard_free();
}
END_TEST

static Suite *schemes_suite(void)
{
    Suite *s = suite_create("schemes");
    TCase *tc = tcase_create("schemes");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, scheme_list_and_bad_names);
    tcase_add_test(tc, fetch_add_refused_with_a_destructor);
    tcase_add_test(tc, destructor_runs_once_per_value);
    tcase_add_test(tc, retired_value_outlives_its_reader);
    tcase_add_test(tc, readers_never_see_poison);
    tcase_add_test(tc, stalled_reader_backlog);
    tcase_add_test(tc, nothing_left_once_quiescent);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ck_run_suite(schemes_suite(), true);
}
