/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * unit_foreach: lfmap_foreach's documented guarantee.  Every key present for
 * the whole call is visited exactly once with a value it held; a key absent
 * for the whole call is never visited; keys that come and go are visited at
 * most once; a non-zero return from the callback stops the walk and is
 * returned.  Checked alone, with the callback modifying the map (allowed: the
 * calls nest), and with writer threads churning keys and resizing the table.
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

static void setup(void)
{
    ck_assert_int_eq(lfmap_thread_register(), 0);
}

static void teardown(void)
{
    lfmap_thread_unregister();
}

static lfmap *new_map(size_t capacity)
{
    struct lfmap_config cfg = {.capacity = capacity, .seed = 0x77};
    lfmap *m = lfmap_new(&cfg);
    ck_assert_ptr_nonnull(m);
    return m;
}

/* What a walk saw, indexed by tu_key index. */
struct walk {
    uint64_t limit;      /* indices 0..limit-1 are the key universe */
    uint8_t *seen;       /* visits per index (saturating) */
    uint64_t visits;
    uint64_t foreign;    /* keys outside the universe */
    uint64_t bad_value;  /* values that do not belong to their key */
    uint64_t stop_after; /* return stop_ret on this visit (0 = never) */
    int stop_ret;
    lfmap *m;            /* for nested calls */
    uint64_t nested_bad;
    uint64_t grow_from, grow_n; /* insert these indices from inside the walk */
};

static void walk_init(struct walk *w, uint64_t limit)
{
    memset(w, 0, sizeof *w);
    w->limit = limit;
    w->seen = calloc(limit, 1);
    ck_assert_ptr_nonnull(w->seen);
}

static void walk_reset(struct walk *w)
{
    memset(w->seen, 0, w->limit);
    w->visits = w->foreign = w->bad_value = 0;
}

static int walk_cb(uint64_t key, uint64_t value, void *arg)
{
    struct walk *w = arg;
    uint64_t j;
    w->visits++;
    if (!tu_key_index(key, w->limit, &j)) {
        w->foreign++;
    } else {
        if (w->seen[j] < 255)
            w->seen[j]++;
        if (!tu_val_ok(key, value))
            w->bad_value++;
    }
    if (w->stop_after && w->visits == w->stop_after)
        return w->stop_ret;
    return 0;
}

START_TEST(test_empty)
{
    lfmap *m = new_map(0);
    struct walk w;
    walk_init(&w, 10);
    ck_assert_int_eq(lfmap_foreach(m, walk_cb, &w), 0);
    ck_assert_uint_eq(w.visits, 0);
    /* after keys came and went */
    for (uint64_t j = 0; j < 1000; j++)
        ck_assert_int_eq(lfmap_insert(m, tu_key(j), 0), 1);
    for (uint64_t j = 0; j < 1000; j++)
        ck_assert_int_eq(lfmap_remove(m, tu_key(j), NULL), 1);
    ck_assert_int_eq(lfmap_foreach(m, walk_cb, &w), 0);
    ck_assert_uint_eq(w.visits, 0);
    free(w.seen);
    lfmap_free(m);
}
END_TEST

START_TEST(test_each_key_once)
{
    const uint64_t n = 5000; /* includes key 0 (index 0) and UINT64_MAX (index 1) */
    lfmap *m = new_map(0);
    for (uint64_t j = 0; j < n; j++)
        ck_assert_int_eq(lfmap_insert(m, tu_key(j), tu_val(tu_key(j), j)), 1);
    for (uint64_t j = 0; j < n; j += 3) /* leave tombstones behind */
        ck_assert_int_eq(lfmap_remove(m, tu_key(j), NULL), 1);
    struct walk w;
    walk_init(&w, 2 * n);
    ck_assert_int_eq(lfmap_foreach(m, walk_cb, &w), 0);
    ck_assert_uint_eq(w.foreign, 0);
    ck_assert_uint_eq(w.bad_value, 0);
    uint64_t present = 0;
    for (uint64_t j = 0; j < 2 * n; j++) {
        int want = j < n && j % 3 != 0;
        ck_assert_msg(w.seen[j] == want, "index %llu visited %d times, want %d",
                      (unsigned long long)j, w.seen[j], want);
        present += (uint64_t)want;
    }
    ck_assert_uint_eq(w.visits, present);
    ck_assert_uint_eq(lfmap_size(m), present);
    free(w.seen);
    lfmap_free(m);
}
END_TEST

/* A value passed to the callback is the key's value (no concurrency here). */
static int exact_value_cb(uint64_t key, uint64_t value, void *arg)
{
    lfmap *m = arg;
    uint64_t v;
    if (!lfmap_get(m, key, &v) || v != value)
        return -1;
    return 0;
}

