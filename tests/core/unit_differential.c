/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * unit_differential: one thread drives lfmap and a trivially correct reference
 * map with the same random operations and compares every return value, every
 * *old / *current, the size, and (now and then) the full contents.  The key
 * count swings between a few keys and a peak of ~50k, so a capacity-0 map
 * grows and shrinks through many resizes.
 *
 * unit_differential_bytes runs the same test on the byte-string map
 * (lfmap_bytes): this file built with TEST_BYTE_KEYS (tests/support/keys.h).
 *
 * The reference is direct-indexed: keys come from a fixed universe
 * tu_key(0..K-1) (which contains 0 and UINT64_MAX), so a plain array per
 * index plus a dense list of present indices is enough and obviously right.
 */
#include <check.h>

#include "ck_run.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ck_fast.h"
#include "lfmap.h"
#include "keys.h"
#include "testutil.h"

#define X(v) ((unsigned long long)(v))

struct ref {
    uint64_t k;        /* universe size */
    bool *present;
    uint64_t *val;
    uint64_t *list;    /* dense list of present indices */
    uint64_t *pos;     /* index -> position in list */
    uint64_t n;
};

static void ref_init(struct ref *r, uint64_t k)
{
    r->k = k;
    r->present = calloc(k, sizeof *r->present);
    r->val = calloc(k, sizeof *r->val);
    r->list = calloc(k, sizeof *r->list);
    r->pos = calloc(k, sizeof *r->pos);
    r->n = 0;
    ck_assert(r->present && r->val && r->list && r->pos);
}

static void ref_free(struct ref *r)
{
    free(r->present);
    free(r->val);
    free(r->list);
    free(r->pos);
}

static void ref_set(struct ref *r, uint64_t j, uint64_t v)
{
    if (!r->present[j]) {
        r->present[j] = true;
        r->pos[j] = r->n;
        r->list[r->n++] = j;
    }
    r->val[j] = v;
}

static void ref_del(struct ref *r, uint64_t j)
{
    if (!r->present[j])
        return;
    uint64_t p = r->pos[j], last = r->list[--r->n];
    r->list[p] = last;
    r->pos[last] = p;
    r->present[j] = false;
}

/* A valid value, biased towards the edges 0 and LFMAP_VALUE_MAX. */
static uint64_t rand_value(struct tu_rng *g)
{
    switch (tu_below(g, 20)) {
    case 0:
        return 0;
    case 1:
        return LFMAP_VALUE_MAX;
    case 2:
        return LFMAP_VALUE_MAX - tu_below(g, 16);
    case 3:
    case 4:
        return tu_below(g, 1000);
    default:
        for (;;) {
            uint64_t v = tu_next(g);
            if (v <= LFMAP_VALUE_MAX)
                return v;
        }
    }
}

static uint64_t rand_reserved(struct tu_rng *g)
{
    return LFMAP_VALUE_MAX + 1 + tu_below(g, LFMAP_RESERVED_VALUES);
}

/* A delta for fetch_add that often lands on the interesting results. */
static uint64_t rand_delta(struct tu_rng *g, uint64_t cur)
{
    switch (tu_below(g, 10)) {
    case 0:
        return LFMAP_VALUE_MAX - cur;     /* exactly the largest value */
    case 1:
        return LFMAP_VALUE_MAX - cur + 1 + tu_below(g, LFMAP_RESERVED_VALUES); /* reserved */
    case 2:
        return 0 - cur;                   /* wraps to exactly 0 */
    case 3:
        return tu_next(g);                /* anything */
    case 4:
        return UINT64_MAX;                /* minus one */
    default:
        return 1 + tu_below(g, 1000);
    }
}

struct cmp {
    struct ref *r;
    uint64_t visited;
    uint8_t *seen;
    uint64_t errors;
};

static int cmp_cb(uint64_t key, uint64_t value, void *arg)
{
    struct cmp *c = arg;
    uint64_t j;
    c->visited++;
    if (!tu_key_index(key, c->r->k, &j) || !c->r->present[j] || c->seen[j] ||
        c->r->val[j] != value) {
        if (c->errors++ < 5)
            fprintf(stderr, "foreach: key %#llx value %#llx unexpected\n", X(key), X(value));
        return 0;
    }
    c->seen[j] = 1;
    return 0;
}

/* Full comparison: foreach both ways round, then a get on every key. */
static void compare_all(tmap *m, struct ref *r, uint8_t *seen)
{
    struct cmp c = {.r = r, .seen = seen};
    memset(seen, 0, r->k);
    CK_REQUIRE(tmap_foreach(m, cmp_cb, &c) == 0, "foreach failed");
    CK_REQUIRE(c.errors == 0, "foreach: %llu unexpected keys or values", X(c.errors));
    CK_REQUIRE(c.visited == r->n, "foreach visited %llu keys, reference has %llu", X(c.visited),
               X(r->n));
    for (uint64_t j = 0; j < r->k; j++) {
        uint64_t v = 0;
        bool found = tmap_get(m, tu_key(j), &v);
        CK_REQUIRE(found == r->present[j], "get(%#llx): found=%d, reference %d", X(tu_key(j)),
                   found, r->present[j]);
        CK_REQUIRE(!found || v == r->val[j], "get(%#llx) = %#llx, reference %#llx",
                   X(tu_key(j)), X(v), X(r->val[j]));
    }
    CK_REQUIRE(tmap_size(m) == r->n, "size %zu, reference %llu", tmap_size(m), X(r->n));
}

