/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * unit_api: every call of lib/lfmap.h against its documented contract, one
 * thread at a time (foreach, allocation failure and concurrency have their
 * own unit_*.c files).  Each test runs in its own forked process (Check).
 */
#include <check.h>

#include "ck_run.h"
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "lfmap.h"
#include "testutil.h"

#define SENTINEL UINT64_C(0x5e5e5e5e5e5e5e5e)

/* Every test runs in a forked child: register there, not in the parent. */
static void setup(void)
{
    ck_assert_int_eq(lfmap_thread_register(), 0);
}

static void teardown(void)
{
    lfmap_thread_unregister();
}

static lfmap *new_map(size_t capacity, uint64_t seed)
{
    struct lfmap_config cfg = {.capacity = capacity, .seed = seed};
    lfmap *m = lfmap_new(&cfg);
    ck_assert_msg(m != NULL, "lfmap_new(capacity=%zu) failed: %s", capacity, strerror(errno));
    return m;
}

/* Asserts key is present with value v. */
static void expect_val(lfmap *m, uint64_t key, uint64_t v)
{
    uint64_t got = SENTINEL;
    ck_assert_msg(lfmap_get(m, key, &got), "key %#llx missing", (unsigned long long)key);
    ck_assert_msg(got == v, "key %#llx: got %#llx, want %#llx", (unsigned long long)key,
                  (unsigned long long)got, (unsigned long long)v);
}

static void expect_absent(lfmap *m, uint64_t key)
{
    uint64_t got = SENTINEL;
    ck_assert_msg(!lfmap_get(m, key, &got), "key %#llx present (value %#llx), want absent",
                  (unsigned long long)key, (unsigned long long)got);
}

/* ---- basic ---------------------------------------------------------------- */

START_TEST(test_new_null_and_empty)
{
    lfmap *m = lfmap_new(NULL);
    ck_assert_ptr_nonnull(m);
    uint64_t v = SENTINEL, old = SENTINEL;
    const uint64_t keys[] = {0, 1, 42, UINT64_MAX};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        ck_assert(!lfmap_get(m, keys[i], &v));
        ck_assert(!lfmap_get(m, keys[i], NULL));
        ck_assert_int_eq(lfmap_remove(m, keys[i], &old), 0);
        ck_assert_int_eq(lfmap_remove(m, keys[i], NULL), 0);
        ck_assert_int_eq(lfmap_cas(m, keys[i], 0, 1), 0);
        ck_assert_int_eq(lfmap_cas(m, keys[i], SENTINEL, 1), 0);
        expect_absent(m, keys[i]); /* a failed cas must not insert */
    }
    ck_assert_uint_eq(lfmap_size(m), 0);
    ck_assert_uint_eq(tu_foreach_count(m), 0);
    struct lfmap_stats st;
    lfmap_get_stats(m, &st);
    ck_assert_uint_eq(st.size, 0);
    ck_assert_uint_eq(st.used_slots, 0);
    ck_assert_uint_eq(st.resizes, 0);
    lfmap_free(m);
}
END_TEST