START_TEST(test_values_exact)
{
    lfmap *m = new_map(0);
    for (uint64_t j = 0; j < 3000; j++)
        ck_assert_int_eq(lfmap_insert(m, tu_key(j), j * 7), 1);
    for (uint64_t j = 0; j < 3000; j += 2)
        ck_assert_int_eq(lfmap_put(m, tu_key(j), j * 11, NULL), 0);
    ck_assert_int_eq(lfmap_foreach(m, exact_value_cb, m), 0);
    lfmap_free(m);
}
END_TEST

START_TEST(test_stop_early)
{
    lfmap *m = new_map(0);
    for (uint64_t j = 0; j < 100; j++)
        ck_assert_int_eq(lfmap_insert(m, tu_key(j), tu_val(tu_key(j), 0)), 1);
    struct walk w;
    walk_init(&w, 100);
    const int rets[] = {42, -5, 1};
    for (int i = 0; i < 3; i++) {
        walk_reset(&w);
        w.stop_after = 3;
        w.stop_ret = rets[i];
        ck_assert_int_eq(lfmap_foreach(m, walk_cb, &w), rets[i]);
        ck_assert_uint_eq(w.visits, 3); /* no call after the stop */
    }
    walk_reset(&w);
    w.stop_after = 100; /* stopping on the last key still returns the value */
    w.stop_ret = 9;
    ck_assert_int_eq(lfmap_foreach(m, walk_cb, &w), 9);
    ck_assert_uint_eq(w.visits, 100);
    free(w.seen);
    lfmap_free(m);
}
END_TEST

/* The callback updates the key it visits and inserts new keys (which makes
 * the table grow under the walk).  Keys present for the whole call are still
 * visited exactly once, and the new keys at most once. */
static int nested_cb(uint64_t key, uint64_t value, void *arg)
{
    struct walk *w = arg;
    uint64_t j, old;
    walk_cb(key, value, w);
    if (tu_key_index(key, w->grow_from, &j)) {
        if (lfmap_put(w->m, key, tu_val(key, tu_val_seq(value) + 1), &old) != 0 || old != value)
            w->nested_bad++;
        if (!lfmap_get(w->m, key, &old) || old != tu_val(key, tu_val_seq(value) + 1))
            w->nested_bad++;
    }
    /* a few new keys per visit, until grow_n have been added */
    for (int i = 0; i < 4 && w->grow_n; i++, w->grow_n--) {
        uint64_t nk = tu_key(w->grow_from + w->grow_n - 1);
        if (lfmap_insert(w->m, nk, tu_val(nk, 0)) != 1)
            w->nested_bad++;
    }
    return 0;
}

START_TEST(test_nested_modification)
{
    const uint64_t n = 1000, extra = 6000;
    lfmap *m = new_map(0);
    for (uint64_t j = 0; j < n; j++)
        ck_assert_int_eq(lfmap_insert(m, tu_key(j), tu_val(tu_key(j), 10)), 1);
    struct lfmap_stats st0, st;
    lfmap_get_stats(m, &st0);
    struct walk w;
    walk_init(&w, n + extra);
    w.m = m;
    w.grow_from = n;
    w.grow_n = extra;
    ck_assert_int_eq(lfmap_foreach(m, nested_cb, &w), 0);
    lfmap_get_stats(m, &st);
    ck_assert_uint_eq(w.nested_bad, 0);
    ck_assert_uint_eq(w.foreign, 0);
    ck_assert_uint_eq(w.bad_value, 0);
    for (uint64_t j = 0; j < n; j++)
        ck_assert_msg(w.seen[j] == 1, "key index %llu visited %d times", (unsigned long long)j,
                      w.seen[j]);
    for (uint64_t j = n; j < n + extra; j++)
        ck_assert_uint_le(w.seen[j], 1);
    /* every original key was updated exactly once */
    for (uint64_t j = 0; j < n; j++) {
        uint64_t v;
        ck_assert(lfmap_get(m, tu_key(j), &v));
        ck_assert_uint_eq(v, tu_val(tu_key(j), 11));
    }
    ck_assert_uint_eq(lfmap_size(m), n + (extra - w.grow_n));
    printf("nested: %llu new keys inserted during the walk, %llu resizes\n",
           (unsigned long long)(extra - w.grow_n), (unsigned long long)(st.resizes - st0.resizes));
    free(w.seen);
    lfmap_free(m);
}
END_TEST

/* ---- foreach while writer threads churn ----------------------------------- */

#define NWRITERS 3

struct churn {
    lfmap *m;
    uint64_t stable, churn; /* indices [0,stable) stable, [stable, stable+churn) churned */
    atomic_bool stop;
    atomic_uint_fast64_t cycles, violations;
};

struct writer_arg {
    struct churn *c;
    int id;
};

/* Owns churn indices stable+id, stable+id+NWRITERS, ...: inserts them all,
 * updates half, removes them all; its own results are known exactly. */
