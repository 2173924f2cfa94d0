/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * unit_lfbench_workload: the generated operation streams give what was asked
 * for.  Tolerances are stated per check; with STREAM_LEN = 2^20 draws a
 * share p has a standard deviation sqrt(p(1-p)/n) <= 0.05 percentage points,
 * so the 0.5-point tolerance is ten deviations (a real bug, not noise).
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "ck_run.h"
#include "workload.h"

#define STREAM_LEN ((size_t)1 << 20)
#define MIX_TOLERANCE_PCT 0.5
#define UNIFORM_BUCKETS 64u
#define UNIFORM_TOLERANCE 0.05 /* relative, per bucket (~16k draws each: 8 sigma) */
#define ZIPF_TOP_RANKS 10u
#define ZIPF_RANK_TOLERANCE 0.05 /* relative, for ranks with >= 10k draws */
#define ZIPF_SLOPE_TOLERANCE 0.05

static uint64_t *stream_for(struct lfb_workload *w, struct lfb_perm *perm)
{
    lfb_perm_init(perm, w->range, 3);
    uint64_t *s = malloc(STREAM_LEN * sizeof *s);
    ck_assert_ptr_nonnull(s);
    lfb_stream_fill(w, perm, 42, 0, s, STREAM_LEN);
    return s;
}

static struct lfb_workload mixed(const char *name, enum lfb_mix mix, enum lfb_dist dist, double s)
{
    struct lfb_workload w = {0};
    ck_assert_int_eq(lfb_workload_preset(&w, name), 0);
    w.mix = mix;
    w.dist = dist;
    w.zipf_s = s;
    w.initial = 10000;
    w.range = 20000;
    w.hot_keys = 100;
    return w;
}

START_TEST(test_op_mix)
{
    const char *names[] = {"95/5", "50/50", "10/90", "70/30"};
    const double want_upd[] = {5, 50, 90, 30};
    for (int k = 0; k < 4; k++) {
        struct lfb_workload w = mixed(names[k], LFB_MIX_INSERT_REMOVE, LFB_DIST_UNIFORM, 0);
        struct lfb_perm perm;
        uint64_t *s = stream_for(&w, &perm);
        size_t count[6] = {0};
        for (size_t i = 0; i < STREAM_LEN; i++) {
            count[lfb_op_of(s[i])]++;
            uint64_t key = lfb_key_from(s[i]);
            ck_assert(key >= 1 && key <= w.range);
        }
        double upd = 100.0 * (double)(count[LFB_OP_INSERT] + count[LFB_OP_REMOVE]) / STREAM_LEN;
        double ins = 100.0 * (double)count[LFB_OP_INSERT] / STREAM_LEN;
        ck_assert_msg(fabs(upd - want_upd[k]) < MIX_TOLERANCE_PCT, "%s: %.2f%% writes", names[k], upd);
        ck_assert_msg(fabs(ins - want_upd[k] / 2) < MIX_TOLERANCE_PCT, "%s: %.2f%% inserts", names[k], ins);
        free(s);
    }
    /* put and cas-increment mixes use only their own write */
    struct lfb_workload w = mixed("50/50", LFB_MIX_CAS_INC, LFB_DIST_UNIFORM, 0);
    struct lfb_perm perm;
    uint64_t *s = stream_for(&w, &perm);
    for (size_t i = 0; i < STREAM_LEN; i++)
        ck_assert(lfb_op_of(s[i]) == LFB_OP_GET || lfb_op_of(s[i]) == LFB_OP_CAS_INC);
    free(s);
}
END_TEST