/* Keys 0, 1 and UINT64_MAX are ordinary keys (pitfall 11), also across resizes. */
START_TEST(test_special_and_random_keys)
{
    lfmap *m = new_map(0, 7);
    struct tu_rng r;
    tu_rng_seed(&r, 0xabcdef);
    uint64_t keys[64] = {0, 1, UINT64_MAX, UINT64_MAX - 1, UINT64_C(1) << 63, 2, 3};
    for (size_t i = 7; i < 64; i++)
        keys[i] = tu_next(&r);
    size_t n = 0;
    for (size_t i = 0; i < 64; i++) {
        uint64_t k = keys[i], old = SENTINEL;
        expect_absent(m, k);
        ck_assert_int_eq(lfmap_insert(m, k, tu_val(k, 1)), 1);
        ck_assert_uint_eq(lfmap_size(m), ++n);
        expect_val(m, k, tu_val(k, 1));
        ck_assert_int_eq(lfmap_insert(m, k, tu_val(k, 2)), 0);
        expect_val(m, k, tu_val(k, 1));
        ck_assert_int_eq(lfmap_put(m, k, tu_val(k, 3), &old), 0);
        ck_assert_uint_eq(old, tu_val(k, 1));
        ck_assert_int_eq(lfmap_remove(m, k, &old), 1);
        ck_assert_uint_eq(old, tu_val(k, 3));
        expect_absent(m, k);
        ck_assert_uint_eq(lfmap_size(m), --n);
        ck_assert_int_eq(lfmap_insert(m, k, tu_val(k, 4)), 1);
        ck_assert_uint_eq(lfmap_size(m), ++n);
    }
    /* Many more keys force several resizes; the special keys must survive. */
    for (uint64_t j = 0; j < 20000; j++) {
        uint64_t k = tu_mix64(j + 1000000);
        ck_assert_int_eq(lfmap_insert(m, k, tu_val(k, 9)), 1);
    }
    for (size_t i = 0; i < 64; i++)
        expect_val(m, keys[i], tu_val(keys[i], 4));
    ck_assert_uint_eq(lfmap_size(m), 64 + 20000);
    ck_assert_uint_eq(tu_foreach_count(m), 64 + 20000);
    for (size_t i = 0; i < 64; i++)
        ck_assert_int_eq(lfmap_remove(m, keys[i], NULL), 1);
    for (size_t i = 0; i < 64; i++)
        expect_absent(m, keys[i]);
    ck_assert_uint_eq(lfmap_size(m), 20000);
    lfmap_free(m);
}
END_TEST

/* Values 0 and LFMAP_VALUE_MAX are valid and distinct from "absent". */
START_TEST(test_edge_values)
{
    lfmap *m = new_map(0, 0);
    uint64_t old = SENTINEL, cur = SENTINEL;
    ck_assert_int_eq(lfmap_insert(m, 10, 0), 1);
    expect_val(m, 10, 0);
    ck_assert_int_eq(lfmap_insert(m, 11, LFMAP_VALUE_MAX), 1);
    expect_val(m, 11, LFMAP_VALUE_MAX);
    ck_assert_int_eq(lfmap_put(m, 10, LFMAP_VALUE_MAX, &old), 0);
    ck_assert_uint_eq(old, 0);
    ck_assert_int_eq(lfmap_put(m, 10, 0, &old), 0);
    ck_assert_uint_eq(old, LFMAP_VALUE_MAX);
    ck_assert_int_eq(lfmap_cas(m, 11, LFMAP_VALUE_MAX, 0), 1);
    expect_val(m, 11, 0);
    ck_assert_int_eq(lfmap_cas(m, 11, 0, LFMAP_VALUE_MAX), 1);
    expect_val(m, 11, LFMAP_VALUE_MAX);
    ck_assert_int_eq(lfmap_get_or_insert(m, 12, LFMAP_VALUE_MAX, &cur), 1);
    ck_assert_uint_eq(cur, LFMAP_VALUE_MAX);
    ck_assert_int_eq(lfmap_get_or_insert(m, 13, 0, &cur), 1);
    ck_assert_uint_eq(cur, 0);
    ck_assert_int_eq(lfmap_put(m, 14, LFMAP_VALUE_MAX, NULL), 1);
    expect_val(m, 14, LFMAP_VALUE_MAX);
    ck_assert_int_eq(lfmap_remove(m, 10, &old), 1);
    ck_assert_uint_eq(old, 0);
    ck_assert_int_eq(lfmap_remove(m, 14, &old), 1);
    ck_assert_uint_eq(old, LFMAP_VALUE_MAX);
    ck_assert_uint_eq(lfmap_size(m), 3);
    lfmap_free(m);
}
END_TEST

