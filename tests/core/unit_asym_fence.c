/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The live-count stripes' asymmetric fence (lib/asym_fence.c): maps created
 * while sys_membarrier(PRIVATE_EXPEDITED) works pay only a compiler barrier
 * per write, and every resize pays the syscall.  What a user sees when the
 * syscall stops working after the maps exist, and across fork().
 */
#include "lfmap.h"

#include <check.h>

#include "ck_fast.h"
#include "ck_run.h"
#include "scheme_props.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__linux__) && defined(__x86_64__)
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/membarrier.h>
#include <linux/seccomp.h>
#define HAVE_SECCOMP_TEST 1

/* From now on membarrier(2) fails with EPERM in this process, as it does
 * under a sandbox installed after start-up (a seccomp filter that does not
 * list the call).  The registration made at the first map stays. */
static int deny_membarrier(void)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_membarrier, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = (unsigned short)(sizeof f / sizeof f[0]), .filter = f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -errno;
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
        return -errno;
    return 0;
}

static bool membarrier_expedited_works(void)
{
    long cmds = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    return cmds >= 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED);
}
/* The tests' common start: a registered thread and an ebr map (its grace
 * periods need no membarrier; urcu-memb's would abort in liburcu itself
 * once the filter is in), created while membarrier works, so that its
 * stripes use the asymmetric fence.  NULL: skipped. */
static lfmap *ebr_map_while_membarrier_works(void)
{
    if (!membarrier_expedited_works()) {
        puts("skipped: no sys_membarrier(PRIVATE_EXPEDITED) here");
        return NULL;
    }
    ck_assert_int_eq(lfmap_thread_register(), 0);
    struct lfmap_config cfg = {.reclamation = "ebr"};
    lfmap *m = lfmap_new(&cfg);
    ck_assert_ptr_nonnull(m);
    return m;
}

/* Installs the filter; false (skipped) when it cannot. */
static bool membarrier_denied_from_now(void)
{
    int rc = deny_membarrier();
    if (rc != 0)
        printf("skipped: cannot install a seccomp filter (%d)\n", rc);
    return rc == 0;
}
#endif

/* A map created while membarrier works (so its stripes use the asymmetric
 * fence), then membarrier denied: the map must still take every new key.
 * On 6ae181a every resize is abandoned (lf_asym_fence_heavy fails, the
 * successor is sized 0), so the map never grows again and an insert of a
 * new key returns -ENOMEM once the 64-slot table is 15/16 full, with plenty
 * of memory: "an insert fails only on out-of-memory" (pitfall 14) no
 * longer holds.  Uses the ebr scheme, whose grace periods need no
 * membarrier (urcu-memb's would abort in liburcu itself). */
START_TEST(membarrier_denied_after_start_map_still_grows)
{
#ifdef HAVE_SECCOMP_TEST
    lfmap *m = ebr_map_while_membarrier_works();
    if (!m)
        return;
    ck_assert_int_eq(lfmap_insert(m, 0, 7), 1);
    if (!membarrier_denied_from_now())
        return;
    ck_assert_int_ne(syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0), 0);
    const uint64_t n = 4096;
    for (uint64_t k = 1; k < n; k++) {
        int r = lfmap_insert(m, k, k + 7);
        CK_REQUIRE(r == 1, "insert of new key %llu returned %d with membarrier denied (size %zu)",
                   (unsigned long long)k, r, lfmap_size(m));
    }
    ck_assert_uint_eq(lfmap_size(m), n);
    for (uint64_t k = 0; k < n; k++) {
        uint64_t v = 0;
        CK_REQUIRE(lfmap_get(m, k, &v) && v == k + 7, "key %llu lost", (unsigned long long)k);
    }
    lfmap_free(m);
    lfmap_thread_unregister();
#else
    puts("skipped: the seccomp filter here is written for x86-64 Linux");
#endif
}
END_TEST

