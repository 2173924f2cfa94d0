/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * unit_lfbench_placement: compact and scatter thread-to-CPU plans on
 * synthetic hwloc topologies (no NUMA hardware needed): 2 sockets x 8 cores
 * x 2 hardware threads, and 2 sockets x 2 NUMA nodes x 4 cores (4 nodes).
 */
#include <check.h>

#include "ck_run.h"
#include "placement.h"

static void expect_plan(const char *topo, enum lfb_pin pin, unsigned n, const int *want)
{
    int got[64];
    struct lfcli_err err;
    ck_assert_msg(lfb_placement_plan_synthetic(topo, pin, n, got, &err) == 0, "%s", err.msg);
    for (unsigned i = 0; i < n; i++)
        ck_assert_msg(got[i] == want[i], "%s, %s: thread %u on PU %d, expected %d", topo,
                      lfb_pin_names[pin], i, got[i], want[i]);
}

START_TEST(test_smt_sockets)
{
    const char *t = "pack:2 core:8 pu:2";
    /* compact: both hardware threads of core 0, then core 1, ... */
    const int compact[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};
    expect_plan(t, LFB_PIN_COMPACT, 18, compact);
    /* scatter: alternate sockets, one PU per core, siblings last; wraps */
    const int scatter[] = {0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30,
                           1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31, 0, 16};
    expect_plan(t, LFB_PIN_SCATTER, 34, scatter);
}
END_TEST

START_TEST(test_four_numa_nodes)
{
    const char *t = "pack:2 numa:2 core:4 pu:1";
    const int compact[] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    expect_plan(t, LFB_PIN_COMPACT, 9, compact);
    /* scatter: one thread per NUMA node first (0-3, 4-7, 8-11, 12-15) */
    const int scatter[] = {0, 8, 4, 12, 1, 9, 5, 13, 2, 10, 6, 14, 3, 11, 7, 15};
    expect_plan(t, LFB_PIN_SCATTER, 16, scatter);
    int none[3];
    struct lfcli_err err;
    ck_assert_int_eq(lfb_placement_plan_synthetic(t, LFB_PIN_NONE, 3, none, &err), 0);
    ck_assert_int_eq(none[2], -1);
}
END_TEST

START_TEST(test_bad_topology)
{
    int cpus[2];
    struct lfcli_err err;
    ck_assert_int_eq(lfb_placement_plan_synthetic("pack:x", LFB_PIN_COMPACT, 2, cpus, &err), -1);
}
END_TEST

START_TEST(test_mempolicy_parse)
{
    struct lfb_mempolicy p;
    struct lfcli_err err;
    ck_assert_int_eq(lfb_mempolicy_parse("--mem", "node:3", &p, &err), 0);
    ck_assert_int_eq(p.node, 3);
    ck_assert_int_eq(lfb_mempolicy_parse("--mem", "node:-1", &p, &err), -1);
    ck_assert_int_eq(lfb_mempolicy_parse("--mem", "node:", &p, &err), -1);
    ck_assert_int_eq(lfb_mempolicy_parse("--mem", "local", &p, &err), -1);
    ck_assert_int_eq(lfb_mempolicy_parse("--mem", "interleave", &p, &err), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("lfbench_placement");
    TCase *tc = tcase_create("placement");
    tcase_add_test(tc, test_smt_sockets);
    tcase_add_test(tc, test_four_numa_nodes);
    tcase_add_test(tc, test_bad_topology);
    tcase_add_test(tc, test_mempolicy_parse);
    suite_add_tcase(s, tc);
    return ck_run_suite(s, true);
}
