/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * unit_remove_if: the API added in version 0.2 (lib/lfmap.h): the conditional delete
 * (lfmap_remove_if, lfmap_bytes_remove_if), the unambiguous lookup
 * (lfmap_lookup, lfmap_bytes_lookup) and the versioned structs
 * (lfmap_new_sized, lfmap_get_stats_sized and their byte-key twins, and the
 * plain symbols that keep version 0.1's sizes).  Each test runs in its own
 * forked process (Check).
 */
#include <check.h>

#include "ck_run.h"
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lfmap.h"
#include "scheme_props.h"
#include "testutil.h"

#define SENTINEL UINT64_C(0x5e5e5e5e5e5e5e5e)

/* Version 0.1's struct sizes: the seven config fields through
 * value_free_ctx, the nine stats fields through retired_values_pending. */
#define CONFIG_SIZE_0_1 (offsetof(struct lfmap_config, value_free_ctx) + sizeof(void *))
#define STATS_SIZE_0_1 (offsetof(struct lfmap_stats, retired_values_pending) + sizeof(uint64_t))

static void setup(void)
{
    ck_assert_int_eq(lfmap_thread_register(), 0);
}

static void teardown(void)
{
    lfmap_thread_unregister();
}

/* ---- remove_if -------------------------------------------------------------- */

START_TEST(test_remove_if_only_when_equal)
{
    lfmap *m = lfmap_new(NULL);
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(lfmap_remove_if(m, 7, 1), 0); /* absent */
    ck_assert_int_eq(lfmap_insert(m, 7, 1), 1);
    ck_assert_int_eq(lfmap_remove_if(m, 7, 2), 0); /* another value: kept */
    uint64_t v = SENTINEL;
    ck_assert_int_eq(lfmap_lookup(m, 7, &v), 1);
    ck_assert_uint_eq(v, 1);
    ck_assert_uint_eq(lfmap_size(m), 1);
    ck_assert_int_eq(lfmap_remove_if(m, 7, 1), 1); /* equal: removed */
    ck_assert_int_eq(lfmap_lookup(m, 7, &v), 0);
    ck_assert_uint_eq(lfmap_size(m), 0);
    ck_assert_int_eq(lfmap_remove_if(m, 7, 1), 0); /* gone */
    /* The side keys (0 and UINT64_MAX live outside the table) and the
     * edge values. */
    const uint64_t keys[] = {0, 1, UINT64_MAX};
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(lfmap_put(m, keys[i], LFMAP_VALUE_MAX, NULL), 1);
        ck_assert_int_eq(lfmap_remove_if(m, keys[i], 0), 0);
        ck_assert_int_eq(lfmap_remove_if(m, keys[i], LFMAP_VALUE_MAX), 1);
        ck_assert_int_eq(lfmap_lookup(m, keys[i], NULL), 0);
    }
    /* Many keys, half removed, across resizes. */
    for (uint64_t k = 100; k < 2100; k++)
        ck_assert_int_eq(lfmap_insert(m, k, k * 3), 1);
    for (uint64_t k = 100; k < 2100; k++)
        ck_assert_int_eq(lfmap_remove_if(m, k, k % 2 ? k * 3 : k * 3 + 1), (int)(k % 2));
    for (uint64_t k = 100; k < 2100; k++)
        ck_assert_int_eq(lfmap_lookup(m, k, &v), (int)!(k % 2));
    ck_assert_uint_eq(lfmap_size(m), 1000);
    lfmap_free(m);
}
END_TEST