/* The era schemes (he, ibr) publish reservations without fences and rely
 * on the reclaimer's membarrier.  Denied after start-up, a scan can free
 * nothing (that is safe), but lfmap_free used to wait for the map's
 * retired tables forever (review of issue 18: "lfmap_free did not return
 * within 5 s").  Now it returns, the tables stay pending, and the maps
 * stay correct.  Every scheme that has a reclaimer-side fence to lose is
 * covered by name through what it declares: era schemes protect (hazards)
 * and have no fence of their own on the reader's side; ck-hp fences on the
 * reader's side and passes as well. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

START_TEST(membarrier_denied_hazard_free_returns)
{
#ifdef HAVE_SECCOMP_TEST
    if (!membarrier_expedited_works()) {
        puts("skipped: no sys_membarrier(PRIVATE_EXPEDITED) here");
        return;
    }
    ck_assert_int_eq(lfmap_thread_register(), 0);
    lfmap *maps[16];
    size_t n = 0;
    for (size_t i = 0; lfmap_reclamation_scheme(i) && n < 16; i++) {
        const char *name = lfmap_reclamation_scheme(i);
        if (!scheme_has_hazards(name))
            continue;
        struct lfmap_config cfg = {.reclamation = name};
        maps[n] = lfmap_new(&cfg);
        ck_assert_ptr_nonnull(maps[n]);
        ck_assert_int_eq(lfmap_insert(maps[n], 0, 7), 1);
        n++;
    }
    if (!membarrier_denied_from_now())
        return;
    for (size_t i = 0; i < n; i++) {
        for (uint64_t k = 1; k < 3000; k++) /* resizes: retired tables */
            ck_assert_int_eq(lfmap_insert(maps[i], k, k + 7), 1);
        for (uint64_t k = 0; k < 3000; k++) {
            uint64_t v = 0;
            CK_REQUIRE(lfmap_get(maps[i], k, &v) && v == k + 7, "%s: key %llu lost",
                       lfmap_reclamation(maps[i]), (unsigned long long)k);
        }
        const char *name = lfmap_reclamation(maps[i]);
        double t0 = now_s();
        lfmap_free(maps[i]);
        double waited = now_s() - t0;
        CK_REQUIRE(waited < 2.0, "%s: lfmap_free waited %.2f s with membarrier denied", name, waited);
    }
    lfmap_thread_unregister();
#else
    puts("skipped: the seccomp filter here is written for x86-64 Linux");
#endif
}
END_TEST

/* After an abandoned resize the map is still correct: what it holds reads
 * back, removes and re-inserts of existing keys work.  (Passes on
 * 6ae181a: a regression guard for the abandon path.) */
START_TEST(membarrier_denied_map_stays_correct)
{
#ifdef HAVE_SECCOMP_TEST
    lfmap *m = ebr_map_while_membarrier_works();
    if (!m)
        return;
    ck_assert_int_eq(lfmap_insert(m, 0, 7), 1);
    if (!membarrier_denied_from_now())
        return;
    uint64_t held = 0;
    for (uint64_t k = 1; k < 200; k++) {
        int r = lfmap_insert(m, k, k + 7);
        CK_REQUIRE(r == 1 || r == -ENOMEM, "insert %llu: %d", (unsigned long long)k, r);
        if (r == 1)
            held = k;
        else
            break;
    }
    ck_assert_uint_eq(lfmap_size(m), held + 1);
    for (int round = 0; round < 50; round++)
        for (uint64_t k = 0; k <= held; k++) {
            uint64_t v = 0;
            CK_REQUIRE(lfmap_get(m, k, &v) && v == k + 7 + (uint64_t)round, "key %llu", (unsigned long long)k);
            CK_REQUIRE(lfmap_remove(m, k, NULL) == 1, "remove %llu", (unsigned long long)k);
            CK_REQUIRE(lfmap_insert(m, k, k + 8 + (uint64_t)round) == 1, "reinsert %llu", (unsigned long long)k);
        }
    ck_assert_uint_eq(lfmap_size(m), held + 1);
    lfmap_free(m);
    lfmap_thread_unregister();
#endif
}
END_TEST

/* fork(): the child inherits the process's membarrier registration (the
 * kernel copies it with the address space), so its maps keep growing.
 * The parent has other registered threads' worth of state; the child has
 * only the forking thread.  (Passes: a guard.) */
START_TEST(forked_child_maps_grow)
{
    ck_assert_int_eq(lfmap_thread_register(), 0);
    struct lfmap_config cfg = {.reclamation = "ebr"};
    lfmap *m = lfmap_new(&cfg);
    ck_assert_ptr_nonnull(m);
    for (uint64_t k = 0; k < 1000; k++)
        ck_assert_int_eq(lfmap_insert(m, k, k), 1);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int bad = 0;
        for (uint64_t k = 1000; k < 50000 && !bad; k++)
            bad = lfmap_insert(m, k, k) != 1;
        for (uint64_t k = 0; k < 50000 && !bad; k++) {
            uint64_t v;
            bad = !lfmap_get(m, k, &v) || v != k;
        }
        lfmap *m2 = lfmap_new(&cfg);
        for (uint64_t k = 0; k < 20000 && !bad; k++)
            bad = lfmap_insert(m2, k, k) != 1;
        _exit(bad || lfmap_size(m) != 50000 ? 1 : 0);
    }
    int st = 0;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the forked child's maps failed (status %d)", st);
    lfmap_free(m);
    lfmap_thread_unregister();
}
END_TEST

/* From an adversarial review: with the unfenced sizing as first written
 * (every successor reserved t's hard limit, so it was twice t), each shrink
 * check doubled the table (8,192 -> 262,144 slots for 16 live keys) and a
 * churn with a constant live set doubled it at every cleaning migration
 * (2,097,152 slots after 21,504 inserts).  Both must stay bounded. */
static size_t capacity(lfmap *m)
{
    struct lfmap_stats st;
    lfmap_get_stats(m, &st);
    return st.capacity_slots;
}

