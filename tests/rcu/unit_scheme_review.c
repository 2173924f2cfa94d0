/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Regression tests for the review of the reclamation schemes
 * (rcu/SCHEMES.md, "Review findings and their fixes").  One test per
 * finding; each failed (crash, double destruction, early destruction,
 * deadlock caught by the timeout, or assertion) before its fix.
 *
 * Tests about one scheme (ck-hp, ebr, the liburcu flavours) name it in
 * their map's config and run in the default pass of tests/run.sh only
 * (LFMAP_RCU unset) or in that scheme's pass; the others use the map's
 * default scheme and so run under every scheme.
 */
#include "lfmap.h"

#include <check.h>

#include "ck_fast.h"
#include "ck_run.h"
#include "test_alloc.h"
#include "scheme_props.h"
#include "test_values.h"
#include "testutil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <urcu/urcu-bp.h>
#include <urcu/urcu-mb.h>
#include <urcu/urcu-qsbr.h>

/* liburcu's call-rcu.h declares rcu_barrier for the first flavour included
 * only (urcu-bp here); qsbr's is the same function of liburcu-qsbr. */
void urcu_qsbr_barrier(void);

static uint64_t obj_new(void)
{
    return (uint64_t)(uintptr_t)obj_alloc(0);
}

static void counts_reset(void)
{
    atomic_store(&created, 0);
    atomic_store(&destroyed, 0);
}

/* The scheme a scheme-specific test uses, or NULL to skip it in this pass
 * (the per-scheme passes of tests/run.sh set LFMAP_RCU). */
static const char *only_in_pass(const char *scheme)
{
    const char *env = getenv("LFMAP_RCU");
    return !env || !*env || !strcmp(env, scheme) ? scheme : NULL;
}

static lfmap *map_of(const char *scheme, void (*value_free)(uint64_t, void *))
{
    struct lfmap_config cfg = {.reclamation = scheme, .value_free = value_free};
    lfmap *m = lfmap_new(&cfg);
    ck_assert_ptr_nonnull(m);
    return m;
}

static void nap_us(long us)
{
    struct timespec ts = {0, us * 1000};
    nanosleep(&ts, NULL);
}

/* ---- Finding 1: a put or cas storing the value the key holds retired it
 * while it stayed in the map (destroyed once then, and again by lfmap_free:
 * a double free). */
START_TEST(same_value_put_and_cas_destroy_exactly_once)
{
    counts_reset();
    ck_assert_int_eq(lfmap_thread_register(), 0);
    lfmap *m = map_of(NULL, obj_destroy);
    bool leak = scheme_never_frees(lfmap_reclamation(m));
    uint64_t p = obj_new();
    ck_assert_int_eq(lfmap_put(m, 7, p, NULL), 1);
    for (int i = 0; i < 100; i++) {
        ck_assert_int_eq(lfmap_put(m, 7, p, NULL), 0);
        ck_assert_int_eq(lfmap_cas(m, 7, p, p), 1);
    }
    for (int i = 0; i < 50; i++)
        lfmap_quiescent();
    ck_assert_msg(obj_live(p), "a value still in the map was destroyed");
    struct lfmap_stats st;
    lfmap_get_stats(m, &st);
    ck_assert_uint_eq(st.retired_values_pending, 0);
    lfmap_free(m);
    lfmap_thread_unregister();
    if (!leak) {
        /* lfmap_free's value_free may run after a grace period (liburcu's
         * call_rcu thread); give it a moment. */
        for (int i = 0; i < 2000 && atomic_load(&destroyed) == 0; i++)
            nap_us(1000);
        ck_assert_uint_eq(atomic_load(&destroyed), 1);
    }
    graveyard_free();
}
END_TEST

/* ---- Finding 2: ck-hp ran callbacks inline in the writer's retire; a
 * destructor using another ck-hp map overwrote the thread's hazards and a
 * table was freed while the outer write still used it (ASan: UAF). */
static lfmap *index_map;

static void destroy_and_unindex(uint64_t v, void *ctx)
{
    for (uint64_t i = 0; i < 40; i++)
        lfmap_put(index_map, ((v >> 4) & 0xffff) + i, obj_new(), NULL);
    obj_destroy(v, ctx);
}

START_TEST(hp_destructor_using_another_hp_map)
{
    const char *s = only_in_pass("ck-hp");
    if (!s)
        return;
    counts_reset();
    ck_assert_int_eq(lfmap_thread_register(), 0);
    lfmap *m = map_of(s, destroy_and_unindex);
    index_map = map_of(s, obj_destroy);
    uint64_t rounds = tu_scaled(300, 30);
    for (uint64_t r = 0; r < rounds; r++) {
        for (uint64_t k = 0; k < 300; k++)
            ck_assert_int_ge(lfmap_put(m, k, obj_new(), NULL), 0);
        for (uint64_t k = 0; k < 300; k++)
            ck_assert_int_eq(lfmap_remove(m, k, NULL), 1);
    }
    lfmap_free(m);
    lfmap_free(index_map);
    lfmap_thread_unregister();
    ck_assert_uint_eq(atomic_load(&destroyed), atomic_load(&created));
    graveyard_free();
}
END_TEST

/* ---- Finding 3: with > 512 hazards set (~260 threads in read sections)
 * ck 0.7.1's ck_hp_reclaim overflowed its hazard cache; the scan is now
 * lfmap's own.  300 readers each hold a value (and a table) while the main
 * thread retires values; no held value may be destroyed. */
#define MANY 300
static lfmap *many_map;
static _Atomic int many_in, many_go, many_bad;

static void *many_reader(void *arg)
{
    uint64_t k = (uint64_t)(uintptr_t)arg, v = 0;
    ck_assert_int_eq(lfmap_thread_register(), 0);
    lfmap_read_lock(many_map);
    bool found = lfmap_get(many_map, k, &v);
    atomic_fetch_add(&many_in, 1);
    while (!atomic_load(&many_go))
        nap_us(1000);
    if (!found || !obj_live(v))
        atomic_store(&many_bad, 1);
    lfmap_read_unlock(many_map);
    lfmap_thread_unregister();
    return NULL;
}