START_TEST(test_insert_put_remove)
{
    lfmap *m = new_map(0, 0);
    uint64_t old = SENTINEL;
    /* insert: 1, then 0 with the value unchanged */
    ck_assert_int_eq(lfmap_insert(m, 5, 50), 1);
    ck_assert_int_eq(lfmap_insert(m, 5, 51), 0);
    expect_val(m, 5, 50);
    /* insert after remove */
    ck_assert_int_eq(lfmap_remove(m, 5, &old), 1);
    ck_assert_uint_eq(old, 50);
    ck_assert_int_eq(lfmap_remove(m, 5, &old), 0);
    ck_assert_int_eq(lfmap_insert(m, 5, 52), 1);
    expect_val(m, 5, 52);
    /* put: 1 on a new key, 0 with *old on an existing one, old may be NULL */
    ck_assert_int_eq(lfmap_put(m, 6, 60, &old), 1);
    expect_val(m, 6, 60);
    old = SENTINEL;
    ck_assert_int_eq(lfmap_put(m, 6, 61, &old), 0);
    ck_assert_uint_eq(old, 60);
    ck_assert_int_eq(lfmap_put(m, 6, 62, NULL), 0);
    expect_val(m, 6, 62);
    ck_assert_int_eq(lfmap_put(m, 7, 70, NULL), 1);
    /* remove: present with *old, absent leaves *old alone */
    old = SENTINEL;
    ck_assert_int_eq(lfmap_remove(m, 7, &old), 1);
    ck_assert_uint_eq(old, 70);
    ck_assert_int_eq(lfmap_remove(m, 7, &old), 0);
    ck_assert_int_eq(lfmap_remove(m, 6, NULL), 1);
    expect_absent(m, 6);
    ck_assert_uint_eq(lfmap_size(m), 1);
    lfmap_free(m);
}
END_TEST

START_TEST(test_cas)
{
    lfmap *m = new_map(0, 0);
    ck_assert_int_eq(lfmap_insert(m, 1, 100), 1);
    ck_assert_int_eq(lfmap_cas(m, 1, 100, 101), 1); /* right expected */
    expect_val(m, 1, 101);
    ck_assert_int_eq(lfmap_cas(m, 1, 100, 102), 0); /* stale expected */
    expect_val(m, 1, 101);
    ck_assert_int_eq(lfmap_cas(m, 1, 101, 101), 1); /* same value */
    expect_val(m, 1, 101);
    ck_assert_int_eq(lfmap_cas(m, 2, 0, 5), 0); /* absent: never inserts */
    expect_absent(m, 2);
    ck_assert_int_eq(lfmap_remove(m, 1, NULL), 1);
    ck_assert_int_eq(lfmap_cas(m, 1, 101, 103), 0); /* removed key */
    expect_absent(m, 1);
    ck_assert_uint_eq(lfmap_size(m), 0);
    lfmap_free(m);
}
END_TEST

START_TEST(test_get_or_insert)
{
    lfmap *m = new_map(0, 0);
    uint64_t cur = SENTINEL;
    ck_assert_int_eq(lfmap_get_or_insert(m, 3, 30, &cur), 1);
    ck_assert_uint_eq(cur, 30);
    cur = SENTINEL;
    ck_assert_int_eq(lfmap_get_or_insert(m, 3, 31, &cur), 0);
    ck_assert_uint_eq(cur, 30);
    expect_val(m, 3, 30);
    ck_assert_int_eq(lfmap_get_or_insert(m, 3, 32, NULL), 0);
    ck_assert_int_eq(lfmap_get_or_insert(m, 4, 40, NULL), 1);
    expect_val(m, 4, 40);
    ck_assert_uint_eq(lfmap_size(m), 2);
    lfmap_free(m);
}
END_TEST