START_TEST(test_remove_if_bad_input)
{
    lfmap *m = lfmap_new(NULL);
    lfmap_bytes *b = lfmap_bytes_new(NULL);
    ck_assert_ptr_nonnull(m);
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(lfmap_insert(m, 5, 5), 1);
    /* A reserved expected: no key can hold it. */
    ck_assert_int_eq(lfmap_remove_if(m, 5, LFMAP_VALUE_MAX + 1), -EINVAL);
    ck_assert_int_eq(lfmap_remove_if(m, 5, UINT64_MAX), -EINVAL);
    ck_assert_int_eq(lfmap_bytes_remove_if(b, "k", 1, UINT64_MAX), -EINVAL);
    /* Bad keys, and the wrong kind of map. */
    ck_assert_int_eq(lfmap_bytes_remove_if(b, NULL, 1, 0), -EINVAL);
    ck_assert_int_eq(lfmap_bytes_remove_if(b, "k", LFMAP_BYTES_KEY_MAX + 1, 0), -EINVAL);
    ck_assert_int_eq(lfmap_bytes_remove_if((lfmap_bytes *)(void *)m, "k", 1, 5), -EINVAL);
    ck_assert_int_eq(lfmap_remove_if((lfmap *)(void *)b, 5, 5), -EINVAL);
    ck_assert_int_eq(lfmap_lookup(m, 5, NULL), 1); /* untouched */
    lfmap_thread_unregister();
    ck_assert_int_eq(lfmap_remove_if(m, 5, 5), -EPERM);
    ck_assert_int_eq(lfmap_bytes_remove_if(b, "k", 1, 5), -EPERM);
    ck_assert_int_eq(lfmap_thread_register(), 0);
    ck_assert_int_eq(lfmap_lookup(m, 5, NULL), 1);
    lfmap_free(m);
    lfmap_bytes_free(b);
}
END_TEST

START_TEST(test_bytes_remove_if)
{
    lfmap_bytes *b = lfmap_bytes_new(NULL);
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(lfmap_bytes_remove_if(b, "session", 7, 1), 0);
    ck_assert_int_eq(lfmap_bytes_insert(b, "session", 7, 1), 1);
    ck_assert_int_eq(lfmap_bytes_insert(b, "", 0, 9), 1); /* the empty key */
    ck_assert_int_eq(lfmap_bytes_remove_if(b, "session", 7, 2), 0);
    ck_assert_int_eq(lfmap_bytes_remove_if(b, "sessio", 6, 1), 0); /* another key */
    uint64_t v = SENTINEL;
    ck_assert_int_eq(lfmap_bytes_lookup(b, "session", 7, &v), 1);
    ck_assert_uint_eq(v, 1);
    ck_assert_int_eq(lfmap_bytes_remove_if(b, "session", 7, 1), 1);
    ck_assert_int_eq(lfmap_bytes_lookup(b, "session", 7, &v), 0);
    ck_assert_int_eq(lfmap_bytes_remove_if(b, NULL, 0, 9), 1);
    ck_assert_uint_eq(lfmap_bytes_size(b), 0);
    char key[32];
    for (unsigned i = 0; i < 1000; i++) {
        size_t len = (size_t)snprintf(key, sizeof key, "key-%u", i);
        ck_assert_int_eq(lfmap_bytes_insert(b, key, len, i), 1);
    }
    for (unsigned i = 0; i < 1000; i++) {
        size_t len = (size_t)snprintf(key, sizeof key, "key-%u", i);
        ck_assert_int_eq(lfmap_bytes_remove_if(b, key, len, i % 3 ? i : i + 1), i % 3 != 0);
    }
    ck_assert_uint_eq(lfmap_bytes_size(b), 334);
    lfmap_bytes_free(b);
}
END_TEST

/* Value destructor: counts the calls per value. */
#define NVALUES 512
static _Atomic unsigned freed[NVALUES + 1];

static void count_free(uint64_t value, void *ctx)
{
    (void)ctx;
    ck_assert_uint_le(value, NVALUES);
    atomic_fetch_add(&freed[value], 1);
}

