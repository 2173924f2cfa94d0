/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Exact interleavings built with the perturbation hooks (lib/perturb.h): one
 * thread is stopped at a named step while another runs, reproducing races a
 * review found in earlier versions.  Perturbed builds only (make perturb); in
 * other builds the hooks are compiled out and the program exits 77 (an expected skip).
 */
#include "lfmap.h"
#include "hash.h"
#include "lfmap_internal.h"
#include "perturb.h"

#include <check.h>

#include "exact_stops_main.h"
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#ifdef LFMAP_PERTURB
#define SEED 0x5eedull

/* The stopped thread marks itself; the hook stops it at each of up to
 * MAX_STOPS hooks in turn, once each. */
#define MAX_STOPS 2
struct stopper {
    enum lf_hook stop_at[MAX_STOPS];
    int nstops;
    atomic_int next; /* index of the next stop */
    sem_t reached, release;
};
static _Thread_local bool stoppable;

static void stop_hook(enum lf_hook hook, void *arg)
{
    struct stopper *s = arg;
    int i = atomic_load(&s->next);
    if (!stoppable || i >= s->nstops || hook != s->stop_at[i])
        return;
    atomic_store(&s->next, i + 1);
    sem_post(&s->reached);
    sem_wait(&s->release);
}

static void stopper_init2(struct stopper *s, enum lf_hook first, enum lf_hook second, int n)
{
    s->stop_at[0] = first;
    s->stop_at[1] = second;
    s->nstops = n;
    atomic_store(&s->next, 0);
    sem_init(&s->reached, 0, 0);
    sem_init(&s->release, 0, 0);
    lf_hook_set(stop_hook, s);
}

static void stopper_init(struct stopper *s, enum lf_hook at)
{
    stopper_init2(s, at, at, 1);
}

/* Waits up to 1 s for the stopped thread to reach its next stop. */
static bool wait_reached(struct stopper *s)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 1;
    return sem_timedwait(&s->reached, &ts) == 0;
}

static int count_nothing(uint64_t key, uint64_t value, void *arg)
{
    (void)key, (void)value, (void)arg;
    return 0;
}

/* Regression: the successor used to be sized from the live count while
 * writers kept reviving keys in the old table; the copies then overflowed
 * it and keys were lost.  The remover is stopped right after it announced
 * the resize (sentinel in t->next, successor not yet sized) while the main
 * thread revives every key the remover already removed. */
#define PREFILL 3000u
#define KEEP 240u

static lfmap *map;
static _Atomic uint64_t removing; /* key the remover is at */

static void *remover(void *arg)
{
    (void)arg;
    ck_assert_int_eq(lfmap_thread_register(), 0);
    stoppable = true;
    for (uint64_t k = KEEP; k < PREFILL; k++) {
        atomic_store(&removing, k);
        ck_assert_int_eq(lfmap_remove(map, k, NULL), 1);
    }
    lfmap_thread_unregister();
    return NULL;
}

START_TEST(revivals_while_successor_is_sized)
{
    ck_assert_int_eq(lfmap_thread_register(), 0);
    struct lfmap_config cfg = {.seed = SEED};
    map = lfmap_new(&cfg);
    ck_assert_ptr_nonnull(map);
    for (uint64_t k = 0; k < PREFILL; k++)
        ck_assert_int_eq(lfmap_insert(map, k, k + 1), 1);
    struct stopper st;
    stopper_init(&st, LFMAP_HOOK_BEFORE_PUBLISH);
    pthread_t th;
    pthread_create(&th, NULL, remover, NULL);
    sem_wait(&st.reached); /* the remover started a shrink and is stopped */
    uint64_t last = atomic_load(&removing);
    for (uint64_t k = KEEP; k <= last; k++) /* all removed: revive them */
        ck_assert_int_eq(lfmap_put(map, k, k + 1, NULL), 1);
    sem_post(&st.release);
    pthread_join(th, NULL);
    lf_hook_set(NULL, NULL);
    lfmap_foreach(map, count_nothing, NULL); /* finishes the migration */
    for (uint64_t k = 0; k < PREFILL; k++) {
        uint64_t v = 0;
        bool want = k <= last;
        ck_assert_msg(lfmap_get(map, k, &v) == want, "key %llu (last removed before the stop: %llu)",
                      (unsigned long long)k, (unsigned long long)last);
        if (want)
            ck_assert_uint_eq(v, k + 1);
    }
    ck_assert_uint_eq(lfmap_size(map), last + 1);
    lfmap_free(map);
    lfmap_thread_unregister();
}
END_TEST

