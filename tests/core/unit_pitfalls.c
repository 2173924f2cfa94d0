/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One test per pitfall (PITFALLS.md) that a single-threaded or small
 * concurrent scenario can force.  These use the internal hash (lib/hash.h) to
 * build colliding keys and to find the one key that lives in the side word.
 */
#include "lfmap.h"
#include "testutil.h"
#include "hash.h"

#include <check.h>

#include "ck_run.h"
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define SEED 0x5eedull
/* Smallest table (lib/lfmap_internal.h LFMAP_MIN_SLOTS): keys with equal low
 * 6 bits of their mix share a home slot in it. */
#define MIN_TABLE_MASK 63u

static lfmap *new_map(size_t capacity)
{
    struct lfmap_config cfg = {.capacity = capacity, .seed = SEED};
    lfmap *m = lfmap_new(&cfg);
    ck_assert_ptr_nonnull(m);
    return m;
}

static void setup(void)
{
    ck_assert_int_eq(lfmap_thread_register(), 0);
}

static void teardown(void)
{
    lfmap_thread_unregister();
}

/* Keys whose mix has the same home slot in the smallest table. */
static void colliding_keys(uint64_t *out, int n)
{
    struct lfmap_hasher h;
    lf_hasher_init(&h, SEED);
    uint64_t want = lf_mix(&h, 1000) & MIN_TABLE_MASK;
    int found = 0;
    for (uint64_t k = 1000; found < n; k++)
        if ((lf_mix(&h, k) & MIN_TABLE_MASK) == want)
            out[found++] = k;
}

static int count_key(uint64_t key, uint64_t value, void *arg)
{
    (void)value;
    uint64_t *p = arg; /* p[0] = key to count, p[1] = count */
    if (key == p[0])
        p[1]++;
    return 0;
}

/* Pitfall 1: a tombstone must not be reused by a different key while the
 * same key sits further down the chain. */
START_TEST(tombstone_not_reused_by_other_key)
{
    uint64_t k[3];
    colliding_keys(k, 3);
    lfmap *m = new_map(0);
    ck_assert_int_eq(lfmap_insert(m, k[0], 10), 1);
    ck_assert_int_eq(lfmap_insert(m, k[1], 11), 1);
    ck_assert_int_eq(lfmap_remove(m, k[0], NULL), 1); /* tombstone before k[1] */
    ck_assert_int_eq(lfmap_insert(m, k[1], 99), 0);   /* must find k[1], not reuse */
    uint64_t v = 0;
    ck_assert(lfmap_get(m, k[1], &v));
    ck_assert_uint_eq(v, 11);
    ck_assert_int_eq(lfmap_put(m, k[1], 12, &v), 0);
    ck_assert_uint_eq(v, 11);
    uint64_t count[2] = {k[1], 0};
    lfmap_foreach(m, count_key, count);
    ck_assert_uint_eq(count[1], 1);
    ck_assert_uint_eq(lfmap_size(m), 1);
    /* A third colliding key may take a new slot; k[0] revives in its own. */
    ck_assert_int_eq(lfmap_insert(m, k[2], 13), 1);
    ck_assert_int_eq(lfmap_insert(m, k[0], 14), 1);
    ck_assert_uint_eq(lfmap_size(m), 3);
    lfmap_free(m);
}
END_TEST

/* Pitfall 2: insert/remove churn of fresh keys at a constant live count must
 * not grow the table forever; removing everything must shrink it. */
