/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * unit_lfbench_bytes: every byte-key map of the harness (maps/bmaps.def)
 *   - through the harness's interface (integer key k = byte string k of the
 *     key set, bytekeys.h): the differential check against the plain map
 *     (diffcheck.c, what lfbench runs before timing) and the multi-threaded
 *     conservation check;
 *   - through its byte operations, on the keys the key set never holds: the
 *     empty key (NULL and non-NULL pointer), keys with NUL bytes, keys that
 *     are prefixes of each other, the longest key: a scripted sequence and a
 *     randomized one, each result compared with a reference (an array
 *     searched by length and bytes).
 * Scaled by LFMAP_TEST_SCALE.
 */
#include <check.h>
#include <string.h>

#include "bmap_iface.h"
#include "ck_run.h"
#include "diffcheck.h"
#include "testutil.h"

#define KEYSET_KEYS 4000u
#define DIFF_OPS 40000u
#define DIFF_KEYS 2000u
#define CONS_THREADS 3u /* more threads than this machine's cores */
#define CONS_OPS 10000u
#define CONS_KEYS 500u
#define RANDOM_OPS 20000u
#define NODD 16u

/* The odd keys: lengths and bytes (the empty key twice: NULL and not). */
struct odd_key {
    const void *p;
    size_t len;
};
static unsigned char longest[LFB_KEY_LEN_MAX];
static const struct odd_key odd[NODD] = {
    {NULL, 0}, {"", 0}, {"\0", 1}, {"\0\0", 2}, {"a", 1}, {"a\0", 2}, {"ab", 2}, {"abc", 3},
    {"abc\0", 4}, {"\0abc", 4}, {"abd", 3}, {"b", 1}, {"\0\0\0\0\0\0\0\0", 8}, {"\0\0\0\0\0\0\0\1", 8},
    {longest, sizeof longest}, {longest, sizeof longest - 1},
};

/* The distinct key an odd key is (the two empty keys are one). */
static unsigned key_id(unsigned i)
{
    return i == 1 ? 0 : i;
}

struct ref {
    bool present[NODD];
    uint64_t value[NODD];
};

static void check_all(const struct lfb_bmap_ops *b, void *m, const struct ref *r, const char *when)
{
    for (unsigned i = 0; i < NODD; i++) {
        uint64_t v = 0;
        bool got = b->get(m, odd[i].p, odd[i].len, &v);
        unsigned id = key_id(i);
        ck_assert_msg(got == r->present[id], "%s: %s: get(odd key %u, %zu bytes) = %d, reference %d",
                      b->map->name, when, i, odd[i].len, got, r->present[id]);
        if (got)
            ck_assert_msg(v == r->value[id], "%s: %s: odd key %u holds %llu, reference %llu", b->map->name, when, i,
                          (unsigned long long)v, (unsigned long long)r->value[id]);
    }
}

static void *open_map(const struct lfb_bmap_ops *b)
{
    struct lfb_map_config cfg = {.capacity = 0, .seed = 5, .threads = 1};
    void *m = b->map->create(&cfg);
    ck_assert_ptr_nonnull(m);
    if (b->map->thread_enter)
        b->map->thread_enter(m);
    return m;
}

static void close_map(const struct lfb_bmap_ops *b, void *m)
{
    b->map->destroy(m);
    if (b->map->thread_exit)
        b->map->thread_exit(m);
}