/* Regression: a writer stopped between seeing an empty slot and claiming it
 * must not be able to claim it after a migration froze it as the end of
 * another key's probe path (the other key then went missing and could be
 * inserted twice).  Both keys share a home slot, so their paths end at the
 * same empty slot.  The migration is a shrink started by removes, which
 * claim no slot, so that slot stays the paths' end until it is frozen. */
static uint64_t key_c, key_h;

static void colliding_pair(uint64_t mask)
{
    struct lfmap_hasher h;
    lf_hasher_init(&h, SEED);
    key_c = 1u << 20;
    uint64_t home = lf_mix(&h, key_c) & mask;
    for (uint64_t k = key_c + 1;; k++)
        if ((lf_mix(&h, k) & mask) == home) {
            key_h = k;
            return;
        }
}

static void *late_claimer(void *arg)
{
    (void)arg;
    ck_assert_int_eq(lfmap_thread_register(), 0);
    stoppable = true;
    ck_assert_int_eq(lfmap_put(map, key_c, 7, NULL), 1);
    lfmap_thread_unregister();
    return NULL;
}

START_TEST(late_claim_cannot_extend_a_frozen_path)
{
    ck_assert_int_eq(lfmap_thread_register(), 0);
    struct lfmap_config cfg = {.seed = SEED, .migration_chunk = 1};
    map = lfmap_new(&cfg);
    ck_assert_ptr_nonnull(map);
    for (uint64_t k = 0; k < PREFILL; k++)
        ck_assert_int_eq(lfmap_insert(map, k, k), 1);
    lfmap_foreach(map, count_nothing, NULL); /* finishes the last growth */
    struct lfmap_stats stats;
    lfmap_get_stats(map, &stats);
    ck_assert(!stats.resizing);
    colliding_pair(stats.capacity_slots - 1);
    struct stopper st;
    stopper_init(&st, LFMAP_HOOK_BEFORE_CLAIM);
    pthread_t th;
    pthread_create(&th, NULL, late_claimer, NULL);
    sem_wait(&st.reached); /* C saw the empty slot, has not claimed it */
    uint64_t k = 0;
    do {
        ck_assert_int_lt(k, PREFILL);
        ck_assert_int_eq(lfmap_remove(map, k++, NULL), 1);
        lfmap_get_stats(map, &stats);
    } while (!stats.resizing); /* a shrink, kept in progress by chunk 1 */
    ck_assert_int_eq(lfmap_insert(map, key_h, 111), 1); /* freezes the path end */
    sem_post(&st.release); /* C's claim now races the frozen path end */
    pthread_join(th, NULL);
    lf_hook_set(NULL, NULL);
    uint64_t v = 0;
    ck_assert(lfmap_get(map, key_h, &v));
    ck_assert_uint_eq(v, 111);
    ck_assert_int_eq(lfmap_insert(map, key_h, 222), 0);
    ck_assert(lfmap_get(map, key_c, &v));
    ck_assert_uint_eq(v, 7);
    ck_assert_uint_eq(lfmap_size(map), PREFILL - k + 2);
    lfmap_free(map);
    lfmap_thread_unregister();
}
END_TEST
/* Freezing a live slot must be a CAS: a migrator that read the value and
 * was delayed must not overwrite a slot that another thread froze and moved
 * meanwhile (it would count the slot twice and, while it holds its box,
 * show readers a value that was already replaced).  M sweeps the table
 * (foreach finishes the migration) and is stopped with a value in its box;
 * the main thread updates every key, which moves every slot; then M goes on
 * and, if it wrongly boxes the moved slot, is stopped again after its copy:
 * every key must still read the main thread's value. */
