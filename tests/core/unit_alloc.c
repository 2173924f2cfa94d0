/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * unit_alloc: the allocator contract and out-of-memory behaviour, through a
 * counting allocator that fails on command (tests/support/test_alloc.c).
 * The header promises: lfmap_new returns NULL/ENOMEM, an insert fails only
 * with -ENOMEM when the table is full and cannot grow, the map is then
 * exactly as before and stays usable; every byte allocated is freed by
 * lfmap_free, with the size it was allocated with.
 */
#include <check.h>

#include "ck_run.h"
#include "scheme_props.h"
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "lfmap.h"
#include "test_alloc.h"
#include "testutil.h"

static void setup(void)
{
    ck_assert_int_eq(lfmap_thread_register(), 0);
}

static void teardown(void)
{
    lfmap_thread_unregister();
}

static void expect_balanced(struct test_alloc *ta)
{
    ck_assert_uint_eq(atomic_load(&ta->bad_frees), 0);
    ck_assert_msg(ta_live(ta) == 0, "%zu blocks leaked", ta_live(ta));
    ck_assert_uint_eq(atomic_load(&ta->bytes_alloc), atomic_load(&ta->bytes_freed));
}

static lfmap *new_counted(struct test_alloc *ta, size_t capacity)
{
    struct lfmap_config cfg = {.capacity = capacity, .allocator = &ta->iface};
    return lfmap_new(&cfg);
}

/* Each allocation lfmap_new makes, failed in turn: NULL + ENOMEM, no leak. */
START_TEST(test_new_fails_each_allocation)
{
    const size_t caps[] = {0, 100000};
    for (size_t c = 0; c < 2; c++) {
        bool created = false;
        for (uint64_t k = 1; k <= 64 && !created; k++) {
            struct test_alloc ta;
            ta_init(&ta);
            atomic_store(&ta.fail_at, k);
            errno = 0;
            lfmap *m = new_counted(&ta, caps[c]);
            if (m) {
                /* the header and a table come from the allocator */
                ck_assert_msg(k > 1, "lfmap_new succeeded though the allocator failed");
                ck_assert_uint_eq(atomic_load(&ta.failed), 0);
                ck_assert_int_eq(lfmap_insert(m, 1, 2), 1);
                lfmap_free(m);
                created = true;
            } else {
                ck_assert_msg(errno == ENOMEM, "failing call %llu: errno %d, want ENOMEM",
                              (unsigned long long)k, errno);
                ck_assert_uint_eq(atomic_load(&ta.failed), 1);
            }
            expect_balanced(&ta);
            ta_destroy(&ta);
        }
        ck_assert_msg(created, "lfmap_new never succeeded");
    }
}
END_TEST

START_TEST(test_new_all_fail)
{
    struct test_alloc ta;
    ta_init(&ta);
    atomic_store(&ta.fail_all, true);
    errno = 0;
    ck_assert_ptr_null(new_counted(&ta, 0));
    ck_assert_int_eq(errno, ENOMEM);
    expect_balanced(&ta);
    ta_destroy(&ta);
}
END_TEST

/* Inserts into a map that cannot grow, until the table is full. */
START_TEST(test_insert_enomem_leaves_map_intact)
{
    struct test_alloc ta;
    ta_init(&ta);
    lfmap *m = new_counted(&ta, 0);
    ck_assert_ptr_nonnull(m);
    uint64_t j = 0;
    for (; j < 1000; j++)
        ck_assert_int_eq(lfmap_insert(m, tu_key(j), tu_val(tu_key(j), j)), 1);

    atomic_store(&ta.fail_all, true);
    int rc = 1;
    for (; j < (1u << 22); j++) {
        rc = lfmap_insert(m, tu_key(j), tu_val(tu_key(j), j));
        if (rc != 1)
            break;
    }
    ck_assert_msg(rc == -ENOMEM, "insert %llu with a failing allocator returned %d",
                  (unsigned long long)j, rc);
    ck_assert_uint_gt(atomic_load(&ta.failed), 0);
    const uint64_t n = j; /* keys 0..n-1 are in; key n is not */
    struct lfmap_stats st;
    lfmap_get_stats(m, &st);
    printf("table full at %llu keys, %zu slots\n", (unsigned long long)n, st.capacity_slots);

    /* The map is exactly as before the failed insert. */
    ck_assert_uint_eq(lfmap_size(m), n);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t v;
        ck_assert(lfmap_get(m, tu_key(i), &v));
        ck_assert_uint_eq(v, tu_val(tu_key(i), i));
    }
    ck_assert(!lfmap_get(m, tu_key(n), NULL));
    ck_assert_uint_eq(tu_foreach_count(m), n);

    /* Every other way to add a key fails the same way and adds nothing. */
    uint64_t cur, old;
    ck_assert_int_eq(lfmap_insert(m, tu_key(n), 1), -ENOMEM);
    ck_assert_int_eq(lfmap_put(m, tu_key(n), 1, &old), -ENOMEM);
    ck_assert_int_eq(lfmap_get_or_insert(m, tu_key(n), 1, &cur), -ENOMEM);
    ck_assert_int_eq(lfmap_fetch_add(m, tu_key(n), 1, &old), -ENOMEM);
    ck_assert(!lfmap_get(m, tu_key(n), NULL));
    ck_assert_uint_eq(lfmap_size(m), n);

    /* Existing keys can still be read, updated and removed. */
    const uint64_t k0 = tu_key(0), k1 = tu_key(1), k2 = tu_key(2), k3 = tu_key(3);
    ck_assert_int_eq(lfmap_insert(m, k0, 5), 0);
    ck_assert_int_eq(lfmap_get_or_insert(m, k0, 5, &cur), 0);
    ck_assert_uint_eq(cur, tu_val(k0, 0));
    ck_assert_int_eq(lfmap_put(m, k0, 100, &old), 0);
    ck_assert_uint_eq(old, tu_val(k0, 0));
    ck_assert_int_eq(lfmap_cas(m, k1, tu_val(k1, 1), 200), 1);
    ck_assert_int_eq(lfmap_fetch_add(m, k2, 3, &old), 0);
    ck_assert_uint_eq(old, tu_val(k2, 2));
    ck_assert_int_eq(lfmap_remove(m, k3, &old), 1);
    ck_assert_uint_eq(old, tu_val(k3, 3));
    uint64_t v;
    ck_assert(lfmap_get(m, k0, &v) && v == 100);
    ck_assert(lfmap_get(m, k1, &v) && v == 200);
    ck_assert(lfmap_get(m, k2, &v) && v == tu_val(k2, 2) + 3);
    ck_assert(!lfmap_get(m, k3, NULL));
    ck_assert_uint_eq(lfmap_size(m), n - 1);

    /* Allocation works again: the map grows and takes many more keys. */
    atomic_store(&ta.fail_all, false);
    struct lfmap_stats before;
    lfmap_get_stats(m, &before);
    const uint64_t end = n + 4 * n + 1000;
    for (j = n; j < end; j++)
        ck_assert_int_eq(lfmap_insert(m, tu_key(j), tu_val(tu_key(j), j)), 1);
    lfmap_get_stats(m, &st);
    ck_assert_uint_gt(st.capacity_slots, before.capacity_slots);
    ck_assert_uint_gt(st.resizes, before.resizes);
    ck_assert_uint_eq(lfmap_size(m), end - 1);
    for (j = 4; j < end; j++) {
        ck_assert(lfmap_get(m, tu_key(j), &v));
        ck_assert_uint_eq(v, tu_val(tu_key(j), j));
    }
    lfmap_free(m);
    expect_balanced(&ta);
    ta_destroy(&ta);
}
END_TEST

