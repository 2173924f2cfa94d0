/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * unit_rcu_env: what the LFMAP_RCU environment variable may and may not do
 * (lib/lfmap.h, "Reclamation schemes": "What the environment may change").
 * Each test runs in its own forked process (Check) and sets LFMAP_RCU there
 * before its first lfmap call (the variable is read once per process), so
 * the value tests/run.sh gives the program does not matter: it runs once
 * (lfmap-scheme-passes: none), not again under each scheme.
 *   - LFMAP_RCU=nosuch: threads register, and a map that names its scheme
 *     works (issue 20, defect 3: registration returned -ENOENT, and such a
 *     map then failed every write with -EPERM).
 *   - LFMAP_RCU=<a hazard-pointer scheme>: a map with value_free created
 *     without naming a scheme keeps the default's read-side contract: two
 *     values read in one lfmap_read_lock section both stay valid while
 *     another thread replaces both keys (defect 2: under ck-hp the first
 *     was freed, a heap-use-after-free under ASan).
 *   - LFMAP_RCU=<any scheme>: a map that names none, with value_free or
 *     not, gets it only if the scheme keeps the default's contract, else
 *     urcu-memb; with LFMAP_RCU_ANY_CONTRACT=1 it gets it (the opt-in of
 *     tests/run.sh's per-scheme passes).  The consequences a program would
 *     see otherwise: under urcu-qsbr, a thread blocked in pthread_join
 *     without going offline stalled another thread's lfmap_free for ever;
 *     under leak, value_free never ran (review of issue 20).
 * tests/run.sh runs this program with LFMAP_RCU_ANY_CONTRACT=1 in its
 * per-scheme passes: each test sets both variables itself.
 */
#include <check.h>

#include "ck_run.h"
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lfmap.h"
#include "scheme_props.h"

static void use_env(const char *scheme)
{
    ck_assert_int_eq(setenv("LFMAP_RCU", scheme, 1), 0);
    ck_assert_int_eq(unsetenv("LFMAP_RCU_ANY_CONTRACT"), 0);
}

static void *register_elsewhere(void *arg)
{
    int *rc = arg;
    *rc = lfmap_thread_register();
    lfmap_thread_unregister();
    return NULL;
}

START_TEST(test_unknown_env_breaks_no_named_map)
{
    use_env("nosuch");
    ck_assert_int_eq(lfmap_thread_register(), 0);
    int other = -1;
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, register_elsewhere, &other), 0);
    pthread_join(t, NULL);
    ck_assert_int_eq(other, 0);
    /* Every scheme, named. */
    for (size_t i = 0; lfmap_reclamation_scheme(i); i++) {
        const char *name = lfmap_reclamation_scheme(i);
        struct lfmap_config cfg = {.reclamation = name};
        lfmap *m = lfmap_new(&cfg);
        ck_assert_msg(m != NULL, "lfmap_new(%s): %s", name, strerror(errno));
        ck_assert_str_eq(lfmap_reclamation(m), name);
        for (uint64_t k = 0; k < 100; k++)
            ck_assert_int_eq(lfmap_insert(m, k, k + 1), 1);
        for (uint64_t k = 0; k < 100; k++) {
            uint64_t v = 0;
            ck_assert(lfmap_get(m, k, &v));
            ck_assert_uint_eq(v, k + 1);
        }
        ck_assert_int_eq(lfmap_put(m, 5, 50, NULL), 0);
        ck_assert_int_eq(lfmap_remove(m, 6, NULL), 1);
        lfmap_free(m);
    }
    lfmap_bytes *b = lfmap_bytes_new(&(struct lfmap_config){.reclamation = "urcu-memb"});
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(lfmap_bytes_insert(b, "k", 1, 1), 1);
    ck_assert(lfmap_bytes_get(b, "k", 1, NULL));
    lfmap_bytes_free(b);
    /* A map that names no scheme asked for the unknown one: refused. */
    errno = 0;
    ck_assert_ptr_null(lfmap_new(NULL));
    ck_assert_int_eq(errno, EINVAL);
    lfmap_thread_unregister();
}
END_TEST

/* ---- the read-side contract ------------------------------------------------- */

#define MAGIC UINT64_C(0x600dc0ffee)
struct obj {
    uint64_t magic;
    atomic_bool freed; /* value_free ran: the object is gone for the program */
};

/* Every object made, freed for real at the end of the test (so that a check
 * of `freed` never reads freed memory). */
#define MAX_OBJS 4096
static struct obj *objs[MAX_OBJS];
static atomic_size_t nobjs;

