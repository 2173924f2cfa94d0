/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * unit_lfbench_caches: every cache of the harness (maps/bmaps.def):
 *   - the check lfbench runs before timing (cachecheck.c);
 *   - get and set: a value comes back byte for byte, a set of a present key
 *     replaces its value (longer and shorter), odd keys (empty, NUL bytes,
 *     prefixes of each other) are keys of their own;
 *   - eviction: after eight times its capacity of keys the cache holds about
 *     its capacity (at most twice), has evicted, and holds the last key set;
 *   - expiry: an entry set with a ttl is found until the clock
 *     (lfb_cache_clock_offset_s) passes it and missing after, counted as
 *     expired, and a set after that is found again;
 *   - concurrency: threads run the harness's cache accesses (get, then set
 *     on a miss) on one cache; every hit checks that it got its own key's
 *     value (the shim aborts otherwise, failing the forked test).
 */
#include <check.h>
#include <pthread.h>
#include <string.h>

#include "bmap_iface.h"
#include "cachecheck.h"
#include "ck_run.h"
#include "testutil.h"
#include "workload.h"

#define KEYSET_KEYS 8000u
/* Large enough that segring's segments each hold several mean entries (a
 * segment holds the largest entry at least, so a small segring holds more
 * than its capacity). */
#define CAPACITY 1000u
#define EVICT_FACTOR 8u /* keys set in the eviction test: EVICT_FACTOR x CAPACITY <= KEYSET_KEYS */
#define TTL_S 10u
#define THREADS 3u
#define THREAD_OPS 40000u

static void *open_cache(const struct lfb_cache_ops *c, size_t capacity)
{
    struct lfb_map_config cfg = {.capacity = capacity, .seed = 9, .threads = 1};
    void *m = c->map->create(&cfg);
    ck_assert_ptr_nonnull(m);
    if (c->map->thread_enter)
        c->map->thread_enter(m);
    return m;
}

static void close_cache(const struct lfb_cache_ops *c, void *m)
{
    c->map->destroy(m);
    if (c->map->thread_exit)
        c->map->thread_exit(m);
}

static void fill(unsigned char *v, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (unsigned char)(seed * 31 + i * 7);
}

static bool found(const struct lfb_cache_ops *c, void *m, const void *key, size_t klen, const unsigned char *want,
                  size_t wlen)
{
    static unsigned char buf[LFB_VALUE_LEN_MAX];
    size_t vlen = 0;
    if (!c->get(m, key, klen, buf, sizeof buf, &vlen))
        return false;
    ck_assert_msg(vlen == wlen && memcmp(buf, want, wlen) == 0, "%s: a hit returned %zu bytes, not the %zu set",
                  c->map->name, vlen, wlen);
    return true;
}

START_TEST(test_precheck)
{
    struct lfcli_err err;
    ck_assert_msg(lfb_check_cache(lfb_cache_maps[_i], NULL, 1000, &err) == 0, "%s", err.msg);
}
END_TEST

START_TEST(test_get_set)
{
    const struct lfb_cache_ops *c = lfb_cache_raw[_i];
    void *m = open_cache(c, CAPACITY);
    static const struct {
        const char *p;
        size_t len;
    } keys[] = {{"", 0}, {"\0", 1}, {"a", 1}, {"a\0", 2}, {"ab", 2}, {"abc", 3}, {"\0abc", 4}};
    const size_t nkeys = sizeof keys / sizeof keys[0];
    unsigned char v[3][512];
    const size_t lens[3] = {64, 500, 16};
    for (unsigned j = 0; j < 3; j++)
        fill(v[j], lens[j], j + 1);
    for (size_t i = 0; i < nkeys; i++) {
        ck_assert(!found(c, m, keys[i].p, keys[i].len, NULL, 0));
        unsigned char mine[64];
        fill(mine, sizeof mine, 50 + (unsigned)i);
        ck_assert(c->set(m, keys[i].p, keys[i].len, mine, sizeof mine, 0));
    }
    for (size_t i = 0; i < nkeys; i++) {
        unsigned char mine[64];
        fill(mine, sizeof mine, 50 + (unsigned)i);
        ck_assert_msg(found(c, m, keys[i].p, keys[i].len, mine, sizeof mine), "%s: odd key %zu missing",
                      c->map->name, i);
    }
    /* Replace key "ab" with a longer, then a shorter value. */
    for (unsigned j = 0; j < 3; j++) {
        ck_assert(c->set(m, "ab", 2, v[j], lens[j], 0));
        ck_assert(found(c, m, "ab", 2, v[j], lens[j]));
    }
    unsigned char a[64];
    fill(a, sizeof a, 50 + 2);
    ck_assert(found(c, m, "a", 1, a, sizeof a));
    struct lfb_cache_counters n;
    c->counters(m, &n);
    ck_assert_uint_eq(n.entries, nkeys);
    close_cache(c, m);
}
END_TEST