static void *sweeper(void *arg)
{
    (void)arg;
    ck_assert_int_eq(lfmap_thread_register(), 0);
    stoppable = true;
    lfmap_foreach(map, count_nothing, NULL);
    lfmap_thread_unregister();
    return NULL;
}

START_TEST(stale_migrator_cannot_refreeze_a_moved_slot)
{
    ck_assert_int_eq(lfmap_thread_register(), 0);
    struct lfmap_config cfg = {.seed = SEED, .migration_chunk = 1};
    map = lfmap_new(&cfg);
    ck_assert_ptr_nonnull(map);
    for (uint64_t k = 0; k < PREFILL; k++)
        ck_assert_int_eq(lfmap_insert(map, k, k + 1), 1);
    lfmap_foreach(map, count_nothing, NULL); /* finishes the last growth */
    /* Removes start a shrink; chunk 1 and a table much larger than the keys
     * left keep it in progress through everything below. */
    struct lfmap_stats stats;
    uint64_t first = 0;
    do {
        ck_assert_int_eq(lfmap_remove(map, first++, NULL), 1);
        lfmap_get_stats(map, &stats);
    } while (!stats.resizing);
    struct stopper st;
    stopper_init2(&st, LFMAP_HOOK_BEFORE_FREEZE, LFMAP_HOOK_COPIED_BEFORE_MOVED, 2);
    pthread_t th;
    pthread_create(&th, NULL, sweeper, NULL);
    ck_assert(wait_reached(&st)); /* M holds a live value in its box */
    for (uint64_t k = first; k < PREFILL; k++)
        ck_assert_int_eq(lfmap_put(map, k, k + 1000, NULL), 0);
    lfmap_get_stats(map, &stats);
    ck_assert(stats.resizing); /* the old table is still the one read */
    sem_post(&st.release);
    if (wait_reached(&st)) { /* only if M boxed a slot again */
        for (uint64_t k = first; k < PREFILL; k++) {
            uint64_t v = 0;
            ck_assert(lfmap_get(map, k, &v));
            ck_assert_uint_eq(v, k + 1000);
        }
        sem_post(&st.release);
    }
    pthread_join(th, NULL);
    lf_hook_set(NULL, NULL);
    for (uint64_t k = 0; k < PREFILL; k++) {
        uint64_t v = 0;
        ck_assert(lfmap_get(map, k, &v) == (k >= first));
        if (k >= first)
            ck_assert_uint_eq(v, k + 1000);
    }
    ck_assert_uint_eq(lfmap_size(map), PREFILL - first);
    lfmap_free(map);
    lfmap_thread_unregister();
}
END_TEST

/* ---- A writer keeps its successor across a stop-the-world help (second
 * review of issue 18).  W's insert starts the first resize t -> nt and,
 * the table being one migration chunk, finishes it at once; write_run
 * then protects nt (lf_protect_next) and helps (lf_table_help_migration).
 * The help used to protect nt again (lf_table_finish_migration): with nt
 * retired meanwhile the re-validation failed and dropped W's protection
 * (and he moved W's era past nt), a scan freed nt, and W went on inside
 * it (he and ck-hp: a segmentation fault here; ibr's interval kept nt).
 * The table allocator below unmaps what it frees, so a writer inside a
 * freed table faults; under section schemes nothing could free nt. */
static _Atomic unsigned nfreed; /* tables freed */

static void *unmapping_alloc(size_t size, void *ctx)
{
    (void)ctx;
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); /* zeroed */
    return p == MAP_FAILED ? NULL : p;
}

static void unmapping_free(void *p, size_t size, void *ctx)
{
    (void)ctx;
    munmap(p, size); /* any later access faults */
    atomic_fetch_add(&nfreed, 1);
}

static const struct lfmap_allocator unmapping = {.alloc = unmapping_alloc, .free = unmapping_free};
static _Atomic uint64_t w_last; /* the last key W inserted */