START_TEST(hp_more_hazards_than_ck_caches)
{
    const char *s = only_in_pass("ck-hp");
    if (!s)
        return;
    counts_reset();
    ck_assert_int_eq(lfmap_thread_register(), 0);
    many_map = map_of(s, obj_destroy);
    for (uint64_t k = 0; k < MANY + 1; k++)
        ck_assert_int_eq(lfmap_put(many_map, k, obj_new(), NULL), 1);
    pthread_t th[MANY];
    int started = 0;
    for (; started < MANY; started++)
        if (pthread_create(&th[started], NULL, many_reader, (void *)(uintptr_t)started))
            break;
    ck_assert_int_ge(started, 260); /* more than 512 hazards */
    while (atomic_load(&many_in) < started)
        nap_us(1000);
    /* Replace every value the readers hold, then retire enough to scan. */
    for (uint64_t k = 0; k < (uint64_t)started; k++)
        ck_assert_int_eq(lfmap_put(many_map, k, obj_new(), NULL), 0);
    for (int i = 0; i < 200; i++)
        ck_assert_int_eq(lfmap_put(many_map, MANY, obj_new(), NULL), 0);
    lfmap_quiescent(); /* a scan */
    atomic_store(&many_go, 1);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    ck_assert_msg(!atomic_load(&many_bad), "a value held by a reader was destroyed");
    lfmap_free(many_map);
    lfmap_thread_unregister();
    ck_assert_uint_eq(atomic_load(&destroyed), atomic_load(&created));
    graveyard_free();
}
END_TEST

/* ---- Findings 4 and 5: under ck-hp, *old of a put/remove inside
 * lfmap_read_lock..unlock was not protected; and the value hazard is one
 * per thread (documented: a get on another ck-hp map moves it). */
static lfmap *hv_map;
static _Atomic int hv_phase;

static void *hv_writer(void *arg)
{
    (void)arg;
    ck_assert_int_eq(lfmap_thread_register(), 0);
    while (atomic_load(&hv_phase) != 1)
        nap_us(100);
    ck_assert_int_eq(lfmap_put(hv_map, 1, obj_new(), NULL), 0); /* replaces what main got */
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(lfmap_put(hv_map, 3, obj_new(), NULL), i == 0);
    lfmap_quiescent(); /* a scan, outside any section */
    atomic_store(&hv_phase, 2);
    while (atomic_load(&hv_phase) != 3)
        nap_us(100);
    lfmap_quiescent(); /* another scan, after main's get on the other map */
    atomic_store(&hv_phase, 4);
    lfmap_thread_unregister();
    return NULL;
}

START_TEST(hp_values_protected_as_documented)
{
    const char *s = only_in_pass("ck-hp");
    if (!s)
        return;
    counts_reset();
    atomic_store(&hv_phase, 0);
    ck_assert_int_eq(lfmap_thread_register(), 0);
    hv_map = map_of(s, obj_destroy);
    lfmap *other = map_of(s, obj_destroy);
    ck_assert_int_eq(lfmap_put(hv_map, 1, obj_new(), NULL), 1);
    ck_assert_int_eq(lfmap_put(hv_map, 2, obj_new(), NULL), 1);
    ck_assert_int_eq(lfmap_put(other, 1, obj_new(), NULL), 1);
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, hv_writer, NULL), 0);
    lfmap_read_lock(hv_map);
    uint64_t got = 0, old = 0, o2 = 0;
    ck_assert(lfmap_get(hv_map, 1, &got));
    ck_assert_int_eq(lfmap_put(hv_map, 2, obj_new(), &old), 0); /* old: retired by us */
    atomic_store(&hv_phase, 1);
    while (atomic_load(&hv_phase) != 2)
        nap_us(100);
    ck_assert_msg(obj_live(got), "the value lfmap_get returned was destroyed inside the section");
    ck_assert_msg(obj_live(old), "the *old lfmap_put returned was destroyed inside the section");
    /* Finding 5, as documented: a get on another ck-hp map moves the value
     * hazard; the first value is then no longer protected (old still is). */
    ck_assert(lfmap_get(other, 1, &o2));
    atomic_store(&hv_phase, 3);
    while (atomic_load(&hv_phase) != 4)
        nap_us(100);
    ck_assert_msg(obj_live(old), "*old lost its protection to a get");
    ck_assert_msg(!obj_live(got), "a get on another ck-hp map kept the first value's hazard (docs say it moves)");
    lfmap_read_unlock(hv_map);
    pthread_join(th, NULL);
    lfmap_free(hv_map);
    lfmap_free(other);
    lfmap_thread_unregister();
    ck_assert_uint_eq(atomic_load(&destroyed), atomic_load(&created));
    graveyard_free();
}
END_TEST

/* ---- Finding 6: a program registered with urcu-mb / urcu-qsbr / urcu-bp
 * itself: lfmap uses that registration (liburcu asserted on the second
 * one) and leaves it alone (liburcu asserts in the program's own
 * unregister if lfmap took it away). */
static void compose_with(const char *flavour)
{
    if (!only_in_pass(flavour))
        return;
    bool qsbr = !strcmp(flavour, "urcu-qsbr"), mb = !strcmp(flavour, "urcu-mb");
    if (qsbr)
        urcu_qsbr_register_thread();
    else if (mb)
        urcu_mb_register_thread();
    else
        urcu_bp_register_thread();
    ck_assert_int_eq(lfmap_thread_register(), 0);
    lfmap *m = map_of(flavour, NULL);
    for (uint64_t k = 0; k < 20000; k++) /* lazy registration with the flavour, and resizes */
        ck_assert_int_eq(lfmap_put(m, k, k, NULL), 1);
    lfmap_quiescent();
    lfmap_thread_unregister();
    /* The program's registration must still be there. */
    if (qsbr) {
        urcu_qsbr_read_lock();
        urcu_qsbr_read_unlock();
        urcu_qsbr_quiescent_state();
    } else if (mb) {
        urcu_mb_read_lock();
        urcu_mb_read_unlock();
    } else {
        urcu_bp_read_lock();
        urcu_bp_read_unlock();
    }
    ck_assert_int_eq(lfmap_thread_register(), 0);
    ck_assert_uint_eq(lfmap_size(m), 20000);
    lfmap_free(m);
    lfmap_thread_unregister();
    if (qsbr)
        urcu_qsbr_unregister_thread(); /* liburcu asserts if it was unregistered already */
    else if (mb)
        urcu_mb_unregister_thread();
    else
        urcu_bp_unregister_thread();
}