static void destructor_once(bool bytes)
{
    /* Named, so that the map has this pass's scheme whatever the rule of
     * the environment (lib/lfmap.h, "What the environment may change"). */
    struct lfmap_config cfg = {.value_free = count_free, .reclamation = scheme_default_name()};
    lfmap *m = bytes ? NULL : lfmap_new(&cfg);
    lfmap_bytes *b = bytes ? lfmap_bytes_new(&cfg) : NULL;
    ck_assert(m || b);
    /* A scheme that never frees (its property, not its name) frees nothing. */
    const bool frees = !scheme_never_frees(bytes ? lfmap_bytes_reclamation(b) : lfmap_reclamation(m));
    for (uint64_t k = 1; k <= NVALUES; k++) {
        int rc = bytes ? lfmap_bytes_insert(b, &k, sizeof k, k) : lfmap_insert(m, k, k);
        ck_assert_int_eq(rc, 1);
    }
    for (uint64_t k = 1; k <= NVALUES; k++) {
        /* A wrong expected retires nothing; the right one retires the value. */
        int rc = bytes ? lfmap_bytes_remove_if(b, &k, sizeof k, k + 1) : lfmap_remove_if(m, k, k + 1);
        ck_assert_int_eq(rc, 0);
        if (k % 2) {
            rc = bytes ? lfmap_bytes_remove_if(b, &k, sizeof k, k) : lfmap_remove_if(m, k, k);
            ck_assert_int_eq(rc, 1);
            rc = bytes ? lfmap_bytes_remove_if(b, &k, sizeof k, k) : lfmap_remove_if(m, k, k);
            ck_assert_int_eq(rc, 0);
        }
    }
    if (bytes)
        lfmap_bytes_free(b); /* waits for the retired values, then frees the rest */
    else
        lfmap_free(m);
    lfmap_thread_unregister();
    /* Reclamation threads (liburcu's call_rcu) may still be finishing. */
    for (int tries = 0; frees && tries < 2000; tries++) {
        unsigned done = 0;
        for (unsigned v = 1; v <= NVALUES; v++)
            done += atomic_load(&freed[v]) != 0;
        if (done == NVALUES)
            break;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    for (unsigned v = 1; v <= NVALUES; v++)
        ck_assert_msg(atomic_load(&freed[v]) == (frees ? 1u : 0u), "value %u freed %u times", v,
                      atomic_load(&freed[v]));
    ck_assert_uint_eq(atomic_load(&freed[0]), 0);
    ck_assert_int_eq(lfmap_thread_register(), 0);
}

START_TEST(test_remove_if_frees_once)
{
    destructor_once(false);
}
END_TEST

START_TEST(test_bytes_remove_if_frees_once)
{
    destructor_once(true);
}
END_TEST

/* An expiry sweep against refreshes: one thread refreshes a key with new
 * values (put), another removes the value it read if it still holds it
 * (remove_if).  Every value is accounted exactly once: replaced by the next
 * put (which returns it in *old), removed by the sweep (remove_if 1), or
 * the key's value at the end.  A sweep that removed a refreshed value
 * would count the value it named twice and lose the one it removed. */
struct sweep {
    lfmap *m;
    lfmap_bytes *b;
    uint64_t n;
    uint8_t *replaced, *removed;
    atomic_bool done;
    uint64_t sweeps;
};

static int sw_put(struct sweep *s, uint64_t v, uint64_t *old)
{
    return s->b ? lfmap_bytes_put(s->b, "sess", 4, v, old) : lfmap_put(s->m, 42, v, old);
}

static void *refresher(void *arg)
{
    struct sweep *s = arg;
    ck_assert_int_eq(lfmap_thread_register(), 0);
    for (uint64_t v = 1; v <= s->n; v++) {
        uint64_t old = 0;
        int rc = sw_put(s, v, &old);
        ck_assert_int_ge(rc, 0);
        if (rc == 0) {
            ck_assert_uint_lt(old, v);
            ck_assert_uint_eq(s->replaced[old], 0);
            s->replaced[old] = 1;
        }
    }
    atomic_store(&s->done, true);
    lfmap_thread_unregister();
    return NULL;
}

static void *sweeper(void *arg)
{
    struct sweep *s = arg;
    ck_assert_int_eq(lfmap_thread_register(), 0);
    while (!atomic_load(&s->done)) {
        uint64_t v;
        int rc = s->b ? lfmap_bytes_lookup(s->b, "sess", 4, &v) : lfmap_lookup(s->m, 42, &v);
        ck_assert_int_ge(rc, 0);
        if (rc == 0)
            continue;
        sched_yield(); /* give the refresher time to replace v */
        rc = s->b ? lfmap_bytes_remove_if(s->b, "sess", 4, v) : lfmap_remove_if(s->m, 42, v);
        ck_assert_int_ge(rc, 0);
        if (rc == 1) {
            ck_assert_uint_eq(s->removed[v], 0);
            s->removed[v] = 1;
            s->sweeps++;
        }
    }
    lfmap_thread_unregister();
    return NULL;
}

static void refresh_vs_sweep(bool bytes)
{
    struct sweep s = {.n = tu_scaled(200000, 20000)};
    s.m = bytes ? NULL : lfmap_new(NULL);
    s.b = bytes ? lfmap_bytes_new(NULL) : NULL;
    s.replaced = calloc(s.n + 1, 1);
    s.removed = calloc(s.n + 1, 1);
    ck_assert(s.replaced && s.removed);
    pthread_t a, c;
    ck_assert_int_eq(pthread_create(&a, NULL, refresher, &s), 0);
    ck_assert_int_eq(pthread_create(&c, NULL, sweeper, &s), 0);
    pthread_join(a, NULL);
    pthread_join(c, NULL);
    uint64_t last = 0;
    int rc = bytes ? lfmap_bytes_lookup(s.b, "sess", 4, &last) : lfmap_lookup(s.m, 42, &last);
    ck_assert_int_ge(rc, 0);
    for (uint64_t v = 1; v <= s.n; v++) {
        unsigned count = s.replaced[v] + s.removed[v] + (rc == 1 && last == v);
        ck_assert_msg(count == 1, "value %llu accounted %u times (replaced %u, removed %u)",
                      (unsigned long long)v, count, s.replaced[v], s.removed[v]);
    }
    if (bytes)
        lfmap_bytes_free(s.b);
    else
        lfmap_free(s.m);
    free(s.replaced);
    free(s.removed);
}

START_TEST(test_refresh_vs_sweep)
{
    refresh_vs_sweep(false);
}
END_TEST

START_TEST(test_bytes_refresh_vs_sweep)
{
    refresh_vs_sweep(true);
}
END_TEST

/* ---- lookup ----------------------------------------------------------------- */

struct lookup_args {
    lfmap *m;
    lfmap_bytes *b;
    int rc_u64, rc_bytes;
    uint64_t v;
};

static void *unregistered_lookup(void *arg)
{
    struct lookup_args *a = arg;
    a->rc_u64 = lfmap_lookup(a->m, 1, &a->v);
    a->rc_bytes = lfmap_bytes_lookup(a->b, "one", 3, &a->v);
    return NULL;
}

START_TEST(test_lookup)
{
    lfmap *m = lfmap_new(NULL);
    lfmap_bytes *b = lfmap_bytes_new(NULL);
    ck_assert(m && b);
    uint64_t v = SENTINEL;
    ck_assert_int_eq(lfmap_lookup(m, 1, &v), 0);
    ck_assert_uint_eq(v, SENTINEL); /* untouched when absent */
    ck_assert_int_eq(lfmap_bytes_lookup(b, "one", 3, &v), 0);
    ck_assert_uint_eq(v, SENTINEL);
    ck_assert_int_eq(lfmap_insert(m, 1, 0), 1); /* value 0: not "false" */
    ck_assert_int_eq(lfmap_bytes_insert(b, "one", 3, 0), 1);
    ck_assert_int_eq(lfmap_lookup(m, 1, &v), 1);
    ck_assert_uint_eq(v, 0);
    v = SENTINEL;
    ck_assert_int_eq(lfmap_bytes_lookup(b, "one", 3, &v), 1);
    ck_assert_uint_eq(v, 0);
    ck_assert_int_eq(lfmap_lookup(m, 1, NULL), 1);
    ck_assert_int_eq(lfmap_lookup(m, 0, NULL), 0); /* a side key */
    ck_assert_int_eq(lfmap_bytes_lookup(b, NULL, 1, &v), -EINVAL);
    ck_assert_int_eq(lfmap_lookup((lfmap *)(void *)b, 1, &v), -EINVAL);
    ck_assert_int_eq(lfmap_bytes_lookup((lfmap_bytes *)(void *)m, "one", 3, &v), -EINVAL);
    /* An unregistered thread: an error, not "absent". */
    struct lookup_args a = {.m = m, .b = b, .v = SENTINEL};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, unregistered_lookup, &a), 0);
    pthread_join(t, NULL);
    ck_assert_int_eq(a.rc_u64, -EPERM);
    ck_assert_int_eq(a.rc_bytes, -EPERM);
    ck_assert_uint_eq(a.v, SENTINEL);
    lfmap_free(m);
    lfmap_bytes_free(b);
}
END_TEST

