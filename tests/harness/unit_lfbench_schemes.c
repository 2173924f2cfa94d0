/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * unit_lfbench_schemes: lfbench's lfmap adapters under every registered
 * reclamation scheme (lfmap_reclamation_scheme): the integer adapter and the
 * pointer-value one (--values pointer) pass the differential check against
 * the plain map and the multi-threaded conservation check; with pointer
 * values, every object the adapter kept is freed by the map's value
 * destructor once the map is freed (all schemes but `leak`, which never
 * frees, and is not run with pointer values: LeakSanitizer would report its
 * objects); an unknown scheme makes create fail.  The same for the xenium
 * adapter under each of xenium's reclamation schemes (its own list,
 * lfb_map_ops.schemes), integer and pointer values.  The churn presets
 * parse.  Scaled by LFMAP_TEST_SCALE.
 */
#include <check.h>
#include <string.h>

#include "ck_run.h"
#include "scheme_props.h"
#include "diffcheck.h"
#include "lfmap.h"
#include "map_iface.h"
#include "testutil.h"
#include "workload.h"

#define DIFF_OPS 30000u
#define DIFF_KEYS 1000u
#define CONS_THREADS 3u
#define CONS_OPS 10000u
#define CONS_KEYS 300u

static size_t scheme_count(void)
{
    size_t n = 0;
    while (lfmap_reclamation_scheme(n))
        n++;
    return n;
}

static void check_adapter(const struct lfb_map_ops *ops, const char *scheme, uint64_t seed)
{
    struct lfcli_err err;
    ck_assert_msg(lfb_check_differential_scheme(ops, scheme, tu_scaled(DIFF_OPS, 3000), DIFF_KEYS, seed, &err) == 0,
                  "%s under %s: %s", ops->description, scheme, err.msg);
    ck_assert_msg(lfb_check_conservation_scheme(ops, scheme, CONS_THREADS, tu_scaled(CONS_OPS, 1000), CONS_KEYS,
                                                seed + 1, &err) == 0,
                  "%s under %s: %s", ops->description, scheme, err.msg);
}

START_TEST(test_int_values)
{
    const char *scheme = lfmap_reclamation_scheme((size_t)_i);
    check_adapter(lfb_map_find("lfmap"), scheme, 100 + (uint64_t)_i);
}
END_TEST

START_TEST(test_pointer_values)
{
    const char *scheme = lfmap_reclamation_scheme((size_t)_i);
    if (scheme_never_frees(scheme))
        return; /* never frees (leak): nothing to account for, and LSan would report its objects */
    struct lfb_value_counts before, after;
    lfb_pointer_value_counts(&before);
    check_adapter(&lfb_map_lfmap_pointer, scheme, 200 + (uint64_t)_i);
    lfb_pointer_value_counts(&after);
    uint64_t allocated = after.allocated - before.allocated, freed = after.freed - before.freed;
    ck_assert_msg(allocated > 0, "%s: no object allocated", scheme);
    ck_assert_msg(allocated == freed, "%s: %llu objects allocated, %llu freed by value_free after lfmap_free",
                  scheme, (unsigned long long)allocated, (unsigned long long)freed);
}
END_TEST

static size_t xenium_scheme_count(void)
{
    const struct lfb_map_ops *x = lfb_map_find("xenium");
    size_t n = 0;
    while (x && x->schemes && x->schemes[n])
        n++;
    return n;
}

START_TEST(test_xenium_schemes)
{
    const struct lfb_map_ops *x = lfb_map_find("xenium");
    ck_assert_ptr_nonnull(x);
    const char *scheme = x->schemes[_i];
    check_adapter(x, scheme, 300 + (uint64_t)_i);
    const struct lfb_map_ops *p = x->pointer_variant;
    ck_assert_ptr_nonnull(p);
    struct lfb_value_counts before, after;
    p->value_counts(&before);
    check_adapter(p, scheme, 400 + (uint64_t)_i);
    p->value_counts(&after);
    uint64_t allocated = after.allocated - before.allocated, freed = after.freed - before.freed;
    ck_assert_msg(allocated > 0, "xenium/%s: no object allocated", scheme);
    /* xenium frees retired objects from per-thread lists, which a thread
     * that leaves hands to a later scan of another: some may still be
     * pending here.  Never more freed than allocated. */
    ck_assert_msg(freed <= allocated, "xenium/%s: %llu objects allocated, %llu freed", scheme,
                  (unsigned long long)allocated, (unsigned long long)freed);
}
END_TEST

START_TEST(test_unknown_scheme)
{
    struct lfb_map_config cfg = {.capacity = 16, .seed = 1, .threads = 1, .scheme = "no-such-scheme"};
    ck_assert_ptr_null(lfb_map_find("lfmap")->create(&cfg));
    ck_assert_ptr_null(lfb_map_lfmap_pointer.create(&cfg));
    ck_assert_ptr_null(lfb_map_find("xenium")->create(&cfg));
    /* The adapters report the scheme the map really uses. */
    cfg.scheme = NULL;
    void *m = lfb_map_find("lfmap")->create(&cfg);
    ck_assert_ptr_nonnull(m);
    struct lfb_map_stats st;
    memset(&st, 0, sizeof st);
    lfb_map_find("lfmap")->stats(m, &st);
    ck_assert_str_eq(st.scheme, lfmap_reclamation(m));
    ck_assert_ptr_nonnull(strstr(st.config, "\"reclamation\""));
    lfb_map_find("lfmap")->destroy(m);
}
END_TEST

START_TEST(test_churn_presets)
{
    struct lfb_workload w;
    ck_assert_int_eq(lfb_workload_preset(&w, "churn"), 0);
    ck_assert_int_eq(w.kind, LFB_KIND_CHURN);
    ck_assert_double_eq(w.update_pct, LFB_CHURN_UPDATE_PCT_DEFAULT);
    ck_assert_int_eq(lfb_workload_preset(&w, "churn-90/10"), 0);
    ck_assert_int_eq(w.kind, LFB_KIND_CHURN);
    ck_assert_double_eq(w.update_pct, 10);
    ck_assert_int_eq(lfb_workload_preset(&w, "churn-"), -1);
    ck_assert_int_eq(lfb_workload_preset(&w, "churn-50/60"), -1);
    ck_assert_int_eq(lfb_workload_preset(&w, "churn-bulkload"), -1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("lfbench_schemes");
    TCase *tc = tcase_create("schemes");
    tcase_set_timeout(tc, 120);
    int n = (int)scheme_count();
    tcase_add_test(tc, test_unknown_scheme);
    tcase_add_test(tc, test_churn_presets);
    tcase_add_loop_test(tc, test_int_values, 0, n);
    tcase_add_loop_test(tc, test_pointer_values, 0, n);
    tcase_add_loop_test(tc, test_xenium_schemes, 0, (int)xenium_scheme_count());
    suite_add_tcase(s, tc);
    return ck_run_suite(s, true);
}