START_TEST(composes_with_a_liburcu_mb_program)
{
    compose_with("urcu-mb");
}
END_TEST

START_TEST(composes_with_a_liburcu_qsbr_program)
{
    compose_with("urcu-qsbr");
}
END_TEST

START_TEST(composes_with_a_liburcu_bp_program)
{
    compose_with("urcu-bp");
}
END_TEST

/* ---- Finding 7: ebr ran callbacks under its reclaim lock; a destructor
 * that frees another ebr map (lfmap_free -> barrier) deadlocked.  Run
 * under ebr in the default pass and under each scheme in its own pass. */
static void free_inner(uint64_t v, void *ctx)
{
    (void)ctx;
    lfmap_free((lfmap *)(uintptr_t)v);
}

START_TEST(destructor_frees_a_map_of_the_same_scheme)
{
    const char *env = getenv("LFMAP_RCU");
    const char *s = env && *env ? env : "ebr";
    ck_assert_int_eq(lfmap_thread_register(), 0);
    lfmap *outer = map_of(s, free_inner);
    for (int round = 0; round < 4; round++) {
        lfmap *in = map_of(s, NULL);
        for (uint64_t k = 0; k < 3000; k++) /* resizes: tables retired */
            ck_assert_int_eq(lfmap_put(in, k, k, NULL), 1);
        ck_assert_int_eq(lfmap_put(outer, 1, (uint64_t)(uintptr_t)in, NULL), round == 0);
    }
    ck_assert_int_eq(lfmap_remove(outer, 1, NULL), 1);
    lfmap_free(outer); /* the barrier runs free_inner, whose lfmap_free barriers again */
    lfmap_thread_unregister();
}
END_TEST

/* ---- Finding 8: urcu-qsbr: a registered thread blocked in pthread_join
 * stopped the grace period that the joined thread's lfmap_free waited
 * for.  Documented usage: lfmap_thread_offline() around the blocking call. */
static struct lfmap_config qsbr_cfg = {.reclamation = "urcu-qsbr"};

/* The program registers the thread with liburcu-qsbr itself, then lfmap
 * uses that registration for a map holding key 1.  NULL outside the
 * urcu-qsbr pass. */
static lfmap *qsbr_map_on_the_programs_registration(void)
{
    if (!only_in_pass("urcu-qsbr"))
        return NULL;
    urcu_qsbr_register_thread();
    ck_assert_int_eq(lfmap_thread_register(), 0);
    lfmap *m = lfmap_new(&qsbr_cfg);
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(lfmap_put(m, 1, 1, NULL), 1); /* lfmap uses the program's registration */
    return m;
}

static void *qsbr_worker(void *arg)
{
    (void)arg;
    ck_assert_int_eq(lfmap_thread_register(), 0);
    lfmap *w = lfmap_new(&qsbr_cfg);
    ck_assert_ptr_nonnull(w);
    for (uint64_t k = 0; k < 5000; k++) /* resizes: tables retired */
        ck_assert_int_eq(lfmap_put(w, k, k, NULL), 1);
    lfmap_quiescent();
    lfmap_free(w); /* waits for a grace period */
    lfmap_thread_unregister();
    return NULL;
}

START_TEST(qsbr_offline_while_joining)
{
    if (!only_in_pass("urcu-qsbr"))
        return;
    ck_assert_int_eq(lfmap_thread_register(), 0);
    lfmap *m = lfmap_new(&qsbr_cfg);
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(lfmap_put(m, 1, 1, NULL), 1); /* registered with qsbr, online */
    lfmap_quiescent();
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, qsbr_worker, NULL), 0);
    lfmap_thread_offline();
    pthread_join(t, NULL); /* before the fix: a deadlock (the tcase timeout) */
    lfmap_thread_online();
    uint64_t v = 0;
    ck_assert(lfmap_get(m, 1, &v));
    ck_assert_uint_eq(v, 1);
    lfmap_thread_offline(); /* harmless twice, and for other schemes */
    lfmap_thread_offline();
    lfmap_thread_online();
    lfmap_thread_online();
    lfmap_free(m);
    lfmap_thread_unregister();
}
END_TEST

/* ---- Follow-up review, finding 6: lfmap_thread_online brought online a
 * thread the program had taken offline itself (urcu-qsbr). */
START_TEST(qsbr_online_leaves_the_programs_offline_alone)
{
    lfmap *m = qsbr_map_on_the_programs_registration();
    if (!m)
        return;
    urcu_qsbr_thread_offline(); /* the program's own offline */
    lfmap_thread_offline();
    lfmap_thread_online();
    ck_assert_msg(!urcu_qsbr_read_ongoing(), "lfmap_thread_online brought the program's offline thread online");
    urcu_qsbr_thread_online();
    lfmap_thread_offline(); /* lfmap's own: undone by lfmap_thread_online */
    ck_assert(!urcu_qsbr_read_ongoing());
    lfmap_thread_online();
    ck_assert(urcu_qsbr_read_ongoing());
    lfmap_free(m);
    lfmap_thread_unregister();
    urcu_qsbr_unregister_thread();
}
END_TEST

/* ---- Finding 10: once writers stop and every thread is quiescent, nothing
 * retired stays pending (ck-epoch, ebr and ck-hp kept the last retired
 * objects until lfmap_free); the destructor count is exact. */
static void *churner(void *arg)
{
    lfmap *m = arg;
    ck_assert_int_eq(lfmap_thread_register(), 0);
    uint64_t n = tu_scaled(20000, 2000);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t k = i % 3000;
        if (i % 7 == 3)
            ck_assert_int_ge(lfmap_remove(m, k, NULL), 0);
        else
            ck_assert_int_ge(lfmap_put(m, k, obj_new(), NULL), 0);
        if ((i & 1023) == 0)
            lfmap_quiescent();
    }
    lfmap_quiescent();
    lfmap_thread_unregister();
    return NULL;
}