START_TEST(test_fetch_add)
{
    lfmap *m = new_map(0, 0);
    uint64_t old = SENTINEL;
    /* absent key: treated as 0 and inserted */
    ck_assert_int_eq(lfmap_fetch_add(m, 1, 7, &old), 1);
    ck_assert_uint_eq(old, 0);
    expect_val(m, 1, 7);
    ck_assert_int_eq(lfmap_fetch_add(m, 1, 5, &old), 0);
    ck_assert_uint_eq(old, 7);
    expect_val(m, 1, 12);
    ck_assert_int_eq(lfmap_fetch_add(m, 2, 0, NULL), 1); /* inserts 0 */
    expect_val(m, 2, 0);
    /* wrap-around mod 2^64 is fine while the result is a valid value */
    ck_assert_int_eq(lfmap_fetch_add(m, 1, UINT64_MAX, &old), 0); /* 12 - 1 */
    ck_assert_uint_eq(old, 12);
    expect_val(m, 1, 11);
    ck_assert_int_eq(lfmap_insert(m, 3, LFMAP_VALUE_MAX), 1);
    ck_assert_int_eq(lfmap_fetch_add(m, 3, 0, &old), 0);
    ck_assert_uint_eq(old, LFMAP_VALUE_MAX);
    /* VALUE_MAX + RESERVED + 1 == 2^64 == 0 */
    ck_assert_int_eq(lfmap_fetch_add(m, 3, LFMAP_RESERVED_VALUES + 1, &old), 0);
    ck_assert_uint_eq(old, LFMAP_VALUE_MAX);
    expect_val(m, 3, 0);
    ck_assert_int_eq(lfmap_put(m, 3, LFMAP_VALUE_MAX, NULL), 0);
    /* every reserved result is -EOVERFLOW and leaves the map unchanged */
    for (uint64_t d = 1; d <= LFMAP_RESERVED_VALUES; d++) {
        old = SENTINEL;
        ck_assert_int_eq(lfmap_fetch_add(m, 3, d, &old), -EOVERFLOW);
        ck_assert_int_eq(lfmap_fetch_add(m, 1, LFMAP_VALUE_MAX - 11 + d, NULL), -EOVERFLOW);
    }
    expect_val(m, 3, LFMAP_VALUE_MAX);
    expect_val(m, 1, 11);
    /* an absent key plus a reserved delta: nothing inserted */
    ck_assert_int_eq(lfmap_fetch_add(m, 4, UINT64_MAX, NULL), -EOVERFLOW);
    ck_assert_int_eq(lfmap_fetch_add(m, 4, LFMAP_VALUE_MAX + 1, NULL), -EOVERFLOW);
    expect_absent(m, 4);
    ck_assert_uint_eq(lfmap_size(m), 3);
    lfmap_free(m);
}
END_TEST

/* Size stays exact under a random single-threaded mix. */
START_TEST(test_size_mixed)
{
    enum { K = 500 };
    lfmap *m = new_map(0, 0);
    bool present[K] = {false};
    uint64_t val[K] = {0};
    size_t n = 0;
    struct tu_rng r;
    tu_rng_seed(&r, 99);
    for (int i = 0; i < 20000; i++) {
        uint64_t j = tu_below(&r, K), k = tu_key(j), v = tu_val(k, (uint64_t)i), old = SENTINEL;
        int rc;
        switch (tu_below(&r, 4)) {
        case 0:
            rc = lfmap_insert(m, k, v);
            ck_assert_int_eq(rc, present[j] ? 0 : 1);
            if (!present[j]) {
                present[j] = true;
                val[j] = v;
                n++;
            }
            break;
        case 1:
            rc = lfmap_put(m, k, v, &old);
            ck_assert_int_eq(rc, present[j] ? 0 : 1);
            if (present[j])
                ck_assert_uint_eq(old, val[j]);
            else
                n++;
            present[j] = true;
            val[j] = v;
            break;
        case 2:
            rc = lfmap_remove(m, k, &old);
            ck_assert_int_eq(rc, present[j] ? 1 : 0);
            if (present[j]) {
                ck_assert_uint_eq(old, val[j]);
                present[j] = false;
                n--;
            }
            break;
        default:
            rc = lfmap_fetch_add(m, k, 1, &old);
            ck_assert_int_eq(rc, present[j] ? 0 : 1);
            ck_assert_uint_eq(old, present[j] ? val[j] : 0);
            val[j] = present[j] ? val[j] + 1 : 1;
            n += !present[j];
            present[j] = true;
            break;
        }
        ck_assert_uint_eq(lfmap_size(m), n);
    }
    for (uint64_t j = 0; j < K; j++) {
        if (present[j])
            expect_val(m, tu_key(j), val[j]);
        else
            expect_absent(m, tu_key(j));
    }
    ck_assert_uint_eq(tu_foreach_count(m), n);
    lfmap_free(m);
}
END_TEST