static uint64_t make_obj(void)
{
    struct obj *o = malloc(sizeof *o);
    ck_assert_ptr_nonnull(o);
    o->magic = MAGIC;
    atomic_init(&o->freed, false);
    size_t i = atomic_fetch_add(&nobjs, 1);
    ck_assert_uint_lt(i, MAX_OBJS);
    objs[i] = o;
    return (uint64_t)(uintptr_t)o;
}

static void obj_free(uint64_t value, void *ctx)
{
    (void)ctx;
    struct obj *o = (struct obj *)(uintptr_t)value;
    atomic_store(&o->freed, true);
}

struct race {
    lfmap *m;
    atomic_int stage; /* 1: the reader holds both values; 2: the writer is done */
    atomic_bool freed_early;
    struct obj *held[2];
};

static void *replacer(void *arg)
{
    struct race *r = arg;
    ck_assert_int_eq(lfmap_thread_register(), 0);
    while (atomic_load(&r->stage) != 1)
        sched_yield();
    ck_assert_int_eq(lfmap_put(r->m, 1, make_obj(), NULL), 0);
    ck_assert_int_eq(lfmap_put(r->m, 2, make_obj(), NULL), 0);
    /* Drive reclamation as hard as a program can without waiting for the
     * reader: more retires (hazard-pointer schemes scan every few), and
     * quiescent states (which scan too). */
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += 200 * 1000 * 1000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    for (uint64_t k = 100;; k++) {
        ck_assert_int_eq(lfmap_put(r->m, 100 + k % 8, make_obj(), NULL), k < 108);
        lfmap_quiescent();
        if (atomic_load(&r->held[0]->freed) || atomic_load(&r->held[1]->freed)) {
            atomic_store(&r->freed_early, true);
            break;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > until.tv_sec || (now.tv_sec == until.tv_sec && now.tv_nsec >= until.tv_nsec))
            break;
        if (atomic_load(&nobjs) > MAX_OBJS - 16)
            break;
    }
    atomic_store(&r->stage, 2);
    lfmap_thread_unregister();
    return NULL;
}

static void two_values_in_one_section(const char *scheme)
{
    use_env(scheme);
    ck_assert_int_eq(lfmap_thread_register(), 0);
    /* No map that names none gets it from the environment (it does not
     * keep the default's contract: test_env_chooses_only_default_contract_schemes). */
    lfmap *plain = lfmap_new(NULL);
    ck_assert_ptr_nonnull(plain);
    ck_assert_str_eq(lfmap_reclamation(plain), "urcu-memb");
    lfmap_free(plain);

    struct lfmap_config cfg = {.value_free = obj_free};
    lfmap *m = lfmap_new(&cfg);
    ck_assert_ptr_nonnull(m);
    /* Naming the scheme still gets it. */
    cfg.reclamation = scheme;
    lfmap *named = lfmap_new(&cfg);
    ck_assert_ptr_nonnull(named);
    ck_assert_str_eq(lfmap_reclamation(named), scheme);
    lfmap_free(named);

    ck_assert_int_eq(lfmap_insert(m, 1, make_obj()), 1);
    ck_assert_int_eq(lfmap_insert(m, 2, make_obj()), 1);
    struct race r = {.m = m};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, replacer, &r), 0);
    lfmap_read_lock(m);
    uint64_t v1, v2;
    ck_assert(lfmap_get(m, 1, &v1));
    ck_assert(lfmap_get(m, 2, &v2));
    r.held[0] = (struct obj *)(uintptr_t)v1;
    r.held[1] = (struct obj *)(uintptr_t)v2;
    atomic_store(&r.stage, 1);
    while (atomic_load(&r.stage) != 2)
        sched_yield();
    /* Both still valid here, inside the section. */
    ck_assert_msg(!atomic_load(&r.held[0]->freed), "the first value read was freed inside the section");
    ck_assert_msg(!atomic_load(&r.held[1]->freed), "the second value read was freed inside the section");
    ck_assert_uint_eq(r.held[0]->magic, MAGIC);
    ck_assert_uint_eq(r.held[1]->magic, MAGIC);
    ck_assert(!atomic_load(&r.freed_early));
    lfmap_read_unlock(m);
    pthread_join(t, NULL);
    /* What lfmap_reclamation reports: not a hazard-pointer scheme. */
    ck_assert_msg(!scheme_has_hazards(lfmap_reclamation(m)),
                  "LFMAP_RCU=%s gave a value_free map the hazard-pointer scheme %s", scheme,
                  lfmap_reclamation(m));
    lfmap_free(m);
    lfmap_thread_unregister();
    size_t n = atomic_load(&nobjs);
    for (size_t i = 0; i < n; i++)
        free(objs[i]);
}