START_TEST(nothing_pending_once_quiescent)
{
    counts_reset();
    ck_assert_int_eq(lfmap_thread_register(), 0);
    lfmap *m = map_of(NULL, obj_destroy);
    bool leak = scheme_never_frees(lfmap_reclamation(m));
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, churner, m), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    /* Shrink the map too (tables retired), then go idle. */
    for (uint64_t k = 0; k < 3000; k++)
        ck_assert_int_ge(lfmap_remove(m, k, NULL), 0);
    ck_assert_int_eq(lfmap_put(m, 1, obj_new(), NULL), 1);
    struct lfmap_stats st;
    int i = 0;
    for (; i < 5000; i++) {
        lfmap_quiescent();
        lfmap_get_stats(m, &st);
        if (st.retired_bytes_pending == 0 && st.retired_values_pending == 0)
            break;
        if (i >= 8)
            nap_us(1000); /* liburcu's call_rcu thread frees after a grace period */
    }
    if (!leak) {
        ck_assert_msg(st.retired_bytes_pending == 0 && st.retired_values_pending == 0,
                      "%s: %zu bytes, %zu values still pending after the threads went quiescent",
                      lfmap_reclamation(m), (size_t)st.retired_bytes_pending, (size_t)st.retired_values_pending);
        ck_assert_uint_eq(atomic_load(&destroyed) + lfmap_size(m), atomic_load(&created));
    }
    lfmap_free(m);
    lfmap_thread_unregister();
    if (!leak)
        ck_assert_uint_eq(atomic_load(&destroyed), atomic_load(&created));
    graveyard_free();
}
END_TEST

/* ---- Follow-up review, finding 1: lfmap_thread_unregister unregistered
 * the schemes in schemes.def order with every bit still set; a ck-hp
 * callback run by hp_unregister (deferred by another thread's section)
 * used a ck-epoch or urcu-memb map of an already unregistered scheme
 * (ck_epoch_begin on a NULL record: a crash).  Now every scheme drains
 * first, and each bit is cleared before its scheme unregisters. */
#define XN 512
static lfmap *x_hp, *x_epoch, *x_memb;
static _Atomic uint64_t x_next;
static _Atomic int x_phase;

static void destroy_and_remove_elsewhere(uint64_t v, void *ctx)
{
    uint64_t k = atomic_fetch_add(&x_next, 1);
    ck_assert_int_ge(lfmap_remove(x_epoch, k, NULL), 0);
    ck_assert_int_ge(lfmap_remove(x_memb, k, NULL), 0);
    obj_destroy(v, ctx);
}

static void *x_worker(void *arg)
{
    (void)arg;
    ck_assert_int_eq(lfmap_thread_register(), 0);
    for (uint64_t k = 0; k < XN; k++) {
        ck_assert_int_eq(lfmap_put(x_epoch, k, obj_new(), NULL), 1);
        ck_assert_int_eq(lfmap_put(x_memb, k, obj_new(), NULL), 1);
    }
    uint64_t v;
    (void)lfmap_get(x_hp, 0, &v); /* registered with all three schemes */
    atomic_store(&x_phase, 1);
    while (atomic_load(&x_phase) != 2)
        nap_us(100);
    lfmap_thread_unregister(); /* runs callbacks the main thread deferred */
    atomic_store(&x_phase, 3);
    return NULL;
}

START_TEST(unregister_runs_callbacks_while_all_schemes_registered)
{
    if (!only_in_pass("ck-hp"))
        return;
    counts_reset();
    atomic_store(&x_next, 0);
    atomic_store(&x_phase, 0);
    ck_assert_int_eq(lfmap_thread_register(), 0);
    x_hp = map_of("ck-hp", destroy_and_remove_elsewhere);
    x_epoch = map_of("ck-epoch", obj_destroy);
    x_memb = map_of("urcu-memb", obj_destroy);
    for (uint64_t k = 0; k < XN; k++)
        ck_assert_int_eq(lfmap_put(x_hp, k, obj_new(), NULL), 1);
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, x_worker, NULL), 0);
    while (atomic_load(&x_phase) != 1)
        nap_us(100);
    /* Removes inside a section: ck-hp defers the ready callbacks to the
     * next depth-0 point of any thread, here the worker's unregister. */
    lfmap_read_lock(x_hp);
    for (uint64_t k = 0; k < XN; k++)
        ck_assert_int_eq(lfmap_remove(x_hp, k, NULL), 1);
    atomic_store(&x_phase, 2);
    while (atomic_load(&x_phase) != 3)
        nap_us(100);
    lfmap_read_unlock(x_hp);
    pthread_join(t, NULL);
    lfmap_free(x_hp);
    ck_assert_uint_eq(atomic_load(&x_next), XN);
    lfmap_free(x_epoch);
    lfmap_free(x_memb);
    lfmap_thread_unregister();
    /* urcu-memb's value_free may run on liburcu's call_rcu thread. */
    for (int i = 0; i < 2000 && atomic_load(&destroyed) != atomic_load(&created); i++)
        nap_us(1000);
    ck_assert_uint_eq(atomic_load(&created), 3 * XN);
    ck_assert_uint_eq(atomic_load(&destroyed), atomic_load(&created));
    graveyard_free();
}
END_TEST

/* ======================================================================
 * Second review (issue 18): one test per defect; each fails on the code
 * before its fix, through the public API.
 * ====================================================================== */

/* Integer values with a destructor that counts destructions per value. */
#define IV_MAX 64u
static _Atomic unsigned iv_destroyed[IV_MAX];

static void iv_destroy(uint64_t v, void *ctx)
{
    (void)ctx;
    if (v < IV_MAX)
        atomic_fetch_add(&iv_destroyed[v], 1);
}

static void iv_reset(void)
{
    for (unsigned i = 0; i < IV_MAX; i++)
        atomic_store(&iv_destroyed[i], 0);
}