/* ---- versioned structs ------------------------------------------------------ */

START_TEST(test_config_sizes)
{
    /* This header's struct is version 0.1's (so far): the macro and the
     * plain symbol agree. */
    ck_assert_uint_ge(sizeof(struct lfmap_config), CONFIG_SIZE_0_1);
    /* An old-size config works and is read. */
    struct lfmap_config old = {.capacity = 5000, .reclamation = "urcu-memb"};
    lfmap *m = lfmap_new_sized(&old, CONFIG_SIZE_0_1);
    ck_assert_ptr_nonnull(m);
    ck_assert_str_eq(lfmap_reclamation(m), "urcu-memb");
    struct lfmap_stats st;
    lfmap_get_stats(m, &st);
    ck_assert_uint_ge(st.capacity_slots, 5000);
    ck_assert_int_eq(lfmap_insert(m, 3, 4), 1);
    lfmap_free(m);
    m = (lfmap_new)(&old); /* the 0.1 symbol, as a program built against 0.1 calls it */
    ck_assert_ptr_nonnull(m);
    ck_assert_str_eq(lfmap_reclamation(m), "urcu-memb");
    lfmap_free(m);
    lfmap_bytes *b = lfmap_bytes_new_sized(&old, CONFIG_SIZE_0_1);
    ck_assert_ptr_nonnull(b);
    lfmap_bytes_free(b);
    b = (lfmap_bytes_new)(&old);
    ck_assert_ptr_nonnull(b);
    lfmap_bytes_free(b);

    /* A newer header's struct: unknown fields zero are fine, nonzero EINVAL. */
    struct {
        struct lfmap_config cfg;
        uint64_t newer[3];
    } big;
    memset(&big, 0, sizeof big);
    big.cfg.capacity = 100;
    m = lfmap_new_sized(&big.cfg, sizeof big);
    ck_assert_ptr_nonnull(m);
    lfmap_free(m);
    for (size_t i = 0; i < 3; i++) {
        memset(big.newer, 0, sizeof big.newer);
        big.newer[i] = 1;
        errno = 0;
        ck_assert_ptr_null(lfmap_new_sized(&big.cfg, sizeof big));
        ck_assert_int_eq(errno, EINVAL);
        errno = 0;
        ck_assert_ptr_null(lfmap_bytes_new_sized(&big.cfg, sizeof big));
        ck_assert_int_eq(errno, EINVAL);
    }
    /* Smaller than any version's struct. */
    errno = 0;
    ck_assert_ptr_null(lfmap_new_sized(&old, CONFIG_SIZE_0_1 - 1));
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_ptr_null(lfmap_new_sized(&old, 0));
    ck_assert_int_eq(errno, EINVAL);
    /* NULL: the defaults, whatever the size. */
    m = lfmap_new_sized(NULL, 0);
    ck_assert_ptr_nonnull(m);
    lfmap_free(m);
}
END_TEST