START_TEST(test_hazard_env_keeps_section_contract)
{
    /* Every hazard-pointer scheme (by its property), one per forked run. */
    const char *name = NULL;
    int seen = 0;
    for (size_t i = 0; lfmap_reclamation_scheme(i); i++)
        if (scheme_has_hazards(lfmap_reclamation_scheme(i)) && seen++ == _i) {
            name = lfmap_reclamation_scheme(i);
            break;
        }
    if (!name)
        return; /* fewer hazard-pointer schemes than loop iterations */
    two_values_in_one_section(name);
}
END_TEST


/* The i-th scheme of the registry, or NULL past the end. */
static const char *scheme_number(int i)
{
    return lfmap_reclamation_scheme((size_t)i);
}

static void count_free(uint64_t v, void *ctx)
{
    (void)v;
    atomic_fetch_add((_Atomic size_t *)ctx, 1);
}

/* A map that names no scheme, with value_free (counting into *freed) or
 * not, and the scheme it got. */
static const char *scheme_of_unnamed(bool with_free, _Atomic size_t *freed)
{
    struct lfmap_config cfg = {.value_free = with_free ? count_free : NULL, .value_free_ctx = freed};
    lfmap *m = lfmap_new(&cfg);
    ck_assert_msg(m != NULL, "lfmap_new: %s", strerror(errno));
    const char *name = lfmap_reclamation(m); /* a static string */
    lfmap_free(m);
    return name;
}

START_TEST(test_env_chooses_only_default_contract_schemes)
{
    const char *name = scheme_number(_i);
    if (!name)
        return; /* fewer schemes than loop iterations */
    use_env(name);
    _Atomic size_t freed = 0;
    const char *want = scheme_default_contract(name) ? name : "urcu-memb";
    for (int with_free = 0; with_free < 2; with_free++)
        ck_assert_msg(strcmp(scheme_of_unnamed(with_free, &freed), want) == 0,
                      "LFMAP_RCU=%s, %s value_free: the map got %s, wanted %s", name, with_free ? "with" : "without",
                      scheme_of_unnamed(with_free, &freed), want);
}
END_TEST

START_TEST(test_any_contract_opt_in_takes_every_scheme)
{
    const char *name = scheme_number(_i);
    if (!name)
        return;
    use_env(name);
    ck_assert_int_eq(setenv("LFMAP_RCU_ANY_CONTRACT", "1", 1), 0);
    _Atomic size_t freed = 0;
    for (int with_free = 0; with_free < 2; with_free++)
        ck_assert_str_eq(scheme_of_unnamed(with_free, &freed), name);
}
END_TEST

/* The program of the review: correct under the default (it names no scheme
 * and never calls lfmap_quiescent, which lfmap.h asks only of urcu-qsbr
 * maps): main uses a map, then blocks in pthread_join while the worker
 * fills, drains and frees a map of its own.  Under LFMAP_RCU=urcu-qsbr the
 * worker's lfmap_free waited for main for ever (the tcase's timeout). */
static _Atomic size_t qs_freed;

static uint64_t qs_value(bool with_free, uint64_t i)
{
    return with_free ? (uint64_t)(uintptr_t)malloc(8) : i;
}

static void qs_free(uint64_t v, void *ctx)
{
    (void)ctx;
    free((void *)(uintptr_t)v);
    atomic_fetch_add(&qs_freed, 1);
}

static void *qs_worker(void *arg)
{
    bool with_free = *(bool *)arg;
    ck_assert_int_eq(lfmap_thread_register(), 0);
    struct lfmap_config cfg = {.value_free = with_free ? qs_free : NULL};
    lfmap *b = lfmap_new(&cfg);
    ck_assert_ptr_nonnull(b);
    for (uint64_t i = 0; i < 10000; i++)
        ck_assert_int_ge(lfmap_put(b, i, qs_value(with_free, i), NULL), 0);
    for (uint64_t i = 0; i < 10000; i++)
        ck_assert_int_eq(lfmap_remove(b, i, NULL), 1);
    lfmap_free(b);
    lfmap_thread_unregister();
    return NULL;
}