/* One random operation on both maps; every result is compared. */
static void step(tmap *m, struct ref *r, struct tu_rng *g, bool growing)
{
    /* Growing: mostly random keys (mostly absent); shrinking: mostly present. */
    uint64_t j;
    if (r->n && tu_below(g, 10) < (growing ? 3u : 7u))
        j = r->list[tu_below(g, r->n)];
    else
        j = tu_below(g, r->k);
    const uint64_t key = tu_key(j);
    const bool had = r->present[j];
    const uint64_t cur = r->val[j];
    uint64_t v = rand_value(g), out = 0x1234, got = 0;
    int rc;
    unsigned op = (unsigned)tu_below(g, 100);
    /* Growing: few removes; shrinking: mostly removes. */
    if (growing && op >= 90)
        op = 20;
    else if (!growing && op >= 40)
        op = 200;

    if (op < 15) {
        bool with_value = !tu_one_in(g, 8);
        bool found = tmap_get(m, key, with_value ? &out : NULL);
        CK_REQUIRE(found == had, "get(%#llx): %d, want %d", X(key), found, had);
        CK_REQUIRE(!found || !with_value || out == cur, "get(%#llx) = %#llx, want %#llx",
                   X(key), X(out), X(cur));
    } else if (op < 35) {
        rc = tmap_insert(m, key, v);
        CK_REQUIRE(rc == !had, "insert(%#llx) = %d, had=%d", X(key), rc, had);
        if (!had)
            ref_set(r, j, v);
    } else if (op < 47) {
        rc = tmap_put(m, key, v, &out);
        CK_REQUIRE(rc == !had, "put(%#llx) = %d, had=%d", X(key), rc, had);
        CK_REQUIRE(!had || out == cur, "put(%#llx) old %#llx, want %#llx", X(key), X(out),
                   X(cur));
        ref_set(r, j, v);
    } else if (op < 55) {
        rc = tmap_get_or_insert(m, key, v, &out);
        CK_REQUIRE(rc == !had, "get_or_insert(%#llx) = %d, had=%d", X(key), rc, had);
        CK_REQUIRE(out == (had ? cur : v), "get_or_insert(%#llx) current %#llx", X(key), X(out));
        if (!had)
            ref_set(r, j, v);
    } else if (op < 65) {
        uint64_t d = rand_delta(g, had ? cur : 0), sum = (had ? cur : 0) + d;
        rc = tmap_fetch_add(m, key, d, &out);
        if (sum > LFMAP_VALUE_MAX) {
            CK_REQUIRE(rc == -EOVERFLOW, "fetch_add(%#llx, %#llx) on %#llx = %d, want -EOVERFLOW",
                       X(key), X(d), X(cur), rc);
        } else {
            CK_REQUIRE(rc == !had, "fetch_add(%#llx) = %d, had=%d", X(key), rc, had);
            CK_REQUIRE(out == (had ? cur : 0), "fetch_add(%#llx) old %#llx", X(key), X(out));
            ref_set(r, j, sum);
        }
    } else if (op < 80) {
        /* right expected, wrong expected, or absent key */
        uint64_t expected = had && tu_below(g, 3) ? cur : rand_value(g);
        rc = tmap_cas(m, key, expected, v);
        bool want = had && expected == cur;
        CK_REQUIRE(rc == want, "cas(%#llx, %#llx, %#llx) = %d, want %d (had=%d cur=%#llx)",
                   X(key), X(expected), X(v), rc, want, had, X(cur));
        if (want)
            ref_set(r, j, v);
    } else if (op < 82) {
        uint64_t bad = rand_reserved(g);
        /* (a reserved *expected* for cas is unit_api's test_reserved_expected) */
        switch (tu_below(g, 4)) {
        case 0: rc = tmap_insert(m, key, bad); break;
        case 1: rc = tmap_put(m, key, bad, &out); break;
        case 2: rc = tmap_get_or_insert(m, key, bad, &out); break;
        default: rc = tmap_cas(m, key, cur, bad); break;
        }
        CK_REQUIRE(rc == -EINVAL, "reserved value %#llx accepted: %d", X(bad), rc);
    } else if (tu_one_in(g, 3)) {
        /* remove_if: right expected, wrong expected, or absent key */
        uint64_t expected = had && tu_below(g, 3) ? cur : rand_value(g);
        rc = tmap_remove_if(m, key, expected);
        bool want = had && expected == cur;
        CK_REQUIRE(rc == want, "remove_if(%#llx, %#llx) = %d, want %d (had=%d cur=%#llx)", X(key),
                   X(expected), rc, want, had, X(cur));
        if (want)
            ref_del(r, j);
        rc = tmap_lookup(m, key, &out);
        CK_REQUIRE(rc == (had && !want), "lookup(%#llx) after remove_if = %d", X(key), rc);
    } else {
        bool with_old = !tu_one_in(g, 4);
        rc = tmap_remove(m, key, with_old ? &out : NULL);
        CK_REQUIRE(rc == had, "remove(%#llx) = %d, had=%d", X(key), rc, had);
        CK_REQUIRE(!had || !with_old || out == cur, "remove(%#llx) old %#llx, want %#llx",
                   X(key), X(out), X(cur));
        ref_del(r, j);
    }
    /* the key itself, right after the operation */
    bool found = tmap_get(m, key, &got);
    CK_REQUIRE(found == r->present[j] && (!found || got == r->val[j]),
               "after op %u on %#llx: found=%d value %#llx, reference %d %#llx", op, X(key),
               found, X(found ? got : 0), r->present[j], X(r->val[j]));
}

