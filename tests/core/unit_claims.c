/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Claim reservation (lib/lfmap.c, reserve_claim / release_claim): a thread
 * reserves claimed slots in batches and keeps the unused rest in its claim
 * cache, named by the table's serial.  Two promises of lib/lfmap_internal.h
 * are checked here, in every build:
 *  - a table's `used` count never lags behind its real claims ("every insert
 *    reserves before it claims"), in particular after a resize leaves a
 *    thread's cache naming the old table;
 *  - near the limits claims are reserved one at a time, so a table that
 *    cannot grow fills to its hard limit, less at most nslots/CLAIM_BATCH_DIV
 *    reserved but unused claims.
 * White box: reads lib/lfmap_internal.h to count a table's claimed slots.
 */
#include "lfmap.h"
#include "lfmap_internal.h"
#include "test_alloc.h"

#include <check.h>

#include "ck_run.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static int count_nothing(uint64_t key, uint64_t value, void *arg)
{
    (void)key, (void)value, (void)arg;
    return 0;
}

/* Claimed slots of m's current table (quiescent, not resizing). */
static size_t claimed_slots(lfmap *m)
{
    struct lfmap_table *t = atomic_load(&m->current);
    ck_assert_ptr_null(atomic_load(&t->next));
    size_t n = 0;
    for (size_t i = 0; i < t->nslots; i++)
        n += atomic_load(&t->slots[i].key) >= KEY_RESERVED;
    return n;
}

static void check_used_covers_claims(lfmap *m, const char *when)
{
    struct lfmap_stats st;
    lfmap_get_stats(m, &st);
    size_t claimed = claimed_slots(m);
    ck_assert_msg(st.used_slots >= claimed, "%s: used_slots %zu < %zu claimed slots (%zu slots)", when,
                  st.used_slots, claimed, st.capacity_slots);
}

/* The thread's cache holds claims of a big table when a shrink replaces it;
 * the inserts that follow must reserve in the new table, not spend the old
 * table's claims there. */
START_TEST(stale_claims_not_spent_in_a_new_table)
{
    ck_assert_int_eq(lfmap_thread_register(), 0);
    struct lfmap_config cfg = {.seed = 11};
    lfmap *m = lfmap_new(&cfg);
    ck_assert_ptr_nonnull(m);
    const uint64_t n = 40000;
    for (uint64_t k = 0; k < n; k++)
        ck_assert_int_eq(lfmap_insert(m, k, k), 1);
    lfmap_foreach(m, count_nothing, NULL);
    struct lfmap_table *big = atomic_load(&m->current);
    ck_assert_uint_ge(big->claim_batch, 16);
    /* Leave at least 8 reserved claims in this thread's cache. */
    struct lfmap_counter_stripe *c = &m->live[lf_self.tid];
    ck_assert_uint_lt(lf_self.tid, LFMAP_OWNED_STRIPES);
    uint64_t k = n;
    while (atomic_load(&c->claim_serial) != big->serial || atomic_load(&c->claims_left) < 8) {
        ck_assert_uint_lt(k, n + 2 * CLAIM_BATCH_MAX);
        ck_assert_int_eq(lfmap_insert(m, k, k), 1);
        k++;
    }
    check_used_covers_claims(m, "before the shrink");
    uint64_t removed = 0;
    struct lfmap_stats st;
    do {
        ck_assert_uint_lt(removed, k);
        ck_assert_int_eq(lfmap_remove(m, removed++, NULL), 1);
        lfmap_get_stats(m, &st);
    } while (!st.resizing);
    lfmap_foreach(m, count_nothing, NULL);
    ck_assert_ptr_ne(atomic_load(&m->current), big);
    for (uint64_t i = 0; i < 8; i++)
        ck_assert_int_eq(lfmap_insert(m, k + i, 1), 1);
    check_used_covers_claims(m, "after the shrink");
    ck_assert_uint_eq(lfmap_size(m), k - removed + 8);
    lfmap_free(m);
    lfmap_thread_unregister();
}
END_TEST

/* A table that cannot grow (every allocation fails) takes inserts up to its
 * hard limit, less at most nslots/CLAIM_BATCH_DIV unused reservations. */
START_TEST(full_table_reaches_its_hard_limit)
{
    ck_assert_int_eq(lfmap_thread_register(), 0);
    struct test_alloc ta;
    ta_init(&ta);
    struct lfmap_config cfg = {.seed = 12, .capacity = 40000, .allocator = &ta.iface};
    lfmap *m = lfmap_new(&cfg);
    ck_assert_ptr_nonnull(m);
    atomic_store(&ta.fail_all, true);
    struct lfmap_table *t = atomic_load(&m->current);
    ck_assert_uint_ge(t->claim_batch, 16);
    uint64_t n = 0;
    int rc;
    while ((rc = lfmap_insert(m, n, n)) == 1)
        n++;
    ck_assert_int_eq(rc, -ENOMEM);
    ck_assert_ptr_eq(atomic_load(&m->current), t);
    printf("full at %llu keys: hard limit %zu, %zu slots\n", (unsigned long long)n, t->hard_limit, t->nslots);
    ck_assert_uint_le(n, t->hard_limit);
    ck_assert_uint_ge(n, t->hard_limit - t->nslots / CLAIM_BATCH_DIV);
    ck_assert_uint_eq(lfmap_size(m), n);
    for (uint64_t k = 0; k < n; k++) {
        uint64_t v = ~0ull;
        ck_assert(lfmap_get(m, k, &v));
        ck_assert_uint_eq(v, k);
    }
    lfmap_free(m);
    ck_assert_uint_eq(ta_live(&ta), 0);
    ta_destroy(&ta);
    lfmap_thread_unregister();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("claims");
    TCase *tc = tcase_create("reservations");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, stale_claims_not_spent_in_a_new_table);
    tcase_add_test(tc, full_table_reaches_its_hard_limit);
    suite_add_tcase(s, tc);
    return ck_run_suite(s, true);
}