/* 4,000 keys, then all but 16 removed, then 16 keys removed and inserted
 * again and again: the live set is 16 keys.  Expected: the table shrinks
 * (or at worst stays as it was).  Seen: every shrink check doubles it. */
START_TEST(unfenced_shrink_does_not_grow)
{
#ifdef HAVE_SECCOMP_TEST
    lfmap *m = ebr_map_while_membarrier_works();
    if (!m)
        return;
    const uint64_t n = 4000;
    for (uint64_t k = 0; k < n; k++)
        ck_assert_int_eq(lfmap_insert(m, k, k), 1);
    size_t start = capacity(m);
    if (!membarrier_denied_from_now())
        return;
    for (uint64_t k = 16; k < n; k++)
        ck_assert_int_eq(lfmap_remove(m, k, NULL), 1);
    size_t worst = capacity(m);
    for (int round = 0; round < 200; round++) {
        for (uint64_t k = 0; k < 16; k++) {
            CK_REQUIRE(lfmap_remove(m, k, NULL) == 1, "remove %llu", (unsigned long long)k);
            int r = lfmap_insert(m, k, k);
            CK_REQUIRE(r == 1, "reinsert %llu: %d", (unsigned long long)k, r);
        }
        size_t c = capacity(m);
        if (c > worst)
            worst = c;
        if (c > 16 * start)
            break; /* enough: do not actually exhaust the machine's memory */
    }
    printf("capacity: %zu slots with 4000 keys; %zu at worst with 16 live keys, now %zu\n", start, worst,
           capacity(m));
    ck_assert_uint_eq(lfmap_size(m), 16);
    for (uint64_t j = 0; j < 16; j++) {
        uint64_t v = 99;
        CK_REQUIRE(lfmap_get(m, j, &v) && v == j, "key %llu lost", (unsigned long long)j);
    }
    CK_REQUIRE(worst <= start,
               "with membarrier denied, the table of 16 live keys grew from %zu to %zu slots "
               "(each shrink attempt doubles it)",
               start, worst);
    lfmap_free(m);
    lfmap_thread_unregister();
#else
    puts("skipped: the seccomp filter here is written for x86-64 Linux");
#endif
}
END_TEST

/* A constant live set of 1,000 keys; each step removes the oldest key and
 * inserts a new one (a cache, a session store).  Expected: a bounded table
 * (the fenced sizing keeps it at 4,096 slots).  Seen: each cleaning
 * migration doubles it, so memory grows with the keys ever inserted. */
START_TEST(unfenced_churn_is_bounded)
{
#ifdef HAVE_SECCOMP_TEST
    lfmap *m = ebr_map_while_membarrier_works();
    if (!m)
        return;
    const uint64_t live = 1000;
    for (uint64_t k = 0; k < live; k++)
        ck_assert_int_eq(lfmap_insert(m, k, k), 1);
    if (!membarrier_denied_from_now())
        return;
    size_t worst = capacity(m);
    uint64_t k = live;
    for (; k < live + 400000; k++) {
        CK_REQUIRE(lfmap_remove(m, k - live, NULL) == 1, "remove %llu", (unsigned long long)(k - live));
        int r = lfmap_insert(m, k, k);
        CK_REQUIRE(r == 1, "insert %llu: %d", (unsigned long long)k, r);
        if ((k & 1023) == 0) {
            size_t c = capacity(m);
            if (c > worst)
                worst = c;
            if (c > (1u << 20))
                break;
        }
    }
    printf("churn: %llu keys inserted in all, live %zu, table at worst %zu slots\n", (unsigned long long)k,
           lfmap_size(m), worst);
    ck_assert_uint_eq(lfmap_size(m), live);
    for (uint64_t j = k - live + 1; j <= k && j < live + 400000; j++) {
        uint64_t v = 0;
        CK_REQUIRE(lfmap_get(m, j, &v) && v == j, "live key %llu lost after the churn", (unsigned long long)j);
    }
    CK_REQUIRE(worst <= 16384,
               "with membarrier denied, a map of %llu live keys grew to %zu slots after %llu inserts "
               "(every cleaning migration doubles it)",
               (unsigned long long)live, worst, (unsigned long long)k);
    lfmap_free(m);
    lfmap_thread_unregister();
#else
    puts("skipped: the seccomp filter here is written for x86-64 Linux");
#endif
}
END_TEST

int main(void)
{
    Suite *s = suite_create("asym_fence");
    TCase *tc = tcase_create("asym_fence");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, membarrier_denied_after_start_map_still_grows);
    tcase_add_test(tc, membarrier_denied_map_stays_correct);
    tcase_add_test(tc, forked_child_maps_grow);
    tcase_add_test(tc, unfenced_shrink_does_not_grow);
    tcase_add_test(tc, unfenced_churn_is_bounded);
    tcase_add_test(tc, membarrier_denied_hazard_free_returns);
    suite_add_tcase(s, tc);
    return ck_run_suite(s, true); /* forked: the seccomp filter stays in its test's process */
}