START_TEST(test_odd_keys_scripted)
{
    const struct lfb_bmap_ops *b = lfb_bmap_raw[_i];
    void *m = open_map(b);
    struct ref r = {0};
    check_all(b, m, &r, "empty map");
    /* Insert every other key: a prefix is present while its extension is not. */
    for (unsigned i = 0; i < NODD; i += 2) {
        unsigned id = key_id(i);
        bool want = !r.present[id];
        ck_assert_msg(b->insert(m, odd[i].p, odd[i].len, 100 + i) == want, "%s: insert(odd key %u)", b->map->name, i);
        if (want) {
            r.present[id] = true;
            r.value[id] = 100 + i;
        }
    }
    check_all(b, m, &r, "after inserting every other key");
    /* The rest; the non-NULL empty key finds the NULL one present. */
    for (unsigned i = 1; i < NODD; i += 2) {
        unsigned id = key_id(i);
        bool want = !r.present[id];
        ck_assert_msg(b->insert(m, odd[i].p, odd[i].len, 200 + i) == want, "%s: insert(odd key %u) = %d", b->map->name,
                      i, !want);
        if (want) {
            r.present[id] = true;
            r.value[id] = 200 + i;
        }
    }
    check_all(b, m, &r, "after inserting all");
    /* put replaces; cas only from the value held. */
    for (unsigned i = 0; i < NODD; i += 3) {
        unsigned id = key_id(i);
        ck_assert(!b->put(m, odd[i].p, odd[i].len, 300 + i));
        r.value[id] = 300 + i;
    }
    for (unsigned i = 0; i < NODD; i++) {
        unsigned id = key_id(i);
        ck_assert(!b->cas(m, odd[i].p, odd[i].len, r.value[id] + 1, 7));
        ck_assert(b->cas(m, odd[i].p, odd[i].len, r.value[id], 400 + i));
        r.value[id] = 400 + i;
    }
    check_all(b, m, &r, "after put and cas");
    /* Remove the prefixes; their extensions stay. */
    const unsigned gone[] = {2, 4, 7, 14, 1};
    for (size_t g = 0; g < sizeof gone / sizeof gone[0]; g++) {
        unsigned i = gone[g], id = key_id(i);
        ck_assert_msg(b->remove(m, odd[i].p, odd[i].len) == r.present[id], "%s: remove(odd key %u)", b->map->name, i);
        r.present[id] = false;
        ck_assert(!b->remove(m, odd[i].p, odd[i].len));
        ck_assert(!b->cas(m, odd[i].p, odd[i].len, r.value[id], 1));
    }
    check_all(b, m, &r, "after removing prefixes");
    ck_assert(b->put(m, odd[4].p, odd[4].len, 9)); /* a put of an absent key adds it */
    r.present[4] = true;
    r.value[4] = 9;
    check_all(b, m, &r, "after re-adding a prefix");
    close_map(b, m);
}
END_TEST

START_TEST(test_odd_keys_random)
{
    const struct lfb_bmap_ops *b = lfb_bmap_raw[_i];
    void *m = open_map(b);
    struct ref r = {0};
    uint64_t s = 0x12345 + (uint64_t)_i, ops = tu_scaled(RANDOM_OPS, 2000);
    for (uint64_t n = 0; n < ops; n++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        unsigned i = (unsigned)(s >> 33) % NODD, id = key_id(i), op = (unsigned)(s >> 50) % 5;
        uint64_t v = n + 1, got = 0;
        bool rm;
        switch (op) {
        case 0:
            rm = b->get(m, odd[i].p, odd[i].len, &got);
            ck_assert_msg(rm == r.present[id] && (!rm || got == r.value[id]), "%s: op %llu: get(odd key %u)",
                          b->map->name, (unsigned long long)n, i);
            break;
        case 1:
            rm = b->insert(m, odd[i].p, odd[i].len, v);
            ck_assert_msg(rm == !r.present[id], "%s: op %llu: insert(odd key %u)", b->map->name, (unsigned long long)n, i);
            if (rm)
                r.present[id] = true, r.value[id] = v;
            break;
        case 2:
            rm = b->remove(m, odd[i].p, odd[i].len);
            ck_assert_msg(rm == r.present[id], "%s: op %llu: remove(odd key %u)", b->map->name, (unsigned long long)n, i);
            r.present[id] = false;
            break;
        case 3:
            rm = b->put(m, odd[i].p, odd[i].len, v);
            ck_assert_msg(rm == !r.present[id], "%s: op %llu: put(odd key %u)", b->map->name, (unsigned long long)n, i);
            r.present[id] = true;
            r.value[id] = v;
            break;
        default: {
            uint64_t expected = (s >> 20) & 1 ? r.value[id] : v + 7;
            rm = b->cas(m, odd[i].p, odd[i].len, expected, v);
            bool want = r.present[id] && r.value[id] == expected;
            ck_assert_msg(rm == want, "%s: op %llu: cas(odd key %u)", b->map->name, (unsigned long long)n, i);
            if (want)
                r.value[id] = v;
        }
        }
    }
    check_all(b, m, &r, "after the random operations");
    close_map(b, m);
}
END_TEST