/* Retires values on m from another thread and drives reclamation (scans,
 * epochs, quiescent states), so that whatever a scheme may free is freed. */
struct churn_arg {
    lfmap *m;
    uint64_t key;
};

static void *churn_and_reclaim(void *arg)
{
    struct churn_arg *a = arg;
    ck_assert_int_eq(lfmap_thread_register(), 0);
    for (int round = 0; round < 20; round++) {
        for (uint64_t i = 0; i < 100; i++)
            ck_assert_int_ge(lfmap_put(a->m, a->key, IV_MAX + i, NULL), 0); /* values past IV_MAX: not counted */
        lfmap_quiescent();
        nap_us(1000);
    }
    lfmap_thread_unregister();
    return NULL;
}

static void churn_elsewhere(lfmap *m, uint64_t key)
{
    struct churn_arg a = {m, key};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, churn_and_reclaim, &a), 0);
    pthread_join(t, NULL);
}

/* ---- Defect 1: ck-hp never protected the value 0 (its hazard is NULL, an
 * empty slot); a 0 returned by lfmap_get, or by put in *old, was destroyed
 * while the reader still held lfmap_read_lock.  Every scheme. */
START_TEST(value_zero_protected_like_any_other)
{
    iv_reset();
    ck_assert_int_eq(lfmap_thread_register(), 0);
    lfmap *m = map_of(NULL, iv_destroy);
    ck_assert_int_eq(lfmap_insert(m, 1, 0), 1);
    ck_assert_int_eq(lfmap_insert(m, 2, 1), 1);
    uint64_t got = 99, old = 99;
    lfmap_read_lock(m);
    ck_assert(lfmap_get(m, 1, &got));
    ck_assert_uint_eq(got, 0);
    /* Another thread replaces it (retiring it) and reclaims. */
    struct churn_arg a = {m, 1};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, churn_and_reclaim, &a), 0);
    pthread_join(t, NULL);
    ck_assert_msg(atomic_load(&iv_destroyed[0]) == 0,
                  "%s: the value 0 lfmap_get returned was destroyed inside lfmap_read_lock",
                  lfmap_reclamation(m));
    lfmap_read_unlock(m);
    bool leak = scheme_never_frees(lfmap_reclamation(m));
    /* Let that 0 be destroyed now, so that the count below is about the
     * next one only. */
    for (int i = 0; i < 2000 && !leak && atomic_load(&iv_destroyed[0]) == 0; i++) {
        churn_elsewhere(m, 5);
        lfmap_quiescent();
    }
    /* The same for *old: 0 stored under key 3, replaced by our put. */
    ck_assert_int_eq(lfmap_insert(m, 3, 0), 1);
    lfmap_read_lock(m);
    ck_assert_int_eq(lfmap_put(m, 3, 2, &old), 0);
    ck_assert_uint_eq(old, 0);
    unsigned before = atomic_load(&iv_destroyed[0]);
    churn_elsewhere(m, 4);
    ck_assert_msg(atomic_load(&iv_destroyed[0]) == before,
                  "%s: the value 0 lfmap_put returned in *old was destroyed inside lfmap_read_lock",
                  lfmap_reclamation(m));
    lfmap_read_unlock(m);
    lfmap_free(m);
    lfmap_thread_unregister();
    if (!leak) {
        for (int i = 0; i < 2000 && atomic_load(&iv_destroyed[0]) < 2; i++)
            nap_us(1000); /* liburcu frees on its call_rcu thread */
        ck_assert_uint_eq(atomic_load(&iv_destroyed[0]), 2);
        ck_assert_uint_eq(atomic_load(&iv_destroyed[1]), 1);
        ck_assert_uint_eq(atomic_load(&iv_destroyed[2]), 1);
    }
}
END_TEST

/* ---- Defect 2: lfmap_free of a urcu-qsbr map took the thread offline for
 * its barrier even when the registration was the program's and the
 * program was inside its own urcu_qsbr_read_lock section: the program's
 * grace period completed inside its section.  liburcu-qsbr cannot tell a
 * section from "online" (its read lock is empty), so lfmap_free never
 * waits on an online thread whose registration is the program's; what it
 * promises then is that the map's memory is freed by reclamation, by the
 * program's next urcu_qsbr_barrier() at the latest. */
static _Atomic int gp_done;

static void *synchronize_once(void *arg)
{
    (void)arg;
    urcu_qsbr_synchronize_rcu(); /* an unregistered thread may wait for a grace period */
    atomic_store(&gp_done, 1);
    return NULL;
}

START_TEST(qsbr_free_keeps_the_programs_section)
{
    if (!only_in_pass("urcu-qsbr"))
        return;
    struct test_alloc ta;
    ta_init(&ta);
    atomic_store(&gp_done, 0);
    urcu_qsbr_register_thread();
    ck_assert_int_eq(lfmap_thread_register(), 0);
    struct lfmap_config cfg = {.reclamation = "urcu-qsbr", .allocator = &ta.iface};
    lfmap *m = lfmap_new(&cfg);
    ck_assert_ptr_nonnull(m);
    for (uint64_t k = 0; k < 5000; k++) /* resizes: retired tables wait for a grace period */
        ck_assert_int_eq(lfmap_put(m, k, k, NULL), 1);
    struct lfmap_stats st;
    lfmap_get_stats(m, &st);
    ck_assert_uint_ge(st.resizes, 2);
    urcu_qsbr_read_lock(); /* the program's own section */
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, synchronize_once, NULL), 0);
    nap_us(50000);
    ck_assert_int_eq(atomic_load(&gp_done), 0); /* our section holds it */
    lfmap_free(m);
    nap_us(50000);
    ck_assert_msg(!atomic_load(&gp_done),
                  "lfmap_free ended the program's urcu-qsbr read-side section: a grace period completed inside it");
    ck_assert_msg(urcu_qsbr_read_ongoing(), "lfmap_free left the program's thread offline");
    urcu_qsbr_read_unlock();
    /* Out of the section: a quiescent state through lfmap too, which tells
     * ThreadSanitizer what liburcu's own calls below cannot (the retired
     * tables' frees follow this thread's reads of them). */
    lfmap_quiescent();
    urcu_qsbr_thread_offline(); /* blocking: offline, so that its grace period can end */
    pthread_join(t, NULL);
    urcu_qsbr_thread_online();
    lfmap_thread_unregister();
    /* The promise: the program's barrier, offline, frees the rest. */
    urcu_qsbr_thread_offline();
    urcu_qsbr_barrier();
    ck_assert_msg(ta_live(&ta) == 0, "%zu blocks of the freed map still allocated after urcu_qsbr_barrier()",
                  ta_live(&ta));
    urcu_qsbr_thread_online();
    urcu_qsbr_unregister_thread();
    ck_assert_uint_eq(atomic_load(&ta.bad_frees), 0);
    ta_destroy(&ta);
}
END_TEST