START_TEST(test_differential)
{
    ck_assert_int_eq(lfmap_thread_register(), 0);
    const uint64_t seed = tu_seed("unit_differential", 0xd1ff0001);
    const uint64_t ops = tu_scaled(1000000, 100000);
    const uint64_t peak = tu_scaled(50000, 5000), low = 8;
    struct ref r;
    ref_init(&r, 2 * peak);
    uint8_t *seen = malloc(r.k);
    ck_assert_ptr_nonnull(seen);
    struct tu_rng g;
    tu_rng_seed(&g, seed);
    struct lfmap_config cfg = {.capacity = 0, .seed = seed};
    tmap *m = tmap_new(&cfg);
    ck_assert_ptr_nonnull(m);

    bool growing = true;
    uint64_t cycles = 0, i = 0;
    const uint64_t compare_every = ops / 16;
    /* At least `ops` operations and 3 full grow/shrink cycles. */
    for (; i < ops || cycles < 3; i++) {
        CK_REQUIRE(i < 8 * ops, "only %llu cycles after %llu operations", X(cycles), X(i));
        step(m, &r, &g, growing);
        if (growing && r.n >= peak) {
            compare_all(m, &r, seen);
            growing = false;
        } else if (!growing && r.n <= low) {
            compare_all(m, &r, seen);
            growing = true;
            cycles++;
        }
        if (i % 64 == 0)
            CK_REQUIRE(tmap_size(m) == r.n, "op %llu: size %zu, reference %llu", X(i),
                       tmap_size(m), X(r.n));
        if (i % compare_every == 0)
            compare_all(m, &r, seen);
    }
    compare_all(m, &r, seen);
    struct lfmap_stats st;
    tmap_get_stats(m, &st);
    printf("differential: %llu ops, %llu cycles, %llu resizes, final size %zu\n", X(i), X(cycles),
           X(st.resizes), st.size);
    ck_assert_uint_eq(st.size, r.n);
    ck_assert_msg(st.resizes > 20, "only %llu resizes", X(st.resizes));
    tmap_free(m);
    free(seen);
    ref_free(&r);
    lfmap_thread_unregister();
}
END_TEST

/* Same, with a stop-the-world resize (migration_chunk = SIZE_MAX) and a
 * one-slot chunk, so both migration extremes are compared too. */
static void run_chunk(size_t chunk, uint64_t seed)
{
    ck_assert_int_eq(lfmap_thread_register(), 0);
    const uint64_t ops = tu_scaled(200000, 40000), peak = tu_scaled(10000, 2000);
    struct ref r;
    ref_init(&r, 2 * peak);
    uint8_t *seen = malloc(r.k);
    ck_assert_ptr_nonnull(seen);
    struct tu_rng g;
    tu_rng_seed(&g, seed);
    struct lfmap_config cfg = {.migration_chunk = chunk};
    tmap *m = tmap_new(&cfg);
    ck_assert_ptr_nonnull(m);
    bool growing = true;
    for (uint64_t i = 0; i < ops; i++) {
        step(m, &r, &g, growing);
        if (growing ? r.n >= peak : r.n <= 8) {
            compare_all(m, &r, seen);
            growing = !growing;
        }
    }
    compare_all(m, &r, seen);
    struct lfmap_stats st;
    tmap_get_stats(m, &st);
    ck_assert_uint_gt(st.resizes, 5);
    tmap_free(m);
    free(seen);
    ref_free(&r);
    lfmap_thread_unregister();
}

START_TEST(test_differential_stop_the_world)
{
    run_chunk(SIZE_MAX, tu_seed("unit_differential/stw", 0xd1ff0002));
}
END_TEST

START_TEST(test_differential_chunk1)
{
    run_chunk(1, tu_seed("unit_differential/chunk1", 0xd1ff0003));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("differential");
    TCase *tc = tcase_create("differential");
    tcase_set_timeout(tc, 300); /* long single tests; run.sh bounds the whole program */
    tcase_add_test(tc, test_differential);
    tcase_add_test(tc, test_differential_stop_the_world);
    tcase_add_test(tc, test_differential_chunk1);
    suite_add_tcase(s, tc);
    return ck_run_suite(s, true);
}