#define GUARD 0xa5
/* Stats into a buffer of size bytes followed by guard bytes. */
static void stats_guarded(lfmap *m, lfmap_bytes *b, size_t size, int which)
{
    union {
        struct lfmap_stats st;
        unsigned char bytes[sizeof(struct lfmap_stats) + 64];
    } buf;
    memset(&buf, GUARD, sizeof buf);
    int rc = 0;
    switch (which) {
    case 0:
        rc = m ? lfmap_get_stats_sized(m, &buf.st, size) : lfmap_bytes_get_stats_sized(b, &buf.st, size);
        break;
    case 1: /* the 0.1 symbols */
        if (m)
            (lfmap_get_stats)(m, &buf.st);
        else
            (lfmap_bytes_get_stats)(b, &buf.st);
        break;
    }
    ck_assert_int_eq(rc, 0);
    for (size_t i = size; i < sizeof buf; i++)
        ck_assert_msg(buf.bytes[i] == GUARD, "byte %zu past a %zu-byte struct written", i, size);
    ck_assert_uint_eq(buf.st.size, 2);
    ck_assert_uint_eq(buf.st.resizes, 0);
    ck_assert_uint_ge(buf.st.capacity_slots, 2);
}

START_TEST(test_stats_sizes)
{
    lfmap *m = lfmap_new(NULL);
    lfmap_bytes *b = lfmap_bytes_new(NULL);
    ck_assert(m && b);
    ck_assert_int_eq(lfmap_insert(m, 1, 1), 1);
    ck_assert_int_eq(lfmap_insert(m, 2, 2), 1);
    ck_assert_int_eq(lfmap_bytes_insert(b, "a", 1, 1), 1);
    ck_assert_int_eq(lfmap_bytes_insert(b, "b", 1, 2), 1);
    stats_guarded(m, NULL, STATS_SIZE_0_1, 0);
    stats_guarded(NULL, b, STATS_SIZE_0_1, 0);
    stats_guarded(m, NULL, STATS_SIZE_0_1, 1);
    stats_guarded(NULL, b, STATS_SIZE_0_1, 1);
    stats_guarded(m, NULL, sizeof(struct lfmap_stats), 0);
    /* A newer header's struct: the fields this library does not know are 0. */
    union {
        struct lfmap_stats st;
        unsigned char bytes[sizeof(struct lfmap_stats) + 24];
    } big;
    memset(&big, GUARD, sizeof big);
    ck_assert_int_eq(lfmap_get_stats_sized(m, &big.st, sizeof big), 0);
    for (size_t i = sizeof(struct lfmap_stats); i < sizeof big; i++)
        ck_assert_uint_eq(big.bytes[i], 0);
    ck_assert_uint_eq(big.st.size, 2);
    /* Too small, or no struct: -EINVAL and nothing written. */
    memset(&big, GUARD, sizeof big);
    ck_assert_int_eq(lfmap_get_stats_sized(m, &big.st, STATS_SIZE_0_1 - 1), -EINVAL);
    ck_assert_int_eq(lfmap_bytes_get_stats_sized(b, &big.st, 8), -EINVAL);
    for (size_t i = 0; i < sizeof big; i++)
        ck_assert_uint_eq(big.bytes[i], GUARD);
    ck_assert_int_eq(lfmap_get_stats_sized(m, NULL, sizeof big.st), -EINVAL);
    lfmap_free(m);
    lfmap_bytes_free(b);
}
END_TEST

static Suite *remove_if_suite(void)
{
    Suite *s = suite_create("remove_if");
    TCase *tc = tcase_create("api");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_remove_if_only_when_equal);
    tcase_add_test(tc, test_remove_if_bad_input);
    tcase_add_test(tc, test_bytes_remove_if);
    tcase_add_test(tc, test_remove_if_frees_once);
    tcase_add_test(tc, test_bytes_remove_if_frees_once);
    tcase_add_test(tc, test_refresh_vs_sweep);
    tcase_add_test(tc, test_bytes_refresh_vs_sweep);
    tcase_add_test(tc, test_lookup);
    tcase_add_test(tc, test_config_sizes);
    tcase_add_test(tc, test_stats_sizes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ck_run_suite(remove_if_suite(), true);
}