/* ---- Defect 3: under ck-hp, callbacks deferred by another thread's
 * section ran at the internal unlock of lfmap_get_stats and of
 * lfmap_foreach: a destructor that takes a lock held around those calls
 * deadlocked.  Every scheme: no destructor runs on the calling thread
 * inside either (no resize is in progress for foreach to finish). */
static _Thread_local bool inside_call;
static _Atomic unsigned destroyed_inside;

static void flag_destroy(uint64_t v, void *ctx)
{
    if (inside_call)
        atomic_fetch_add(&destroyed_inside, 1);
    obj_destroy(v, ctx);
}

static lfmap *d3_map;
static _Atomic int d3_phase;

static void *d3_writer(void *arg)
{
    (void)arg;
    ck_assert_int_eq(lfmap_thread_register(), 0);
    lfmap_read_lock(d3_map);
    /* Retires inside a section: ck-hp defers what its scans find free. */
    for (int i = 0; i < 512; i++)
        ck_assert_int_eq(lfmap_put(d3_map, (uint64_t)(i % 16), obj_new(), NULL), 0);
    atomic_store(&d3_phase, 1);
    while (atomic_load(&d3_phase) != 2)
        nap_us(200);
    lfmap_read_unlock(d3_map);
    lfmap_quiescent();
    lfmap_thread_unregister();
    return NULL;
}

static int count_cb(uint64_t key, uint64_t value, void *arg)
{
    (void)key;
    (void)value;
    ++*(unsigned *)arg;
    return 0;
}

START_TEST(no_destructor_inside_stats_or_foreach)
{
    counts_reset();
    atomic_store(&destroyed_inside, 0);
    atomic_store(&d3_phase, 0);
    ck_assert_int_eq(lfmap_thread_register(), 0);
    d3_map = map_of(NULL, flag_destroy);
    for (uint64_t k = 0; k < 16; k++)
        ck_assert_int_eq(lfmap_put(d3_map, k, obj_new(), NULL), 1);
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, d3_writer, NULL), 0);
    while (atomic_load(&d3_phase) != 1)
        nap_us(200);
    struct lfmap_stats st;
    inside_call = true;
    lfmap_get_stats(d3_map, &st);
    inside_call = false;
    ck_assert_msg(atomic_load(&destroyed_inside) == 0, "%s: %u destructors ran inside lfmap_get_stats",
                  lfmap_reclamation(d3_map), atomic_load(&destroyed_inside));
    unsigned n = 0;
    inside_call = true;
    ck_assert_int_eq(lfmap_foreach(d3_map, count_cb, &n), 0);
    inside_call = false;
    ck_assert_uint_eq(n, 16);
    ck_assert_msg(atomic_load(&destroyed_inside) == 0, "%s: %u destructors ran inside lfmap_foreach",
                  lfmap_reclamation(d3_map), atomic_load(&destroyed_inside));
    atomic_store(&d3_phase, 2);
    pthread_join(t, NULL);
    bool leak = scheme_never_frees(lfmap_reclamation(d3_map));
    lfmap_free(d3_map);
    lfmap_thread_unregister();
    if (!leak) {
        for (int i = 0; i < 2000 && atomic_load(&destroyed) != atomic_load(&created); i++)
            nap_us(1000);
        ck_assert_uint_eq(atomic_load(&destroyed), atomic_load(&created));
    }
    graveyard_free();
}
END_TEST

/* Ends a test that retired exactly one counted object: frees m, leaves,
 * and (unless the scheme never frees) waits up to 2 s for the object's
 * destruction, which must come exactly once. */
static void free_and_expect_one_destroyed(lfmap *m)
{
    bool leak = scheme_never_frees(lfmap_reclamation(m));
    lfmap_free(m);
    lfmap_thread_unregister();
    if (!leak) {
        for (int i = 0; i < 2000 && atomic_load(&destroyed) != 1; i++)
            nap_us(1000);
        ck_assert_uint_eq(atomic_load(&destroyed), 1);
    }
    graveyard_free();
}

/* ---- Defect 4a: under ck-hp the values lfmap_foreach passed to its
 * callback were never protected, even inside lfmap_read_lock.  Every
 * scheme: inside lfmap_read_lock, the value fn receives stays alive until
 * fn returns, however another thread replaces it meanwhile. */
static lfmap *fe_map;

static int hold_and_replace(uint64_t key, uint64_t value, void *arg)
{
    (void)arg;
    /* Another thread replaces this very value, then reclaims. */
    pthread_t t;
    struct churn_arg a = {fe_map, key};
    ck_assert_int_eq(pthread_create(&t, NULL, churn_and_reclaim, &a), 0);
    pthread_join(t, NULL);
    ck_assert_msg(obj_live(value), "%s: the value lfmap_foreach passed was destroyed before the callback returned",
                  lfmap_reclamation(fe_map));
    return 1;
}

static void obj_or_int_destroy(uint64_t v, void *ctx)
{
    if (v >= IV_MAX + 100) /* the churn's integers are not objects */
        obj_destroy(v, ctx);
}

START_TEST(foreach_values_protected_inside_read_lock)
{
    counts_reset();
    ck_assert_int_eq(lfmap_thread_register(), 0);
    fe_map = map_of(NULL, obj_or_int_destroy);
    ck_assert_int_eq(lfmap_put(fe_map, 5, obj_new(), NULL), 1);
    lfmap_read_lock(fe_map);
    ck_assert_int_eq(lfmap_foreach(fe_map, hold_and_replace, NULL), 1);
    lfmap_read_unlock(fe_map);
    free_and_expect_one_destroyed(fe_map);
}
END_TEST