/* Any seed, fixed or random, gives the same semantics. */
START_TEST(test_seeds)
{
    const uint64_t seeds[] = {0, 1, 0xdeadbeef, UINT64_MAX};
    for (size_t s = 0; s < 4; s++) {
        lfmap *m = new_map(0, seeds[s]);
        for (uint64_t j = 0; j < 5000; j++)
            ck_assert_int_eq(lfmap_insert(m, tu_key(j), tu_val(tu_key(j), j)), 1);
        for (uint64_t j = 0; j < 5000; j += 2)
            ck_assert_int_eq(lfmap_remove(m, tu_key(j), NULL), 1);
        for (uint64_t j = 0; j < 5000; j++) {
            if (j % 2)
                expect_val(m, tu_key(j), tu_val(tu_key(j), j));
            else
                expect_absent(m, tu_key(j));
        }
        ck_assert_uint_eq(lfmap_size(m), 2500);
        lfmap_free(m);
    }
}
END_TEST

/* ---- reserved values ------------------------------------------------------ */

/* Every value above LFMAP_VALUE_MAX is rejected with -EINVAL by every call,
 * and the map is untouched (pitfall 11). */
START_TEST(test_reserved_values)
{
    lfmap *m = new_map(0, 0);
    ck_assert_uint_eq(LFMAP_VALUE_MAX, UINT64_MAX - LFMAP_RESERVED_VALUES);
    for (uint64_t k = 0; k < 8; k++)
        ck_assert_int_eq(lfmap_insert(m, k, k * 10), 1);
    uint64_t count = 0;
    for (uint64_t r = LFMAP_VALUE_MAX + 1;; r++) {
        uint64_t cur = SENTINEL, old = SENTINEL;
        /* a new key */
        ck_assert_int_eq(lfmap_insert(m, 100, r), -EINVAL);
        ck_assert_int_eq(lfmap_put(m, 101, r, &old), -EINVAL);
        ck_assert_int_eq(lfmap_get_or_insert(m, 102, r, &cur), -EINVAL);
        ck_assert_int_eq(lfmap_cas(m, 103, 0, r), -EINVAL);
        /* an existing key */
        ck_assert_int_eq(lfmap_insert(m, 1, r), -EINVAL);
        ck_assert_int_eq(lfmap_put(m, 2, r, &old), -EINVAL);
        ck_assert_int_eq(lfmap_get_or_insert(m, 3, r, &cur), -EINVAL);
        ck_assert_int_eq(lfmap_cas(m, 4, 40, r), -EINVAL);
        count++;
        if (r == UINT64_MAX)
            break;
    }
    ck_assert_uint_eq(count, LFMAP_RESERVED_VALUES);
    ck_assert_uint_eq(lfmap_size(m), 8);
    for (uint64_t k = 0; k < 8; k++)
        expect_val(m, k, k * 10);
    for (uint64_t k = 100; k < 104; k++)
        expect_absent(m, k);
    ck_assert_uint_eq(tu_foreach_count(m), 8);
    lfmap_free(m);
}
END_TEST