START_TEST(test_eviction)
{
    const struct lfb_cache_ops *c = lfb_cache_raw[_i];
    void *m = open_cache(c, CAPACITY);
    unsigned char v[LFB_VALUE_LEN_MAX];
    for (uint64_t k = 1; k <= EVICT_FACTOR * CAPACITY; k++) {
        size_t n;
        const unsigned char *key = lfb_key_bytes(k, &n);
        fill(v, lfb_value_len(k), (unsigned)k);
        ck_assert(c->set(m, key, n, v, lfb_value_len(k), 0));
    }
    struct lfb_cache_counters cn;
    c->counters(m, &cn);
    ck_assert_msg(cn.entries <= 2 * CAPACITY && cn.entries >= CAPACITY / 2,
                  "%s: %llu entries for a capacity of %u", c->map->name, (unsigned long long)cn.entries, CAPACITY);
    ck_assert_uint_ge(cn.evicted, EVICT_FACTOR * CAPACITY - 2 * CAPACITY);
    uint64_t last = EVICT_FACTOR * CAPACITY, hits = 0;
    size_t n;
    const unsigned char *key = lfb_key_bytes(last, &n);
    fill(v, lfb_value_len(last), (unsigned)last);
    ck_assert(found(c, m, key, n, v, lfb_value_len(last)));
    for (uint64_t k = 1; k <= EVICT_FACTOR * CAPACITY; k++) {
        key = lfb_key_bytes(k, &n);
        fill(v, lfb_value_len(k), (unsigned)k);
        hits += found(c, m, key, n, v, lfb_value_len(k));
    }
    ck_assert_uint_eq(hits, cn.entries);
    close_cache(c, m);
}
END_TEST

START_TEST(test_expiry)
{
    const struct lfb_cache_ops *c = lfb_cache_raw[_i];
    void *m = open_cache(c, CAPACITY);
    unsigned char v[128];
    fill(v, sizeof v, 3);
    ck_assert(c->set(m, "session-1", 9, v, sizeof v, TTL_S));
    ck_assert(c->set(m, "session-2", 9, v, sizeof v, 0)); /* never expires */
    ck_assert(found(c, m, "session-1", 9, v, sizeof v));
    lfb_cache_clock_offset_s += TTL_S - 1;
    ck_assert(found(c, m, "session-1", 9, v, sizeof v));
    lfb_cache_clock_offset_s += 2;
    ck_assert_msg(!found(c, m, "session-1", 9, v, sizeof v), "%s: an entry outlived its ttl", c->map->name);
    ck_assert(found(c, m, "session-2", 9, v, sizeof v));
    struct lfb_cache_counters n;
    c->counters(m, &n);
    ck_assert_uint_ge(n.expired, 1);
    ck_assert(c->set(m, "session-1", 9, v, sizeof v, TTL_S));
    ck_assert(found(c, m, "session-1", 9, v, sizeof v));
    lfb_cache_clock_offset_s = 0;
    close_cache(c, m);
}
END_TEST

struct worker {
    const struct lfb_map_ops *ops;
    void *m;
    unsigned index;
    uint64_t hits, ops_done;
    pthread_t tid;
};

static void *access_thread(void *arg)
{
    struct worker *w = arg;
    if (w->ops->thread_enter)
        w->ops->thread_enter(w->m);
    struct lfb_rng r = {w->index + 1};
    uint64_t ops = tu_scaled(THREAD_OPS, 4000);
    for (uint64_t i = 0; i < ops; i++) {
        uint64_t v, k = 1 + lfb_rng_below(&r, 4 * CAPACITY);
        w->hits += w->ops->get(w->m, k, &v); /* get, then set on a miss */
        if (w->ops->quiescent && i % 256 == 0)
            w->ops->quiescent(w->m);
    }
    w->ops_done = ops;
    if (w->ops->thread_exit)
        w->ops->thread_exit(w->m);
    return NULL;
}

START_TEST(test_concurrent_accesses)
{
    const struct lfb_map_ops *ops = lfb_cache_maps[_i];
    struct lfb_map_config cfg = {.capacity = CAPACITY, .seed = 4, .threads = THREADS};
    void *m = ops->create(&cfg);
    ck_assert_ptr_nonnull(m);
    struct worker w[THREADS];
    for (unsigned t = 0; t < THREADS; t++) {
        w[t] = (struct worker){.ops = ops, .m = m, .index = t};
        ck_assert_int_eq(pthread_create(&w[t].tid, NULL, access_thread, &w[t]), 0);
    }
    uint64_t hits = 0;
    for (unsigned t = 0; t < THREADS; t++) {
        pthread_join(w[t].tid, NULL);
        hits += w[t].hits;
    }
    ck_assert_msg(hits > 0, "%s: no hit in %u threads' accesses", ops->name, THREADS);
    if (ops->thread_enter)
        ops->thread_enter(m);
    struct lfb_cache_counters n;
    lfb_cache_ops_of(ops)->counters(m, &n);
    ck_assert_msg(n.entries <= 2 * CAPACITY, "%s: %llu entries for a capacity of %u", ops->name,
                  (unsigned long long)n.entries, CAPACITY);
    ops->destroy(m);
    if (ops->thread_exit)
        ops->thread_exit(m);
}
END_TEST

int main(void)
{
    if (lfb_keyset_build(&lfb_keys, KEYSET_KEYS, LFB_KEY_LEN_DEFAULT_MIN, LFB_KEY_LEN_DEFAULT_MAX,
                         LFB_VALUE_LEN_DEFAULT_MIN, LFB_VALUE_LEN_DEFAULT_MAX, 5) != 0)
        return 1;
    Suite *s = suite_create("lfbench_caches");
    TCase *tc = tcase_create("caches");
    tcase_set_timeout(tc, 120);
    int n = (int)lfb_cache_map_count;
    tcase_add_loop_test(tc, test_precheck, 0, n);
    tcase_add_loop_test(tc, test_get_set, 0, n);
    tcase_add_loop_test(tc, test_eviction, 0, n);
    tcase_add_loop_test(tc, test_expiry, 0, n);
    tcase_add_loop_test(tc, test_concurrent_accesses, 0, n);
    suite_add_tcase(s, tc);
    int rc = ck_run_suite(s, true);
    lfb_keyset_free(&lfb_keys);
    return rc;
}
