/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * unit_lfbench_maps: every registered adapter against the plain map: a
 * randomized single-threaded differential test (growth from empty included),
 * and a multi-threaded conservation test with a known final state (each
 * thread owns its keys and a shadow of them; reads check that a value
 * belongs to its key).  Scaled by LFMAP_TEST_SCALE.
 */
#include <check.h>

#include "ck_run.h"
#include "diffcheck.h"
#include "map_iface.h"
#include "testutil.h"

#define DIFF_OPS 60000u
#define DIFF_KEYS 2000u
#define CONS_THREADS 3u /* more threads than this machine's cores */
#define CONS_OPS 20000u
#define CONS_KEYS 500u

START_TEST(test_differential)
{
    const struct lfb_map_ops *m = lfb_maps[_i];
    struct lfcli_err err;
    uint64_t ops = tu_scaled(DIFF_OPS, 5000);
    ck_assert_msg(lfb_check_differential(m, ops, DIFF_KEYS, 7 + (uint64_t)_i, &err) == 0, "%s", err.msg);
}
END_TEST

START_TEST(test_conservation)
{
    const struct lfb_map_ops *m = lfb_maps[_i];
    unsigned threads = m->max_threads && m->max_threads < CONS_THREADS ? m->max_threads : CONS_THREADS;
    struct lfcli_err err;
    uint64_t ops = tu_scaled(CONS_OPS, 2000);
    ck_assert_msg(lfb_check_conservation(m, threads, ops, CONS_KEYS, 11 + (uint64_t)_i, &err) == 0, "%s",
                  err.msg);
}
END_TEST

/* The registry and the lookup agree, and names are unique. */
START_TEST(test_registry)
{
    ck_assert_uint_ge(lfb_map_count, 11);
    for (size_t i = 0; i < lfb_map_count; i++) {
        ck_assert_ptr_eq(lfb_map_find(lfb_maps[i]->name), lfb_maps[i]);
        ck_assert_ptr_nonnull(lfb_maps[i]->get);
    }
    ck_assert_ptr_null(lfb_map_find("nosuchmap"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("lfbench_maps");
    TCase *tc = tcase_create("maps");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_registry);
    tcase_add_loop_test(tc, test_differential, 0, (int)lfb_map_count);
    tcase_add_loop_test(tc, test_conservation, 0, (int)lfb_map_count);
    suite_add_tcase(s, tc);
    return ck_run_suite(s, true);
}