/* The header: "every call given one returns -EINVAL"; that includes a
 * reserved *expected* value given to lfmap_cas (it can never match, but the
 * call was given a reserved value). */
START_TEST(test_reserved_expected)
{
    lfmap *m = new_map(0, 0);
    ck_assert_int_eq(lfmap_insert(m, 5, 50), 1);
    for (uint64_t r = LFMAP_VALUE_MAX + 1;; r++) {
        ck_assert_int_eq(lfmap_cas(m, 5, r, 7), -EINVAL);
        ck_assert_int_eq(lfmap_cas(m, 6, r, 7), -EINVAL);
        if (r == UINT64_MAX)
            break;
    }
    expect_val(m, 5, 50);
    expect_absent(m, 6);
    lfmap_free(m);
}
END_TEST

/* ---- configuration and statistics ----------------------------------------- */

START_TEST(test_capacity_small)
{
    const size_t caps[] = {0, 1, 2, 3};
    for (size_t c = 0; c < 4; c++) {
        lfmap *m = new_map(caps[c], 0);
        for (uint64_t k = 0; k < 1000; k++)
            ck_assert_int_eq(lfmap_insert(m, k, k), 1);
        for (uint64_t k = 0; k < 1000; k++)
            expect_val(m, k, k);
        ck_assert_uint_eq(lfmap_size(m), 1000);
        lfmap_free(m);
    }
}
END_TEST

/* capacity is the expected number of keys: that many fit without a resize. */
START_TEST(test_capacity_large)
{
    const size_t cap = 1000000;
    lfmap *m = new_map(cap, 0);
    struct lfmap_stats st;
    lfmap_get_stats(m, &st);
    ck_assert_uint_ge(st.capacity_slots, cap);
    uint64_t n = tu_scaled(cap, 10000);
    for (uint64_t j = 0; j < n; j++)
        ck_assert_int_eq(lfmap_insert(m, tu_key(j), j), 1);
    lfmap_get_stats(m, &st);
    ck_assert_uint_eq(st.size, n);
    ck_assert_msg(st.resizes == 0, "%llu resizes while filling a map sized for %zu keys",
                  (unsigned long long)st.resizes, cap);
    for (uint64_t j = 0; j < n; j += 97)
        expect_val(m, tu_key(j), j);
    lfmap_free(m);
}
END_TEST

START_TEST(test_capacity_limits)
{
    struct lfmap_config cfg = {.capacity = LFMAP_CAPACITY_MAX + 1};
    errno = 0;
    ck_assert_ptr_null(lfmap_new(&cfg));
    ck_assert_int_eq(errno, EINVAL);
    cfg.capacity = SIZE_MAX;
    errno = 0;
    ck_assert_ptr_null(lfmap_new(&cfg));
    ck_assert_int_eq(errno, EINVAL);
    /* Accepted, but 2^40 keys cannot be allocated on a test machine. */
    cfg.capacity = LFMAP_CAPACITY_MAX;
    errno = 0;
    lfmap *m = lfmap_new(&cfg);
    if (m)
        lfmap_free(m);
    ck_assert_msg(m == NULL, "lfmap_new(LFMAP_CAPACITY_MAX) succeeded");
    ck_assert_int_eq(errno, ENOMEM);
}
END_TEST