/* A reader that holds a section of m, with key 1's value got inside it:
 * phase 1 once it is in, until phase 2 or max_ms have passed. */
struct holder {
    lfmap *m;
    long max_ms;
    _Atomic int phase;
};

static void *hold_section(void *arg)
{
    struct holder *h = arg;
    ck_assert_int_eq(lfmap_thread_register(), 0);
    lfmap_read_lock(h->m);
    uint64_t v;
    ck_assert(lfmap_get(h->m, 1, &v));
    atomic_store(&h->phase, 1);
    for (long i = 0; i < h->max_ms && atomic_load(&h->phase) != 2; i++)
        nap_us(1000);
    lfmap_read_unlock(h->m);
    lfmap_quiescent();
    lfmap_thread_unregister();
    return NULL;
}

static void start_holder(struct holder *h, pthread_t *t)
{
    atomic_store(&h->phase, 0);
    ck_assert_int_eq(pthread_create(t, NULL, hold_section, h), 0);
    while (atomic_load(&h->phase) != 1)
        nap_us(200);
}

/* ---- Defect 4b: ck-epoch's lfmap_free busy-spun while it waited for a
 * reader (1.45 s of CPU in a 1.98 s wait).  Every scheme: a wait for a
 * reader sleeps. */
static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(free_waits_without_spinning)
{
    ck_assert_int_eq(lfmap_thread_register(), 0);
    static struct holder h = {.max_ms = 400};
    h.m = map_of(NULL, NULL);
    ck_assert_int_eq(lfmap_put(h.m, 1, 1, NULL), 1);
    pthread_t t;
    start_holder(&h, &t);
    lfmap *m = map_of(NULL, NULL);
    for (uint64_t k = 0; k < 3000; k++) /* resizes: retired tables to wait for */
        ck_assert_int_eq(lfmap_put(m, k, k, NULL), 1);
    lfmap_quiescent();
    double w0 = tu_now(), c0 = thread_cpu_s();
    lfmap_free(m);
    double wall = tu_now() - w0, cpu = thread_cpu_s() - c0;
    ck_assert_msg(cpu <= 0.25 * wall + 0.02, "%s: lfmap_free used %.3f s of CPU in a %.3f s wait",
                  lfmap_reclamation(h.m), cpu, wall);
    pthread_join(t, NULL);
    lfmap_free(h.m);
    lfmap_thread_unregister();
}
END_TEST

/* ---- Defect 4c: ck-hp's lfmap_free waited until nothing at all was
 * pending in the scheme, so a reader stalled in a section of an unrelated
 * map held it back.  Hazard schemes: lfmap_free waits for its own map's
 * objects only (the unrelated map is created after the reader stalled, so
 * that no era of the reader covers its tables either). */
/* ---- lfmap_free inside another scheme's value_free (review of issue
 * 18): a value_free of a map of the default scheme (run by liburcu's
 * call_rcu worker) frees a map of a hazard or era scheme while a reader of
 * that scheme stalls in a section of a third map.  lib/lfmap.h says
 * lfmap_free does not wait in a callback; the era schemes' may_wait only
 * knew their own callbacks, so it waited for the reader (2 s), and the
 * worker, and every default-scheme map's reclamation, waited with it. */
static lfmap *xcb_victim;

static void free_victim_value(uint64_t v, void *ctx)
{
    (void)ctx;
    if (v == 1)
        lfmap_free(xcb_victim);
}

START_TEST(free_inside_another_schemes_value_free_does_not_wait)
{
    const char *outer = lfmap_reclamation_scheme(0); /* the built-in default: its callbacks run on a worker */
    if (!only_in_pass(outer))
        return;
    ck_assert_int_eq(lfmap_thread_register(), 0);
    for (size_t i = 0; lfmap_reclamation_scheme(i); i++) {
        const char *s = lfmap_reclamation_scheme(i);
        if (!scheme_has_hazards(s) || !strcmp(s, outer))
            continue;
        static struct holder h = {.max_ms = 3000};
        struct lfmap_config inner = {.reclamation = s};
        h.m = lfmap_new(&inner);
        ck_assert_ptr_nonnull(h.m);
        ck_assert_int_eq(lfmap_put(h.m, 1, 1, NULL), 1);
        xcb_victim = lfmap_new(&inner); /* before the reader: its era covers the first table */
        ck_assert_ptr_nonnull(xcb_victim);
        pthread_t t;
        start_holder(&h, &t);
        for (uint64_t k = 0; k < 200; k++) /* resizes: retired tables the reader may hold */
            ck_assert_int_eq(lfmap_insert(xcb_victim, k, k), 1);
        struct lfmap_config cfg = {.reclamation = outer, .value_free = free_victim_value};
        lfmap *a = lfmap_new(&cfg);
        ck_assert_ptr_nonnull(a);
        ck_assert_int_eq(lfmap_insert(a, 7, 1), 1);
        ck_assert_int_eq(lfmap_remove(a, 7, NULL), 1); /* its value_free frees xcb_victim */
        double w0 = tu_now();
        lfmap_free(a); /* waits for a's callbacks */
        double wall = tu_now() - w0;
        bool reader_still_in = atomic_load(&h.phase) == 1;
        atomic_store(&h.phase, 2);
        pthread_join(t, NULL);
        lfmap_free(h.m);
        ck_assert_msg(wall < 1.0 || !reader_still_in,
                      "%s: lfmap_free of its map inside a %s value_free waited %.2f s for a stalled reader", s,
                      outer, wall);
    }
    lfmap_thread_unregister();
}
END_TEST