static void *first_resize_writer(void *arg)
{
    (void)arg;
    ck_assert_int_eq(lfmap_thread_register(), 0);
    stoppable = true; /* the first migration W meets is the one it finished */
    for (uint64_t k = 1; k <= 64; k++) {
        ck_assert_int_eq(lfmap_insert(map, k, k), 1);
        atomic_store(&w_last, k);
    }
    lfmap_thread_unregister();
    return NULL;
}

static uint64_t h_next; /* the helping thread's next key */

static void retire_successor_and_scan(void)
{
    struct lfmap_stats st;
    lfmap_get_stats(map, &st);
    uint64_t r0 = st.resizes;
    while (st.resizes == r0) {
        ck_assert_int_eq(lfmap_insert(map, h_next, h_next), 1);
        h_next++;
        lfmap_get_stats(map, &st);
    }
    for (int i = 0; i < 4; i++)
        lfmap_quiescent();
}

START_TEST(writer_keeps_its_successor_through_a_help)
{
    ck_assert_int_eq(lfmap_thread_register(), 0);
    atomic_store(&nfreed, 0);
    h_next = 1000000;
    struct lfmap_config cfg = {.seed = SEED, .allocator = &unmapping};
    map = lfmap_new(&cfg);
    ck_assert_ptr_nonnull(map);
    struct stopper st;
    stopper_init2(&st, LFMAP_HOOK_WRITER_BEFORE_HELP, LFMAP_HOOK_WRITER_AFTER_HELP, 2);
    pthread_t th;
    pthread_create(&th, NULL, first_resize_writer, NULL);
    ck_assert(wait_reached(&st)); /* W holds nt, t -> nt already promoted */
    retire_successor_and_scan();  /* nt -> nn: nt retired, held by W */
    sem_post(&st.release);
    ck_assert(wait_reached(&st)); /* W helped (nothing left to do) */
    retire_successor_and_scan();  /* a scan after the help: nt must still be held */
    sem_post(&st.release);
    pthread_join(th, NULL);
    lf_hook_set(NULL, NULL);
    for (uint64_t k = 1; k <= 64; k++) {
        uint64_t v = 0;
        ck_assert_msg(lfmap_get(map, k, &v) && v == k, "%s: key %llu lost", lfmap_reclamation(map),
                      (unsigned long long)k);
    }
    lfmap_free(map);
    lfmap_thread_unregister();
}
END_TEST

/* ---- A successor's predecessor at a reused address (ck-hp).  W's insert
 * finds the successor t it works in over its grow limit before t is
 * promoted, reads F = t->from and stops (RESERVE_BEFORE_PROTECT_FROM),
 * holding t (its table hazard) and nothing of F.  Meanwhile F -> t
 * finishes, F is retired and freed, t grows into N, which the allocator
 * below (LIFO per size, as malloc's bins) places at F's address, and
 * N is promoted (t retired, still held by W).  lf_protect_from used to
 * accept F's address because it was current: W then migrated N, the
 * current table, into t, whose slots were all moved already (every copy
 * dropped), and made the retired t current again; W's insert then looped
 * between t and N, which has no successor (by the code, so would every
 * later operation on the map, and ck-hp could free t while current: the
 * test fails at the first).  The fix also asks
 * that F's successor be t.  Sizes: F has 128 slots and few live keys, so
 * it shrinks to t (64 slots); W's inserts fill t past its limit while F
 * is still migrating (one slot per operation), and t grows into 128
 * slots again.  Only ck-hp frees F here: he's and ibr's reservations, taken
 * when W protected t, cover F's lifetime (this test with them fails at
 * "F was not freed"). */
#define REUSE_LIVE 7u     /* keys 1..7 stay; F shrinks once 64 removes leave 7 */
#define REUSE_REMOVED 64u /* keys 8..71, removed */
#define REUSE_W_BASE 1000u
#define REUSE_MAX_CACHED 16

static pthread_mutex_t reuse_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    void *p;
    size_t size;
} reuse_cache[REUSE_MAX_CACHED]; /* freed blocks, the last on top */
static int reuse_n;