START_TEST(test_stats)
{
    lfmap *m = new_map(0, 0);
    struct lfmap_stats st0, st;
    lfmap_get_stats(m, &st0);
    const uint64_t n = 100000;
    for (uint64_t j = 0; j < n; j++)
        ck_assert_int_eq(lfmap_insert(m, tu_key(j), 1), 1);
    lfmap_get_stats(m, &st);
    ck_assert_uint_eq(st.size, n);
    ck_assert_uint_eq(lfmap_size(m), n);
    ck_assert_uint_ge(st.capacity_slots, st.size);
    /* During a resize the keys are split between the current table (which
     * the stats describe) and its successor. */
    if (!st.resizing)
        ck_assert_uint_ge(st.used_slots, st.size);
    ck_assert_uint_le(st.used_slots, st.capacity_slots);
    /* foreach finishes a resize in progress: then every key is in the
     * current table. */
    size_t visited = 0;
    ck_assert_int_eq(lfmap_foreach(m, tu_count_cb, &visited), 0);
    ck_assert_uint_eq(visited, n);
    lfmap_get_stats(m, &st);
    ck_assert(!st.resizing);
    ck_assert_uint_ge(st.used_slots, st.size);
    ck_assert_uint_ge(st.capacity_slots, st.size);
    /* a slot holds a 64-bit key and a 64-bit value */
    ck_assert_uint_ge(st.table_bytes, st.capacity_slots * 16);
    ck_assert_uint_gt(st.resizes, st0.resizes);
    ck_assert_uint_gt(st.capacity_slots, st0.capacity_slots);
    for (uint64_t j = 0; j < n; j++)
        ck_assert_int_eq(lfmap_remove(m, tu_key(j), NULL), 1);
    lfmap_get_stats(m, &st);
    ck_assert_uint_eq(st.size, 0);
    ck_assert_uint_le(st.used_slots, st.capacity_slots);
    lfmap_free(m);
}
END_TEST

/* ---- thread registration -------------------------------------------------- */

struct unreg_result {
    lfmap *m;
    int insert, put, remove, cas, fetch_add, get_or_insert, foreach;
    bool get_found;
    int get_errno;
};

static int never_cb(uint64_t k, uint64_t v, void *arg)
{
    (void)k;
    (void)v;
    (void)arg;
    return 99;
}

static void run_unregistered_ops(struct unreg_result *res)
{
    lfmap *m = res->m;
    uint64_t v = SENTINEL;
    res->insert = lfmap_insert(m, 1000, 1);
    res->put = lfmap_put(m, 1, 2, &v);
    res->remove = lfmap_remove(m, 1, &v);
    res->cas = lfmap_cas(m, 1, 10, 11);
    res->fetch_add = lfmap_fetch_add(m, 1, 1, &v);
    res->get_or_insert = lfmap_get_or_insert(m, 1001, 1, &v);
    res->foreach = lfmap_foreach(m, never_cb, NULL);
    errno = 0;
    res->get_found = lfmap_get(m, 1, &v);
    res->get_errno = errno;
}

/* A fresh thread that never registered. */
static void *unregistered_thread(void *arg)
{
    run_unregistered_ops(arg);
    return NULL;
}

/* A thread that registered and then unregistered is unregistered again. */
static void *unregistered_after_thread(void *arg)
{
    if (lfmap_thread_register() != 0)
        return arg; /* non-NULL: failure */
    lfmap_thread_unregister();
    run_unregistered_ops(arg);
    return NULL;
}

static void check_unregistered(void *(*fn)(void *))
{
    lfmap *m = new_map(0, 0);
    ck_assert_int_eq(lfmap_insert(m, 1, 10), 1);
    struct unreg_result res = {.m = m};
    pthread_t t;
    void *ret = NULL;
    ck_assert_int_eq(pthread_create(&t, NULL, fn, &res), 0);
    ck_assert_int_eq(pthread_join(t, &ret), 0);
    ck_assert_ptr_null(ret);
    ck_assert_int_eq(res.insert, -EPERM);
    ck_assert_int_eq(res.put, -EPERM);
    ck_assert_int_eq(res.remove, -EPERM);
    ck_assert_int_eq(res.cas, -EPERM);
    ck_assert_int_eq(res.fetch_add, -EPERM);
    ck_assert_int_eq(res.get_or_insert, -EPERM);
    ck_assert_int_eq(res.foreach, -EPERM);
    ck_assert(!res.get_found);
    ck_assert_int_eq(res.get_errno, EPERM);
    /* nothing happened to the map */
    expect_val(m, 1, 10);
    expect_absent(m, 1000);
    expect_absent(m, 1001);
    ck_assert_uint_eq(lfmap_size(m), 1);
    lfmap_free(m);
}