/* Every other allocation fails while the map grows from nothing: an insert
 * may see -ENOMEM, a retry succeeds, and no key is lost or duplicated. */
START_TEST(test_transient_failures_while_growing)
{
    struct test_alloc ta;
    ta_init(&ta);
    lfmap *m = new_counted(&ta, 0);
    ck_assert_ptr_nonnull(m);
    atomic_store(&ta.fail_every, 2);
    const uint64_t n = 50000;
    uint64_t enomem = 0;
    for (uint64_t j = 0; j < n; j++) {
        int rc, tries = 0;
        while ((rc = lfmap_insert(m, tu_key(j), j)) == -ENOMEM && ++tries < 8)
            enomem++;
        ck_assert_msg(rc == 1, "insert %llu: %d after %d tries", (unsigned long long)j, rc, tries);
    }
    ck_assert_uint_gt(atomic_load(&ta.failed), 0);
    printf("transient: %llu failed allocations, %llu -ENOMEM inserts\n",
           (unsigned long long)atomic_load(&ta.failed), (unsigned long long)enomem);
    ck_assert_uint_eq(lfmap_size(m), n);
    ck_assert_uint_eq(tu_foreach_count(m), n);
    for (uint64_t j = 0; j < n; j++) {
        uint64_t v;
        ck_assert(lfmap_get(m, tu_key(j), &v));
        ck_assert_uint_eq(v, j);
    }
    /* shrinking back may allocate too (and fail): removes never fail */
    for (uint64_t j = 0; j < n; j++)
        ck_assert_int_eq(lfmap_remove(m, tu_key(j), NULL), 1);
    ck_assert_uint_eq(lfmap_size(m), 0);
    lfmap_free(m);
    expect_balanced(&ta);
    ta_destroy(&ta);
}
END_TEST

/* Grow and shrink many times: the retired tables all come back, at the
 * sizes they were allocated with. */
START_TEST(test_no_leak_after_churn)
{
    struct test_alloc ta;
    ta_init(&ta);
    lfmap *m = new_counted(&ta, 0);
    ck_assert_ptr_nonnull(m);
    for (int round = 0; round < 4; round++) {
        for (uint64_t j = 0; j < 30000; j++)
            ck_assert_int_eq(lfmap_put(m, tu_key(j), j, NULL), 1);
        for (uint64_t j = 0; j < 30000; j++)
            ck_assert_int_eq(lfmap_remove(m, tu_key(j), NULL), 1);
    }
    struct lfmap_stats st;
    lfmap_get_stats(m, &st);
    ck_assert_uint_gt(st.resizes, 4);
    ck_assert_uint_gt(atomic_load(&ta.calls), 4);
    lfmap_free(m);
    expect_balanced(&ta);
    ta_destroy(&ta);
}
END_TEST

static Suite *alloc_suite(void)
{
    Suite *s = suite_create("alloc");
    TCase *tc = tcase_create("alloc");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_new_fails_each_allocation);
    tcase_add_test(tc, test_new_all_fail);
    tcase_add_test(tc, test_insert_enomem_leaves_map_intact);
    tcase_add_test(tc, test_transient_failures_while_growing);
    tcase_add_test(tc, test_no_leak_after_churn);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    /* Every test here checks that all memory comes back: a scheme that
     * never frees by design (leak; tests/rcu/unit_schemes.c checks it grows)
     * cannot pass them. */
    lfmap *m = lfmap_new(NULL);
    if (m && scheme_never_frees(lfmap_reclamation(m))) {
        printf("unit_alloc: skipped: the %s scheme never frees\n", lfmap_reclamation(m));
        lfmap_free(m);
        return 77;
    }
    lfmap_free(m);
    return ck_run_suite(alloc_suite(), true);
}