START_TEST(churn_does_not_grow_forever)
{
    lfmap *m = new_map(0);
    /* Scaled (LFMAP_TEST_SCALE) for the runs under every scheme; at scale 1
     * it is 200,000 rounds, as before. */
    const uint64_t live = 1000, rounds = tu_scaled(200000, 40000);
    for (uint64_t i = 0; i < live; i++)
        ck_assert_int_eq(lfmap_insert(m, i, i), 1);
    struct lfmap_stats st;
    size_t max_slots = 0;
    for (uint64_t i = live; i < live + rounds; i++) {
        ck_assert_int_eq(lfmap_insert(m, i, i), 1);
        ck_assert_int_eq(lfmap_remove(m, i - live, NULL), 1);
        lfmap_get_stats(m, &st);
        if (st.capacity_slots > max_slots)
            max_slots = st.capacity_slots;
    }
    lfmap_get_stats(m, &st);
    ck_assert_uint_eq(st.size, live);
    /* 1000 live keys need 4096 slots at most (3/8 target, 3/4 trigger). */
    ck_assert_uint_le(max_slots, 4096);
    ck_assert_uint_gt(st.resizes, rounds / 4000); /* tombstones were purged many times (50 at scale 1) */
    for (uint64_t i = rounds; i < rounds + live; i++)
        ck_assert_int_eq(lfmap_remove(m, i, NULL), 1);
    /* Removals trigger the shrink check every 64 removes. */
    lfmap_get_stats(m, &st);
    ck_assert_uint_eq(st.size, 0);
    ck_assert_uint_le(st.capacity_slots, 256);
    lfmap_free(m);
}
END_TEST

/* Hysteresis: hovering around a resize threshold must not resize on every
 * operation (CLHT's lock-free variant thrashes at 1e5 keys). */
START_TEST(no_thrash_at_threshold)
{
    lfmap *m = new_map(0);
    const uint64_t n = 100000;
    for (uint64_t i = 0; i < n; i++)
        ck_assert_int_eq(lfmap_insert(m, i, i), 1);
    struct lfmap_stats before, after;
    lfmap_get_stats(m, &before);
    /* Oscillate 1% of the keys out and back in, many times. */
    for (int round = 0; round < 50; round++) {
        for (uint64_t i = 0; i < n / 100; i++)
            ck_assert_int_eq(lfmap_remove(m, i, NULL), 1);
        for (uint64_t i = 0; i < n / 100; i++)
            ck_assert_int_eq(lfmap_insert(m, i, i), 1);
    }
    lfmap_get_stats(m, &after);
    /* Tombstones revive for their own key, so no resize is needed at all. */
    ck_assert_uint_le(after.resizes - before.resizes, 1);
    lfmap_free(m);
}
END_TEST

/* Pitfall 11: the one key whose mix is 0 lives in a side word; every
 * operation must work on it like on any other key. */
START_TEST(zero_mix_key_is_an_ordinary_key)
{
    struct lfmap_hasher h;
    lf_hasher_init(&h, SEED);
    uint64_t z = lf_unmix(&h, 0);
    ck_assert_uint_eq(lf_mix(&h, z), 0);
    lfmap *m = new_map(0);
    uint64_t v = 0;
    ck_assert(!lfmap_get(m, z, &v));
    ck_assert_int_eq(lfmap_remove(m, z, NULL), 0);
    ck_assert_int_eq(lfmap_cas(m, z, 1, 2), 0);
    ck_assert_int_eq(lfmap_insert(m, z, 5), 1);
    ck_assert_int_eq(lfmap_insert(m, z, 6), 0);
    ck_assert(lfmap_get(m, z, &v));
    ck_assert_uint_eq(v, 5);
    ck_assert_int_eq(lfmap_put(m, z, 7, &v), 0);
    ck_assert_uint_eq(v, 5);
    ck_assert_int_eq(lfmap_cas(m, z, 7, 8), 1);
    ck_assert_int_eq(lfmap_fetch_add(m, z, 2, &v), 0);
    ck_assert_uint_eq(v, 8);
    ck_assert_int_eq(lfmap_put(m, z, LFMAP_VALUE_MAX + 1, NULL), -EINVAL);
    ck_assert_uint_eq(lfmap_size(m), 1);
    uint64_t count[2] = {z, 0};
    lfmap_foreach(m, count_key, count);
    ck_assert_uint_eq(count[1], 1);
    /* Resizes do not disturb it. */
    for (uint64_t i = 0; i < 10000; i++)
        lfmap_insert(m, i + 1, i);
    ck_assert(lfmap_get(m, z, &v));
    ck_assert_uint_eq(v, 10);
    ck_assert_int_eq(lfmap_remove(m, z, &v), 1);
    ck_assert_uint_eq(v, 10);
    ck_assert(!lfmap_get(m, z, NULL));
    lfmap_free(m);
}
END_TEST