START_TEST(test_unregistered_thread)
{
    check_unregistered(unregistered_thread);
}
END_TEST

START_TEST(test_unregistered_after_unregister)
{
    check_unregistered(unregistered_after_thread);
}
END_TEST

START_TEST(test_register_twice)
{
    /* setup() registered this thread already */
    ck_assert_int_eq(lfmap_thread_register(), 0);
    ck_assert_int_eq(lfmap_thread_register(), 0);
    lfmap *m = new_map(0, 0);
    ck_assert_int_eq(lfmap_insert(m, 1, 1), 1);
    expect_val(m, 1, 1);
    lfmap_free(m);
}
END_TEST

/* LFMAP_MAX_THREADS registered at once, then -EAGAIN; slots are reused. */
struct reg_ctl {
    pthread_barrier_t registered, release;
    atomic_int ok, bad;
};

static void *register_and_wait(void *arg)
{
    struct reg_ctl *c = arg;
    if (lfmap_thread_register() == 0)
        atomic_fetch_add(&c->ok, 1);
    else
        atomic_fetch_add(&c->bad, 1);
    pthread_barrier_wait(&c->registered);
    pthread_barrier_wait(&c->release);
    lfmap_thread_unregister();
    return NULL;
}

START_TEST(test_register_limit)
{
    enum { N = LFMAP_MAX_THREADS };
    lfmap_thread_unregister(); /* this thread must not hold a slot */
    static struct reg_ctl c;
    static pthread_t t[N];
    pthread_barrier_init(&c.registered, NULL, N + 1);
    pthread_barrier_init(&c.release, NULL, N + 1);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    for (int i = 0; i < N; i++)
        ck_assert_int_eq(pthread_create(&t[i], &attr, register_and_wait, &c), 0);
    pthread_barrier_wait(&c.registered);
    int full = lfmap_thread_register();
    pthread_barrier_wait(&c.release);
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    ck_assert_int_eq(atomic_load(&c.ok), N);
    ck_assert_int_eq(atomic_load(&c.bad), 0);
    ck_assert_int_eq(full, -EAGAIN);
    /* every slot is free again */
    ck_assert_int_eq(lfmap_thread_register(), 0);
    lfmap *m = new_map(0, 0);
    ck_assert_int_eq(lfmap_insert(m, 1, 1), 1);
    lfmap_free(m);
}
END_TEST

static Suite *api_suite(void)
{
    Suite *s = suite_create("api");
    TCase *tc = tcase_create("basic");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_new_null_and_empty);
    tcase_add_test(tc, test_special_and_random_keys);
    tcase_add_test(tc, test_edge_values);
    tcase_add_test(tc, test_insert_put_remove);
    tcase_add_test(tc, test_cas);
    tcase_add_test(tc, test_get_or_insert);
    tcase_add_test(tc, test_fetch_add);
    tcase_add_test(tc, test_size_mixed);
    tcase_add_test(tc, test_seeds);
    suite_add_tcase(s, tc);

    tc = tcase_create("reserved");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_reserved_values);
    tcase_add_test(tc, test_reserved_expected);
    suite_add_tcase(s, tc);

    tc = tcase_create("config");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_capacity_small);
    tcase_add_test(tc, test_capacity_large);
    tcase_add_test(tc, test_capacity_limits);
    tcase_add_test(tc, test_stats);
    suite_add_tcase(s, tc);

    tc = tcase_create("threads");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_unregistered_thread);
    tcase_add_test(tc, test_unregistered_after_unregister);
    tcase_add_test(tc, test_register_twice);
    tcase_add_test(tc, test_register_limit);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ck_run_suite(api_suite(), true);
}