static void *reuse_alloc(size_t size, void *ctx)
{
    (void)ctx;
    pthread_mutex_lock(&reuse_lock);
    for (int i = reuse_n - 1; i >= 0; i--)
        if (reuse_cache[i].size == size) {
            void *p = reuse_cache[i].p;
            memmove(&reuse_cache[i], &reuse_cache[i + 1], (size_t)(reuse_n - 1 - i) * sizeof reuse_cache[0]);
            reuse_n--;
            pthread_mutex_unlock(&reuse_lock);
            return memset(p, 0, size); /* tables expect zeroed memory */
        }
    pthread_mutex_unlock(&reuse_lock);
    void *p = aligned_alloc(LFMAP_CACHE_LINE, (size + LFMAP_CACHE_LINE - 1) & ~(size_t)(LFMAP_CACHE_LINE - 1));
    return p ? memset(p, 0, size) : NULL;
}

static void reuse_free(void *p, size_t size, void *ctx)
{
    (void)ctx;
    pthread_mutex_lock(&reuse_lock);
    if (reuse_n == REUSE_MAX_CACHED) {
        free(reuse_cache[0].p);
        memmove(&reuse_cache[0], &reuse_cache[1], (size_t)(reuse_n - 1) * sizeof reuse_cache[0]);
        reuse_n--;
    }
    reuse_cache[reuse_n].p = p;
    reuse_cache[reuse_n].size = size;
    reuse_n++;
    pthread_mutex_unlock(&reuse_lock);
}

static void reuse_drain(void)
{
    pthread_mutex_lock(&reuse_lock);
    for (int i = 0; i < reuse_n; i++)
        free(reuse_cache[i].p);
    reuse_n = 0;
    pthread_mutex_unlock(&reuse_lock);
}

static bool reuse_cached(const void *p)
{
    pthread_mutex_lock(&reuse_lock);
    bool found = false;
    for (int i = 0; i < reuse_n; i++)
        found |= reuse_cache[i].p == p;
    pthread_mutex_unlock(&reuse_lock);
    return found;
}

static const struct lfmap_allocator reusing = {.alloc = reuse_alloc, .free = reuse_free};
/* seq_cst (both, every access): test bookkeeping between W and the main
 * thread, read after W's stop or its end; no argument needs less. */
static _Atomic uint64_t reuse_w_next; /* W's next key: those below it are inserted, or the one in flight */
static atomic_bool reuse_w_done;

static void *reuse_writer(void *arg)
{
    struct stopper *st = arg;
    ck_assert_int_eq(lfmap_thread_register(), 0);
    stoppable = true;
    for (uint64_t k = REUSE_W_BASE; k < REUSE_W_BASE + 1000; k++) {
        atomic_store(&reuse_w_next, k);
        ck_assert_int_eq(lfmap_insert(map, k, k + 1), 1);
        if (atomic_load(&st->next) > 0) /* seq_cst: stop_hook stored it in this thread */
            break; /* this insert was the one stopped */
    }
    atomic_store(&reuse_w_done, true);
    lfmap_thread_unregister();
    return NULL;
}

/* White box, read while W is stopped or after the map's writers finished. */
static struct lfmap_table *reuse_current(void)
{
    /* seq_cst: the main thread's own promotions, or W's before its end */
    return atomic_load(&((struct lfmap *)(void *)map)->current);
}

/* Puts the live keys (new values each time) until a resize completes:
 * each put migrates one slot, and none claims one. */
static void reuse_put_until_promoted(uint64_t *round)
{
    struct lfmap_stats s;
    lfmap_get_stats(map, &s);
    uint64_t r0 = s.resizes;
    for (int i = 0; s.resizes == r0; i++) {
        ck_assert_msg(i < 100000, "the migration never finished");
        ++*round;
        for (uint64_t k = 1; k <= REUSE_LIVE; k++)
            ck_assert_int_eq(lfmap_put(map, k, k * 1000 + *round, NULL), 0);
        lfmap_get_stats(map, &s);
    }
    for (int i = 0; i < 4; i++)
        lfmap_quiescent(); /* ck-hp frees what no hazard names */
}