START_TEST(test_uniform_keys)
{
    struct lfb_workload w = mixed("50/50", LFB_MIX_PUT, LFB_DIST_UNIFORM, 0);
    struct lfb_perm perm;
    uint64_t *s = stream_for(&w, &perm);
    size_t bucket[UNIFORM_BUCKETS] = {0};
    for (size_t i = 0; i < STREAM_LEN; i++)
        bucket[(lfb_key_from(s[i]) - 1) * UNIFORM_BUCKETS / w.range]++;
    double expect = (double)STREAM_LEN / UNIFORM_BUCKETS;
    for (unsigned b = 0; b < UNIFORM_BUCKETS; b++)
        ck_assert_msg(fabs((double)bucket[b] - expect) < UNIFORM_TOLERANCE * expect, "bucket %u: %zu vs %.0f", b,
                      bucket[b], expect);
    free(s);
}
END_TEST

/* Counts draws per key index (keys map back through the permutation). */
static void zipf_check(double exponent)
{
    struct lfb_workload w = mixed("0/100", LFB_MIX_PUT, LFB_DIST_ZIPF, exponent);
    struct lfb_perm perm;
    uint64_t *s = stream_for(&w, &perm);
    /* index of each key: invert the permutation by brute force (range 20000) */
    uint64_t *index_of = malloc((w.range + 1) * sizeof *index_of);
    for (uint64_t i = 0; i < w.range; i++)
        index_of[lfb_key_of(&perm, i)] = i;
    size_t *freq = calloc(w.range, sizeof *freq);
    for (size_t i = 0; i < STREAM_LEN; i++)
        freq[index_of[lfb_key_from(s[i])]]++;
    double h = 0;
    for (uint64_t k = 1; k <= w.range; k++)
        h += pow((double)k, -exponent);
    for (unsigned r = 0; r < ZIPF_TOP_RANKS; r++) {
        double want = (double)STREAM_LEN * pow(r + 1.0, -exponent) / h;
        ck_assert_msg(fabs((double)freq[r] - want) < ZIPF_RANK_TOLERANCE * want + 4 * sqrt(want),
                      "s=%.2f rank %u: %zu draws, expected %.0f", exponent, r + 1, freq[r], want);
    }
    /* Skew: the least-squares slope of log(freq) over log(rank), ranks 1..100 */
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int n = 0;
    for (unsigned r = 0; r < 100; r++) {
        if (!freq[r])
            continue;
        double x = log(r + 1.0), y = log((double)freq[r]);
        sx += x, sy += y, sxx += x * x, sxy += x * y, n++;
    }
    double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    ck_assert_msg(fabs(-slope - exponent) < ZIPF_SLOPE_TOLERANCE, "s=%.2f: fitted skew %.3f", exponent, -slope);
    free(freq);
    free(index_of);
    free(s);
}

START_TEST(test_zipf)
{
    zipf_check(0.99);
    zipf_check(1.2);
    zipf_check(0.6);
}
END_TEST

START_TEST(test_hotkeys)
{
    struct lfb_workload w = mixed("hotkeys", LFB_MIX_INSERT_REMOVE, LFB_DIST_UNIFORM, 0);
    w.range = w.initial;
    struct lfb_perm perm;
    uint64_t *s = stream_for(&w, &perm);
    size_t writes = 0, hot_reads = 0, reads = 0;
    for (size_t i = 0; i < STREAM_LEN; i++) {
        uint64_t key = lfb_key_from(s[i]);
        bool hot = false;
        for (uint64_t h = 0; h < w.hot_keys && !hot; h += 1)
            hot = lfb_key_of(&perm, h) == key;
        if (lfb_op_of(s[i]) == LFB_OP_REINSERT) {
            writes++;
            ck_assert_msg(hot, "a write outside the hot set");
        } else {
            reads++;
            hot_reads += hot;
        }
        if (i > 100000)
            break; /* the hot-set scan is slow; 1e5 draws suffice here */
    }
    double upd = 100.0 * (double)writes / (double)(writes + reads);
    ck_assert_msg(fabs(upd - LFB_HOTKEYS_UPDATE_PCT) < 1.5, "%.2f%% writes", upd);
    double hot_share = (double)hot_reads / (double)reads;
    ck_assert_msg(fabs(hot_share - LFB_HOT_READ_SHARE) < 0.02, "%.3f of reads hot", hot_share);
    free(s);
}
END_TEST

