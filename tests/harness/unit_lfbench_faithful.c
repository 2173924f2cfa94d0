/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * unit_lfbench_faithful: the baselines that claim an algorithm run it.
 *
 * readmostly claims Go's sync.Map: its promotions (the dirty map becoming
 * the read snapshot) and dirty-map builds on scripted sequences must be
 * the counts that Go 1.19's sync/map.go gives, worked out below from its
 * rules (a lookup that misses the read snapshot while it is amended counts a
 * miss, found or not, and so does a LoadAndDelete or LoadOrStore that finds
 * its key only in the dirty map; len(dirty) misses promote; the first Store
 * of a new key after a promotion copies the snapshot into a new dirty map;
 * a Store misses nothing).  tests/harness/go_faithful.sh checks the same counts
 * against the real sync.Map on lfbench's streams.  A readmostly that
 * counted only the misses that find their key, promoted after a fixed
 * number of misses, or locked for keys already in the snapshot fails here.
 *
 * cow claims a copy per write that changes the map and none otherwise.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "ck_run.h"
#include "map_iface.h"

struct counts {
    long promotions, dirty_builds, copies;
};

static long config_field(const char *config, const char *field)
{
    char key[64];
    snprintf(key, sizeof key, "\"%s\":", field);
    const char *p = strstr(config, key);
    ck_assert_msg(p, "map_config %s has no %s", config, field);
    return strtol(p + strlen(key), NULL, 10);
}

static struct counts counts_of(const struct lfb_map_ops *ops, void *m)
{
    struct lfb_map_stats st;
    memset(&st, 0, sizeof st);
    ops->stats(m, &st);
    struct counts c = {0, 0, 0};
    if (strstr(st.config, "\"promotions\"")) {
        c.promotions = config_field(st.config, "promotions");
        c.dirty_builds = config_field(st.config, "dirty_builds");
    }
    if (strstr(st.config, "\"copies\""))
        c.copies = config_field(st.config, "copies");
    return c;
}

static void *open_map(const struct lfb_map_ops *ops)
{
    struct lfb_map_config cfg = {.capacity = 0, .seed = 5, .threads = 1};
    void *m = ops->create(&cfg);
    ck_assert_ptr_nonnull(m);
    if (ops->thread_enter)
        ops->thread_enter(m);
    return m;
}

static void close_map(const struct lfb_map_ops *ops, void *m)
{
    ops->destroy(m);
    if (ops->thread_exit)
        ops->thread_exit(m);
}

/* Loads keys 1..k through insert (LoadOrStore: all into the dirty map, one
 * build) and looks each up once (k misses: one promotion). */
static void load_and_promote(const struct lfb_map_ops *ops, void *m, uint64_t k)
{
    uint64_t v;
    for (uint64_t i = 1; i <= k; i++)
        ck_assert(ops->insert(m, i, i));
    for (uint64_t i = 1; i <= k; i++)
        ck_assert(ops->get(m, i, &v) && v == i);
}

#define ASSERT_COUNTS(c, prom, builds, what)                                                                  \
    ck_assert_msg((c).promotions == (prom) && (c).dirty_builds == (builds),                                 \
                  "%s: %ld promotions and %ld dirty-map builds, Go's rules give %d and %d", what, (c).promotions, \
                  (c).dirty_builds, (prom), (builds))

/* The article's pattern from an empty map: each Store of the key builds a
 * dirty map (nothing to copy) and marks the snapshot amended; the
 * LoadAndDelete then finds it only in the dirty map, a miss, and one miss
 * covers an empty dirty map: a promotion per pair. */
START_TEST(test_churn_from_empty)
{
    const struct lfb_map_ops *ops = lfb_map_find("readmostly");
    void *m = open_map(ops);
    for (int i = 0; i < 1000; i++) {
        ck_assert(ops->put(m, 42, (uint64_t)i) == true);
        ck_assert(ops->remove(m, 42) == true);
    }
    ASSERT_COUNTS(counts_of(ops, m), 1000, 1000, "1000 put+remove pairs on an empty map");
    close_map(ops, m);
}
END_TEST

/* K keys loaded through LoadOrStore all land in the dirty map (one build,
 * for the first); K lookups miss the empty snapshot and the K-th promotes;
 * later lookups hit the snapshot and count nothing.  Then the hotkeys
 * preset's remove and re-insert of a key in the snapshot: two CASes on its
 * entry, no lock, no count. */