START_TEST(claim_ignores_a_reused_predecessor_address)
{
    ck_assert_int_eq(lfmap_thread_register(), 0);
    atomic_store(&reuse_w_done, false);
    struct lfmap_config cfg = {.seed = SEED, .capacity = 64, .migration_chunk = 1, .reclamation = "ck-hp",
                               .allocator = &reusing};
    map = lfmap_new(&cfg);
    ck_assert_ptr_nonnull(map);
    struct lfmap_table *f = reuse_current();
    ck_assert_uint_eq(f->nslots, 128);
    for (uint64_t k = 1; k <= REUSE_LIVE + REUSE_REMOVED; k++)
        ck_assert_int_eq(lfmap_insert(map, k, k), 1);
    for (uint64_t k = REUSE_LIVE + 1; k <= REUSE_LIVE + REUSE_REMOVED; k++)
        ck_assert_int_eq(lfmap_remove(map, k, NULL), 1); /* the 64th starts the shrink F -> t */
    struct lfmap_table *t = atomic_load(&f->next); /* seq_cst: published by our own remove */
    ck_assert_msg(t && !lf_table_next_is_sentinel(t) && t->nslots == 64 && reuse_current() == f,
                  "the removes did not start a shrink of F");

    struct stopper st;
    stopper_init(&st, LFMAP_HOOK_RESERVE_BEFORE_PROTECT_FROM);
    pthread_t th;
    pthread_create(&th, NULL, reuse_writer, &st);
    ck_assert_msg(wait_reached(&st), "W never found t over its limit");
    ck_assert_ptr_eq(reuse_current(), f); /* W read t->from == F, F still current */

    uint64_t round = 0;
    reuse_put_until_promoted(&round); /* F -> t done: F retired and freed */
    ck_assert_ptr_eq(reuse_current(), t);
    ck_assert_msg(reuse_cached(f), "F was not freed");
    uint64_t x = 999999;
    ck_assert_int_eq(lfmap_insert(map, x, 1), 1); /* t over its limit: t -> N */
    /* seq_cst: published by our own insert */
    ck_assert_msg(atomic_load(&t->next) == f, "N did not get F's address");
    ck_assert_int_eq(lfmap_remove(map, x, NULL), 1); /* N holds only keys t has */
    reuse_put_until_promoted(&round); /* t -> N done: t retired, held by W */
    ck_assert_ptr_eq(reuse_current(), f);

    sem_post(&st.release);
    for (int i = 0; !atomic_load(&reuse_w_done); i++) {
        ck_assert_msg(i < 5000,
                      "W's insert of %llu did not return in 5 s (the current table is %s; N is at F's old address)",
                      (unsigned long long)atomic_load(&reuse_w_next),
                      reuse_current() == t ? "t, retired: W migrated N into it" :
                      reuse_current() == f ? "N" : "another");
        usleep(1000);
    }
    pthread_join(th, NULL);
    lf_hook_set(NULL, NULL);
    uint64_t w_end = atomic_load(&reuse_w_next);
    for (uint64_t k = 1; k <= REUSE_LIVE; k++) {
        uint64_t v = 0;
        ck_assert_msg(lfmap_get(map, k, &v) && v == k * 1000 + round, "key %llu: want %llu, got %llu",
                      (unsigned long long)k, (unsigned long long)(k * 1000 + round), (unsigned long long)v);
    }
    for (uint64_t k = REUSE_W_BASE; k <= w_end; k++) {
        uint64_t v = 0;
        ck_assert_msg(lfmap_get(map, k, &v) && v == k + 1, "W's key %llu lost", (unsigned long long)k);
    }
    uint64_t xv;
    ck_assert(!lfmap_get(map, x, &xv));
    ck_assert_uint_eq(lfmap_size(map), REUSE_LIVE + (w_end - REUSE_W_BASE + 1));
    lfmap_free(map);
    lfmap_thread_unregister();
    reuse_drain();
}
END_TEST
#endif

LF_EXACT_STOPS_MAIN("unit_interleavings", "interleavings", "regressions", 60,
                    revivals_while_successor_is_sized,
                    late_claim_cannot_extend_a_frozen_path,
                    stale_migrator_cannot_refreeze_a_moved_slot,
                    writer_keeps_its_successor_through_a_help,
                    claim_ignores_a_reused_predecessor_address)