/* Pitfall 14: inserts never fail while a resize runs, including with the
 * stop-the-world variant and with a chunk of one slot (slowest migration). */
struct insert_job {
    lfmap *m;
    uint64_t first, count;
    atomic_int failures;
};

static void *insert_range(void *arg)
{
    struct insert_job *job = arg;
    lfmap_thread_register();
    for (uint64_t i = job->first; i < job->first + job->count; i++)
        if (lfmap_insert(job->m, i, i * 3) != 1)
            atomic_fetch_add(&job->failures, 1);
    lfmap_thread_unregister();
    return NULL;
}

static void run_parallel_growth(size_t chunk)
{
    struct lfmap_config cfg = {.seed = SEED, .migration_chunk = chunk};
    lfmap *m = lfmap_new(&cfg);
    ck_assert_ptr_nonnull(m);
    enum { THREADS = 4 };
    const uint64_t PER_THREAD = tu_scaled(50000, 10000); /* 50,000 at scale 1 */
    pthread_t th[THREADS];
    struct insert_job jobs[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (struct insert_job){.m = m, .first = (uint64_t)i * PER_THREAD, .count = PER_THREAD};
        pthread_create(&th[i], NULL, insert_range, &jobs[i]);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < THREADS; i++)
        ck_assert_int_eq(atomic_load(&jobs[i].failures), 0);
    ck_assert_uint_eq(lfmap_size(m), (size_t)THREADS * PER_THREAD);
    for (uint64_t i = 0; i < (uint64_t)THREADS * PER_THREAD; i++) {
        uint64_t v;
        ck_assert(lfmap_get(m, i, &v));
        ck_assert_uint_eq(v, i * 3);
    }
    lfmap_free(m);
}

START_TEST(inserts_never_fail_during_resize)
{
    run_parallel_growth(0);
    run_parallel_growth(1);
    run_parallel_growth(SIZE_MAX);
}
END_TEST

/* Address space of large tables comes back on free (a huge-page-aligned
 * mapping once leaked its unaligned tail: ~2 MiB per table). */
static size_t vm_pages(void)
{
    size_t pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fscanf(f, "%zu", &pages), 1);
    fclose(f);
    return pages;
}

START_TEST(large_tables_return_their_address_space)
{
    const int cycles = 50;
    /* 200k keys need 2^18 slots: a 4 MiB table, on the huge-page path. */
    lfmap_free(new_map(200000)); /* warm up allocator arenas */
    size_t before = vm_pages();
    for (int i = 0; i < cycles; i++)
        lfmap_free(new_map(200000));
    size_t grown_kib = (vm_pages() - before) * (size_t)sysconf(_SC_PAGESIZE) / 1024;
    ck_assert_msg(grown_kib < 8192, "address space grew by %zu KiB over %d maps", grown_kib, cycles);
}
END_TEST

static Suite *pitfalls_suite(void)
{
    Suite *s = suite_create("pitfalls");
    TCase *tc = tcase_create("pitfalls");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, tombstone_not_reused_by_other_key);
    tcase_add_test(tc, churn_does_not_grow_forever);
    tcase_add_test(tc, no_thrash_at_threshold);
    tcase_add_test(tc, zero_mix_key_is_an_ordinary_key);
    tcase_add_test(tc, inserts_never_fail_during_resize);
    tcase_add_test(tc, large_tables_return_their_address_space);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ck_run_suite(pitfalls_suite(), true);
}