START_TEST(test_prefill_then_reads_then_reinsert)
{
    enum { K = 100 };
    const struct lfb_map_ops *ops = lfb_map_find("readmostly");
    void *m = open_map(ops);
    for (uint64_t k = 1; k <= K; k++)
        ck_assert(ops->insert(m, k, k));
    ASSERT_COUNTS(counts_of(ops, m), 0, 1, "after loading 100 keys");
    uint64_t v;
    for (uint64_t k = 1; k < K; k++)
        ck_assert(ops->get(m, k, &v) && v == k);
    ASSERT_COUNTS(counts_of(ops, m), 0, 1, "after 99 lookups (99 misses of 100)");
    ck_assert(ops->get(m, K, &v));
    ASSERT_COUNTS(counts_of(ops, m), 1, 1, "after the 100th lookup");
    for (uint64_t k = 1; k <= 3 * K; k++)
        (void)ops->get(m, 1 + k % K, &v);
    for (int i = 0; i < 500; i++) {
        ck_assert(ops->remove(m, 7));
        ck_assert(ops->insert(m, 7, 7));
    }
    ASSERT_COUNTS(counts_of(ops, m), 1, 1, "after lookups and re-inserts of keys in the snapshot");
    close_map(ops, m);
}
END_TEST

/* The article's pattern over a prefilled map: the first Store of a new key
 * after the promotion copies the K snapshot entries into a new dirty map;
 * each LoadAndDelete then misses once, and the dirty map holds K entries,
 * so every K pairs promote and the next Store builds again: M pairs give
 * ceil(M/K) builds and floor(M/K) promotions. */
START_TEST(test_churn_over_prefill)
{
    enum { K = 100, M = 250 };
    const struct lfb_map_ops *ops = lfb_map_find("readmostly");
    void *m = open_map(ops);
    load_and_promote(ops, m, K);
    ASSERT_COUNTS(counts_of(ops, m), 1, 1, "loaded and promoted");
    for (uint64_t i = 0; i < M; i++) {
        uint64_t hot = 1000 + i % 10;
        ck_assert(ops->put(m, hot, i));
        ck_assert(ops->remove(m, hot));
    }
    ASSERT_COUNTS(counts_of(ops, m), 1 + M / K, 1 + (M + K - 1) / K, "250 put+remove pairs of absent keys");
    close_map(ops, m);
}
END_TEST

/* A lookup of an absent key while the snapshot is amended counts a miss too
 * ("regardless of whether the entry was present"): after one new key the
 * dirty map holds K + 1 entries, and K + 1 lookups of absent keys promote. */
START_TEST(test_absent_lookups_count)
{
    enum { K = 50 };
    const struct lfb_map_ops *ops = lfb_map_find("readmostly");
    void *m = open_map(ops);
    load_and_promote(ops, m, K);
    ck_assert(ops->put(m, 9999, 1)); /* builds dirty (K + 1 entries), amended */
    uint64_t v;
    ASSERT_COUNTS(counts_of(ops, m), 1, 2, "one new key after the promotion");
    for (uint64_t k = 0; k < K; k++)
        ck_assert(!ops->get(m, 5000 + k, &v));
    ASSERT_COUNTS(counts_of(ops, m), 1, 2, "50 absent lookups (50 misses of 51)");
    ck_assert(!ops->get(m, 6000, &v));
    ASSERT_COUNTS(counts_of(ops, m), 2, 2, "the 51st absent lookup");
    close_map(ops, m);
}
END_TEST

/* cow: one copy per write that changes the map, none for an insert of a
 * present key, a remove of an absent one or a failed compare-and-swap. */
START_TEST(test_cow_copies_per_effective_write)
{
    const struct lfb_map_ops *ops = lfb_map_find("cow");
    void *m = open_map(ops);
    long effective = 0;
    for (uint64_t k = 1; k <= 200; k++)
        effective += ops->insert(m, k, k);      /* 200 */
    for (uint64_t k = 1; k <= 200; k++)
        effective += ops->insert(m, k, k + 1);  /* present: 0 */
    for (uint64_t k = 150; k <= 250; k++)
        effective += ops->remove(m, k);         /* 51 */
    for (uint64_t k = 1; k <= 100; k++)
        effective += ops->cas(m, k, k + (k & 1), 7); /* even keys: 50 */
    for (uint64_t k = 1; k <= 20; k++) {
        ops->put(m, k, 9);                      /* a put always writes */
        effective++;
    }
    ck_assert_int_eq(effective, 200 + 51 + 50 + 20);
    struct counts c = counts_of(ops, m);
    ck_assert_msg(c.copies == effective, "cow published %ld copies for %ld effective writes", c.copies, effective);
    close_map(ops, m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("lfbench_faithful");
    TCase *tc = tcase_create("faithful");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_churn_from_empty);
    tcase_add_test(tc, test_prefill_then_reads_then_reinsert);
    tcase_add_test(tc, test_churn_over_prefill);
    tcase_add_test(tc, test_absent_lookups_count);
    tcase_add_test(tc, test_cow_copies_per_effective_write);
    suite_add_tcase(s, tc);
    return ck_run_suite(s, true);
}