START_TEST(test_env_asks_no_quiescent_states)
{
    /* Every scheme, with and without value_free, one per forked run (the
     * environment is read once per process): urcu-qsbr is the one that hung. */
    bool with_free = _i % 2;
    const char *name = scheme_number(_i / 2);
    if (!name)
        return;
    use_env(name);
    ck_assert_int_eq(lfmap_thread_register(), 0);
    struct lfmap_config cfg = {.value_free = with_free ? qs_free : NULL};
    lfmap *a = lfmap_new(&cfg);
    ck_assert_ptr_nonnull(a);
    ck_assert_int_ge(lfmap_put(a, 1, qs_value(with_free, 1), NULL), 0);
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, qs_worker, &with_free), 0);
    pthread_join(t, NULL); /* before the fix, under urcu-qsbr: for ever */
    lfmap_free(a);
    lfmap_thread_unregister();
    if (with_free)
        ck_assert_uint_eq(atomic_load(&qs_freed), 10001);
}
END_TEST

/* Under LFMAP_RCU=leak (a scheme that never frees, by property) a program's
 * value_free never ran: resources held by its values leaked. */
START_TEST(test_env_never_skips_value_free)
{
    for (size_t i = 0; lfmap_reclamation_scheme(i); i++) {
        const char *name = lfmap_reclamation_scheme(i);
        if (!scheme_never_frees(name))
            continue;
        use_env(name);
        ck_assert_int_eq(lfmap_thread_register(), 0);
        _Atomic size_t freed = 0;
        struct lfmap_config cfg = {.value_free = count_free, .value_free_ctx = &freed};
        lfmap *m = lfmap_new(&cfg);
        ck_assert_ptr_nonnull(m);
        for (uint64_t k = 0; k < 1000; k++)
            ck_assert_int_eq(lfmap_insert(m, k, k + 1), 1);
        for (uint64_t k = 0; k < 1000; k++)
            ck_assert_int_eq(lfmap_remove(m, k, NULL), 1);
        lfmap_free(m);
        lfmap_thread_unregister();
        ck_assert_msg(atomic_load(&freed) == 1000, "LFMAP_RCU=%s: value_free ran %zu times for 1000 values", name,
                      (size_t)atomic_load(&freed));
    }
}
END_TEST

/* A value replaced once is freed shortly after, with no further call from
 * the program (no lfmap_quiescent, no lfmap_free), as under the default:
 * under LFMAP_RCU=ck-epoch or ebr (which reclaim only in lfmap_quiescent
 * or every 64th retire of a thread) it stayed pending for ever, and a
 * program whose value_free returns a resource to a bounded pool stalled. */
START_TEST(test_env_frees_without_quiescent)
{
    const char *name = scheme_number(_i);
    if (!name)
        return;
    use_env(name);
    ck_assert_int_eq(lfmap_thread_register(), 0);
    _Atomic size_t freed = 0;
    struct lfmap_config cfg = {.value_free = count_free, .value_free_ctx = &freed};
    lfmap *m = lfmap_new(&cfg);
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(lfmap_insert(m, 1, 10), 1);
    ck_assert_int_eq(lfmap_put(m, 1, 11, NULL), 0); /* retires 10 */
    for (int ms = 0; ms < 5000 && atomic_load(&freed) == 0; ms++)
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    ck_assert_msg(atomic_load(&freed) == 1, "LFMAP_RCU=%s (the map got %s): the replaced value was not freed in 5 s",
                  name, lfmap_reclamation(m));
    lfmap_free(m);
    lfmap_thread_unregister();
}
END_TEST

static Suite *rcu_env_suite(void)
{
    Suite *s = suite_create("rcu_env");
    TCase *tc = tcase_create("env");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_unknown_env_breaks_no_named_map);
    tcase_add_loop_test(tc, test_hazard_env_keeps_section_contract, 0, 8);
    tcase_add_loop_test(tc, test_env_chooses_only_default_contract_schemes, 0, 32);
    tcase_add_loop_test(tc, test_any_contract_opt_in_takes_every_scheme, 0, 32);
    tcase_add_test(tc, test_env_never_skips_value_free);
    tcase_add_loop_test(tc, test_env_frees_without_quiescent, 0, 32);
    suite_add_tcase(s, tc);
    /* A hang is the failure here: a short timeout. */
    TCase *hang = tcase_create("no_hang");
    tcase_set_timeout(hang, 20);
    tcase_add_loop_test(hang, test_env_asks_no_quiescent_states, 0, 64);
    suite_add_tcase(s, hang);
    return s;
}

int main(void)
{
    return ck_run_suite(rcu_env_suite(), true);
}