static void free_beside_a_stalled_reader(const char *scheme)
{
    counts_reset();
    ck_assert_int_eq(lfmap_thread_register(), 0);
    static struct holder h = {.max_ms = 3000};
    h.m = map_of(scheme, obj_destroy);
    ck_assert_int_eq(lfmap_put(h.m, 1, obj_new(), NULL), 1);
    pthread_t t;
    start_holder(&h, &t);
    ck_assert_int_eq(lfmap_put(h.m, 1, obj_new(), NULL), 0); /* retired, held by the reader */
    lfmap_quiescent();
    lfmap *m = map_of(scheme, NULL);
    for (uint64_t k = 0; k < 3000; k++) /* resizes: retired tables */
        ck_assert_int_eq(lfmap_put(m, k, k, NULL), 1);
    double w0 = tu_now();
    lfmap_free(m);
    double wall = tu_now() - w0;
    bool reader_still_in = atomic_load(&h.phase) == 1;
    atomic_store(&h.phase, 2);
    pthread_join(t, NULL);
    ck_assert_msg(wall < 1.0 && reader_still_in, "%s: lfmap_free waited %.2f s for a reader of another map",
                  scheme, wall);
    lfmap_free(h.m);
    lfmap_thread_unregister();
    ck_assert_uint_eq(atomic_load(&destroyed), atomic_load(&created));
    graveyard_free();
}

START_TEST(hazard_free_ignores_unrelated_stalled_reader)
{
    for (size_t i = 0; lfmap_reclamation_scheme(i); i++) {
        const char *s = lfmap_reclamation_scheme(i);
        if (scheme_has_hazards(s) && only_in_pass(s))
            free_beside_a_stalled_reader(s);
    }
}
END_TEST

/* ---- Defect 4d: with the program's own urcu-qsbr registration,
 * lfmap_thread_unregister left lfmap's "took it offline" mark behind, so a
 * later lfmap_thread_online brought online a thread the program had taken
 * offline itself (and the program's thread stayed offline meanwhile). */
START_TEST(qsbr_unregister_leaves_the_programs_state)
{
    lfmap *m = qsbr_map_on_the_programs_registration();
    if (!m)
        return;
    lfmap_thread_offline(); /* lfmap's own offline */
    lfmap_thread_unregister();
    ck_assert_msg(urcu_qsbr_read_ongoing(), "lfmap_thread_unregister left the program's thread offline");
    ck_assert_int_eq(lfmap_thread_register(), 0);
    ck_assert_int_eq(lfmap_put(m, 2, 2, NULL), 1);
    urcu_qsbr_thread_offline(); /* the program's own offline */
    lfmap_thread_online();
    ck_assert_msg(!urcu_qsbr_read_ongoing(), "lfmap_thread_online undid the program's own offline");
    urcu_qsbr_thread_online();
    lfmap_free(m);
    lfmap_thread_unregister();
    urcu_qsbr_thread_offline();
    urcu_qsbr_barrier(); /* lfmap_free did not wait (the program's registration, online) */
    urcu_qsbr_thread_online();
    urcu_qsbr_unregister_thread();
}
END_TEST

/* ---- Defect 4e: lfmap_thread_unregister inside lfmap_read_lock left
 * ebr's nesting depth set, and the thread's later sections (after it
 * registered again) announced nothing: a value got in such a section was
 * freed under the reader.  Now the unregister ends the thread's sections
 * (lib/lfmap.h).  Every scheme but urcu-bp, whose registration lfmap never
 * ends (liburcu-bp ends it at thread exit). */
START_TEST(sections_after_unregister_inside_one)
{
    counts_reset();
    ck_assert_int_eq(lfmap_thread_register(), 0);
    lfmap *m = map_of(NULL, obj_or_int_destroy);
    if (!strcmp(lfmap_reclamation(m), "urcu-bp")) {
        lfmap_free(m);
        lfmap_thread_unregister();
        return;
    }
    ck_assert_int_eq(lfmap_put(m, 1, obj_new(), NULL), 1);
    lfmap_read_lock(m);
    lfmap_thread_unregister(); /* inside the section: it ends it */
    lfmap_read_unlock(m);      /* unregistered: ignored */
    ck_assert_int_eq(lfmap_thread_register(), 0);
    lfmap_read_lock(m);
    uint64_t v;
    ck_assert(lfmap_get(m, 1, &v));
    churn_elsewhere(m, 1); /* replaces it and reclaims */
    ck_assert_msg(obj_live(v), "%s: a value got in a section after an unregister inside a section was freed",
                  lfmap_reclamation(m));
    lfmap_read_unlock(m);
    free_and_expect_one_destroyed(m);
}
END_TEST

static Suite *review_suite(void)
{
    Suite *s = suite_create("scheme_review");
    TCase *tc = tcase_create("scheme_review");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, same_value_put_and_cas_destroy_exactly_once);
    tcase_add_test(tc, hp_destructor_using_another_hp_map);
    tcase_add_test(tc, hp_more_hazards_than_ck_caches);
    tcase_add_test(tc, hp_values_protected_as_documented);
    tcase_add_test(tc, composes_with_a_liburcu_mb_program);
    tcase_add_test(tc, composes_with_a_liburcu_qsbr_program);
    tcase_add_test(tc, composes_with_a_liburcu_bp_program);
    tcase_add_test(tc, destructor_frees_a_map_of_the_same_scheme);
    tcase_add_test(tc, qsbr_offline_while_joining);
    tcase_add_test(tc, qsbr_online_leaves_the_programs_offline_alone);
    tcase_add_test(tc, nothing_pending_once_quiescent);
    tcase_add_test(tc, unregister_runs_callbacks_while_all_schemes_registered);
    tcase_add_test(tc, value_zero_protected_like_any_other);
    tcase_add_test(tc, qsbr_free_keeps_the_programs_section);
    tcase_add_test(tc, no_destructor_inside_stats_or_foreach);
    tcase_add_test(tc, foreach_values_protected_inside_read_lock);
    tcase_add_test(tc, free_waits_without_spinning);
    tcase_add_test(tc, hazard_free_ignores_unrelated_stalled_reader);
    tcase_add_test(tc, free_inside_another_schemes_value_free_does_not_wait);
    tcase_add_test(tc, qsbr_unregister_leaves_the_programs_state);
    tcase_add_test(tc, sections_after_unregister_inside_one);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ck_run_suite(review_suite(), true);
}
