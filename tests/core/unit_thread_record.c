/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The thread record's cached pointer to liburcu-memb's reader counter
 * (struct lfmap_thread_state.memb_ctr, set in lf_attach_slow): whatever the
 * order in which a thread meets maps, schemes and liburcu, the read side of
 * a urcu-memb map must work on this thread's real counter.  Checked as a
 * user sees it: the operations answer right, and a section opened with
 * lfmap_read_lock is one that liburcu's grace periods wait for.
 */
#define _LGPL_SOURCE /* urcu_memb_read_ongoing, urcu_memb_has_sys_membarrier */
#include "lfmap.h"

#include <check.h>
#include <urcu/urcu-memb.h>

#include "ck_run.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

static void check_map_works(lfmap *m, uint64_t base)
{
    uint64_t v = 0;
    for (uint64_t k = base; k < base + 200; k++)
        ck_assert_int_eq(lfmap_insert(m, k, k * 3), 1);
    for (uint64_t k = base; k < base + 200; k++) {
        ck_assert(lfmap_get(m, k, &v));
        ck_assert_uint_eq(v, k * 3);
    }
    for (uint64_t k = base; k < base + 200; k += 2)
        ck_assert_int_eq(lfmap_remove(m, k, NULL), 1);
    ck_assert(!lfmap_get(m, base, &v));
    ck_assert(lfmap_get(m, base + 1, &v));
}

/* A urcu-memb map's domain takes its kind from urcu_memb_has_sys_membarrier
 * when it is created (rcu/registry.c, domain_set), and liburcu sets that
 * flag in its constructor.  A map created before the constructor ran (a
 * constructor of a program that links liburcu-memb statically runs before
 * liburcu's: tests/packaging/static_urcu_ctor.sh) has kind LFRCU_CALLS, and a thread
 * that first meets urcu-memb through it gets the scheme's bit without the
 * cached counter (memb_ctr stays NULL).  A map created later has kind
 * LFRCU_INLINE_MEMB, and the thread's first operation on it dereferences
 * the NULL counter.  Here the flag is held at the value it has before
 * liburcu's constructor while the first map is created. */
START_TEST(memb_counter_cached_when_first_map_predates_membarrier_flag)
{
    if (!urcu_memb_has_sys_membarrier) {
        puts("skipped: no membarrier here, every urcu-memb map takes the calls");
        return;
    }
    ck_assert_int_eq(lfmap_thread_register(), 0);
    struct lfmap_config cfg = {.reclamation = "urcu-memb"};
    urcu_memb_has_sys_membarrier = 0; /* its value before liburcu's constructor */
    lfmap *early = lfmap_new(&cfg);
    urcu_memb_has_sys_membarrier = 1;
    ck_assert_ptr_nonnull(early);
    check_map_works(early, 1000); /* the thread's first use of urcu-memb */
    lfmap *m = lfmap_new(&cfg);
    ck_assert_ptr_nonnull(m);
    check_map_works(m, 5000); /* main: SIGSEGV here (NULL reader counter) */
    lfmap_read_lock(m);
    ck_assert(urcu_memb_read_ongoing());
    lfmap_read_unlock(m);
    lfmap_free(m);
    lfmap_free(early);
    lfmap_thread_unregister();
}
END_TEST

/* Grace periods must wait for a section opened by lfmap_read_lock: a
 * synchronize_rcu started inside it on another thread does not return until
 * the section ends.  (A section kept on some other counter would let it
 * return at once.) */
static atomic_int sync_done;
static void *synchronizer(void *arg)
{
    (void)arg;
    urcu_memb_register_thread();
    urcu_memb_synchronize_rcu();
    atomic_store(&sync_done, 1);
    urcu_memb_unregister_thread();
    return NULL;
}

static void check_section_holds_grace_period(lfmap *m)
{
    atomic_store(&sync_done, 0);
    lfmap_read_lock(m);
    ck_assert(urcu_memb_read_ongoing());
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, synchronizer, NULL), 0);
    usleep(100000);
    int early = atomic_load(&sync_done);
    lfmap_read_unlock(m);
    pthread_join(t, NULL);
    ck_assert_msg(!early, "a grace period ended inside lfmap_read_lock's section");
    ck_assert(atomic_load(&sync_done));
}

/* lfmap_read_lock as the thread's first touch of urcu-memb, after it met
 * other schemes first, then unregister and register again several times,
 * with the schemes met in a different order each round. */
START_TEST(read_lock_first_after_other_schemes_and_reregistration)
{
    struct lfmap_config memb_cfg = {.reclamation = "urcu-memb"};
    struct lfmap_config ebr_cfg = {.reclamation = "ebr"};
    struct lfmap_config leak_cfg = {.reclamation = "leak"};
    lfmap *memb = lfmap_new(&memb_cfg), *ebr = lfmap_new(&ebr_cfg), *leak = lfmap_new(&leak_cfg);
    ck_assert_ptr_nonnull(memb);
    ck_assert_ptr_nonnull(ebr);
    ck_assert_ptr_nonnull(leak);
    for (uint64_t round = 0; round < 4; round++) {
        ck_assert_int_eq(lfmap_thread_register(), 0);
        if (round & 1) {
            check_map_works(leak, round * 1000);
            check_map_works(ebr, round * 1000);
        } else {
            check_map_works(ebr, round * 1000);
        }
        check_section_holds_grace_period(memb); /* first touch of urcu-memb this round */
        check_map_works(memb, round * 1000);
        lfmap_thread_unregister();
        ck_assert(!urcu_memb_read_ongoing());
    }
    lfmap_free(memb);
    lfmap_free(ebr);
    lfmap_free(leak);
}
END_TEST

/* A program that registered the thread with liburcu-memb itself before
 * lfmap ever ran, and keeps using its own read side around lfmap's. */
START_TEST(program_registered_first_section_holds)
{
    urcu_memb_register_thread();
    ck_assert_int_eq(lfmap_thread_register(), 0);
    struct lfmap_config cfg = {.reclamation = "urcu-memb"};
    lfmap *m = lfmap_new(&cfg);
    ck_assert_ptr_nonnull(m);
    check_map_works(m, 0);
    check_section_holds_grace_period(m);
    lfmap_thread_unregister();
    ck_assert_int_eq(lfmap_thread_register(), 0);
    check_section_holds_grace_period(m);
    lfmap_free(m);
    lfmap_thread_unregister();
    urcu_memb_unregister_thread();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("thread_record");
    TCase *tc = tcase_create("thread_record");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, memb_counter_cached_when_first_map_predates_membarrier_flag);
    tcase_add_test(tc, read_lock_first_after_other_schemes_and_reregistration);
    tcase_add_test(tc, program_registered_first_section_holds);
    suite_add_tcase(s, tc);
    return ck_run_suite(s, true);
}