/* hotkeys-churn: the article's pattern.  Writes are put+remove pairs of hot
 * keys that are not prefilled (indices [initial, initial + hot_keys)), half
 * the reads go to them and the rest to prefilled keys; -empty is the same
 * stream with nothing prefilled. */
START_TEST(test_hotkeys_churn)
{
    const char *names[] = {"hotkeys-churn", "hotkeys-churn-empty"};
    for (int k = 0; k < 2; k++) {
        struct lfb_workload w = mixed(names[k], LFB_MIX_INSERT_REMOVE, LFB_DIST_UNIFORM, 0);
        lfb_workload_size(&w, 10000, 0);
        ck_assert_uint_eq(w.range, 10000 + w.hot_keys);
        ck_assert_uint_eq(w.prefill, k == 0 ? 10000 : 0);
        struct lfb_perm perm;
        uint64_t *s = stream_for(&w, &perm);
        uint64_t *index_of = malloc((w.range + 1) * sizeof *index_of);
        for (uint64_t i = 0; i < w.range; i++)
            index_of[lfb_key_of(&perm, i)] = i;
        size_t writes = 0, reads = 0, hot_reads = 0;
        for (size_t i = 0; i < STREAM_LEN; i++) {
            uint64_t idx = index_of[lfb_key_from(s[i])];
            bool hot = idx >= w.initial && idx < w.initial + w.hot_keys;
            if (lfb_op_of(s[i]) == LFB_OP_PUT_REMOVE) {
                writes++;
                ck_assert_msg(hot, "%s: a write of key index %llu, outside the hot set", names[k],
                              (unsigned long long)idx);
            } else {
                ck_assert(lfb_op_of(s[i]) == LFB_OP_GET);
                reads++;
                hot_reads += hot;
            }
        }
        double upd = 100.0 * (double)writes / STREAM_LEN;
        ck_assert_msg(fabs(upd - LFB_HOTKEYS_UPDATE_PCT) < MIX_TOLERANCE_PCT, "%s: %.2f%% writes", names[k], upd);
        double hot_share = (double)hot_reads / (double)reads;
        ck_assert_msg(fabs(hot_share - LFB_HOT_READ_SHARE) < 0.01, "%s: %.3f of reads hot", names[k], hot_share);
        free(index_of);
        free(s);
    }
}
END_TEST

START_TEST(test_presets)
{
    struct lfb_workload w;
    ck_assert_int_eq(lfb_workload_preset(&w, "95/5"), 0);
    ck_assert_double_eq(w.update_pct, 5);
    const char *bad[] = {"60/60", "-5/105", "5/", "/5", "95/5x", "hot", "", "100/-0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(lfb_workload_preset(&w, bad[i]) == -1, "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(test_permutation_is_bijective)
{
    const uint64_t sizes[] = {1, 2, 3, 1000, 20000, 65536};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        struct lfb_perm p;
        lfb_perm_init(&p, sizes[k], 9);
        char *seen = calloc(sizes[k], 1);
        for (uint64_t i = 0; i < sizes[k]; i++) {
            uint64_t v = lfb_perm_apply(&p, i);
            ck_assert(v < sizes[k] && !seen[v]);
            seen[v] = 1;
        }
        free(seen);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("lfbench_workload");
    TCase *tc = tcase_create("workload");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_op_mix);
    tcase_add_test(tc, test_uniform_keys);
    tcase_add_test(tc, test_zipf);
    tcase_add_test(tc, test_hotkeys);
    tcase_add_test(tc, test_hotkeys_churn);
    tcase_add_test(tc, test_presets);
    tcase_add_test(tc, test_permutation_is_bijective);
    suite_add_tcase(s, tc);
    return ck_run_suite(s, true);
}