START_TEST(test_differential)
{
    const struct lfb_map_ops *m = lfb_byte_maps[_i];
    struct lfcli_err err;
    ck_assert_msg(lfb_check_differential(m, tu_scaled(DIFF_OPS, 4000), DIFF_KEYS, 7 + (uint64_t)_i, &err) == 0, "%s",
                  err.msg);
}
END_TEST

START_TEST(test_conservation)
{
    const struct lfb_map_ops *m = lfb_byte_maps[_i];
    unsigned threads = m->max_threads && m->max_threads < CONS_THREADS ? m->max_threads : CONS_THREADS;
    struct lfcli_err err;
    ck_assert_msg(lfb_check_conservation(m, threads, tu_scaled(CONS_OPS, 1000), CONS_KEYS, 11 + (uint64_t)_i,
                                         &err) == 0, "%s", err.msg);
}
END_TEST

/* The registries: every byte map found by name (lfbench -m), its byte
 * operations registered, the kinds told apart. */
START_TEST(test_registry)
{
    ck_assert_uint_ge(lfb_byte_map_count, 8);
    ck_assert_uint_ge(lfb_cache_map_count, 3);
    for (size_t i = 0; i < lfb_byte_map_count; i++) {
        ck_assert_ptr_eq(lfb_map_find(lfb_byte_maps[i]->name), lfb_byte_maps[i]);
        ck_assert_ptr_eq(lfb_bmap_raw[i]->map, lfb_byte_maps[i]);
        ck_assert_int_eq(lfb_map_key_kind(lfb_byte_maps[i]), LFB_KEYS_BYTES);
    }
    for (size_t i = 0; i < lfb_cache_map_count; i++) {
        ck_assert_ptr_eq(lfb_map_find(lfb_cache_maps[i]->name), lfb_cache_maps[i]);
        ck_assert_ptr_eq(lfb_cache_ops_of(lfb_cache_maps[i]), lfb_cache_raw[i]);
        ck_assert_int_eq(lfb_map_key_kind(lfb_cache_maps[i]), LFB_KEYS_CACHE);
    }
    for (size_t i = 0; i < lfb_map_count; i++)
        ck_assert_int_eq(lfb_map_key_kind(lfb_maps[i]), LFB_KEYS_U64);
}
END_TEST

/* The key set: distinct keys, lengths in range, none a prefix of another
 * (their first 6 characters differ). */
START_TEST(test_keyset)
{
    for (uint64_t k = 1; k <= lfb_keys.nkeys; k++) {
        size_t n;
        const unsigned char *b = lfb_key_bytes(k, &n);
        ck_assert_uint_ge(n, lfb_keys.len_min);
        ck_assert_uint_le(n, lfb_keys.len_max);
        size_t v = lfb_value_len(k);
        ck_assert_uint_ge(v, lfb_keys.value_min);
        ck_assert_uint_le(v, lfb_keys.value_max);
        if (k > 1) {
            size_t pn;
            const unsigned char *pb = lfb_key_bytes(k - 1, &pn);
            ck_assert_msg(memcmp(b, pb, 6) != 0, "keys %llu and %llu share their id", (unsigned long long)k,
                          (unsigned long long)(k - 1));
        }
    }
}
END_TEST

int main(void)
{
    for (size_t i = 0; i < sizeof longest; i++)
        longest[i] = (unsigned char)(i * 7);
    if (lfb_keyset_build(&lfb_keys, KEYSET_KEYS, LFB_KEY_LEN_DEFAULT_MIN, LFB_KEY_LEN_DEFAULT_MAX,
                         LFB_VALUE_LEN_DEFAULT_MIN, LFB_VALUE_LEN_DEFAULT_MAX, 3) != 0)
        return 1;
    Suite *s = suite_create("lfbench_bytes");
    TCase *tc = tcase_create("bytes");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_registry);
    tcase_add_test(tc, test_keyset);
    tcase_add_loop_test(tc, test_odd_keys_scripted, 0, (int)lfb_byte_map_count);
    tcase_add_loop_test(tc, test_odd_keys_random, 0, (int)lfb_byte_map_count);
    tcase_add_loop_test(tc, test_differential, 0, (int)lfb_byte_map_count);
    tcase_add_loop_test(tc, test_conservation, 0, (int)lfb_byte_map_count);
    suite_add_tcase(s, tc);
    int rc = ck_run_suite(s, true);
    lfb_keyset_free(&lfb_keys);
    return rc;
}