static void *writer(void *p)
{
    struct writer_arg *a = p;
    struct churn *c = a->c;
    tu_register();
    uint64_t seq = 1, bad = 0;
    const uint64_t first = c->stable + (uint64_t)a->id, end = c->stable + c->churn;
    uint64_t *last = calloc(c->churn / NWRITERS + 1, sizeof *last);
    while (!atomic_load(&c->stop)) {
        uint64_t i = 0;
        for (uint64_t j = first; j < end; j += NWRITERS, i++) {
            uint64_t k = tu_key(j);
            last[i] = tu_val(k, seq++);
            bad += lfmap_insert(c->m, k, last[i]) != 1;
        }
        i = 0;
        for (uint64_t j = first; j < end; j += 2 * NWRITERS, i += 2) {
            uint64_t k = tu_key(j), old = 0, v = tu_val(k, seq++);
            bad += lfmap_put(c->m, k, v, &old) != 0 || old != last[i];
            last[i] = v;
        }
        i = 0;
        for (uint64_t j = first; j < end; j += NWRITERS, i++) {
            uint64_t old = 0;
            bad += lfmap_remove(c->m, tu_key(j), &old) != 1 || old != last[i];
        }
        atomic_fetch_add(&c->cycles, 1);
    }
    atomic_fetch_add(&c->violations, bad);
    free(last);
    tu_unregister();
    return NULL;
}

START_TEST(test_concurrent_writers)
{
    struct churn c = {0};
    c.stable = tu_scaled(2000, 300);
    c.churn = tu_scaled(30000, 3000);
    c.m = new_map(0);
    for (uint64_t j = 0; j < c.stable; j++)
        ck_assert_int_eq(lfmap_insert(c.m, tu_key(j), tu_val(tu_key(j), 0)), 1);
    struct lfmap_stats st0, st;
    lfmap_get_stats(c.m, &st0);

    pthread_t t[NWRITERS];
    struct writer_arg wa[NWRITERS];
    for (int i = 0; i < NWRITERS; i++) {
        wa[i] = (struct writer_arg){&c, i};
        ck_assert_int_eq(pthread_create(&t[i], NULL, writer, &wa[i]), 0);
    }
    struct walk w;
    walk_init(&w, c.stable + c.churn);
    uint64_t walks = 0, bad = 0;
    const uint64_t min_walks = 30, max_walks = 2000;
    /* Walk until the writers have been through a few grow/shrink cycles. */
    while (walks < max_walks &&
           (walks < min_walks || atomic_load(&c.cycles) < 8 * NWRITERS)) {
        walk_reset(&w);
        ck_assert_int_eq(lfmap_foreach(c.m, walk_cb, &w), 0);
        walks++;
        uint64_t stable_miss = 0, dup = 0;
        for (uint64_t j = 0; j < c.stable + c.churn; j++) {
            if (j < c.stable && w.seen[j] != 1)
                stable_miss++;
            if (w.seen[j] > 1)
                dup++;
        }
        if (stable_miss || dup || w.foreign || w.bad_value) {
            fprintf(stderr,
                    "walk %llu: %llu stable keys not seen exactly once, %llu duplicates, "
                    "%llu foreign keys, %llu bad values\n",
                    (unsigned long long)walks, (unsigned long long)stable_miss,
                    (unsigned long long)dup, (unsigned long long)w.foreign,
                    (unsigned long long)w.bad_value);
            bad++;
        }
    }
    atomic_store(&c.stop, true);
    for (int i = 0; i < NWRITERS; i++)
        pthread_join(t[i], NULL);
    lfmap_get_stats(c.m, &st);
    printf("concurrent foreach: %llu walks, %llu writer cycles, %llu resizes\n",
           (unsigned long long)walks, (unsigned long long)atomic_load(&c.cycles),
           (unsigned long long)(st.resizes - st0.resizes));
    ck_assert_uint_eq(bad, 0);
    ck_assert_uint_eq(atomic_load(&c.violations), 0);
    ck_assert_uint_ge(atomic_load(&c.cycles), NWRITERS);
    ck_assert_uint_gt(st.resizes, st0.resizes);
    /* writers removed everything they inserted */
    ck_assert_uint_eq(lfmap_size(c.m), c.stable);
    for (uint64_t j = 0; j < c.stable; j++) {
        uint64_t v;
        ck_assert(lfmap_get(c.m, tu_key(j), &v));
        ck_assert_uint_eq(v, tu_val(tu_key(j), 0));
    }
    free(w.seen);
    lfmap_free(c.m);
}
END_TEST

static Suite *foreach_suite(void)
{
    Suite *s = suite_create("foreach");
    TCase *tc = tcase_create("single");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_each_key_once);
    tcase_add_test(tc, test_values_exact);
    tcase_add_test(tc, test_stop_early);
    tcase_add_test(tc, test_nested_modification);
    suite_add_tcase(s, tc);

    tc = tcase_create("concurrent");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_concurrent_writers);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ck_run_suite(foreach_suite(), true);
}
